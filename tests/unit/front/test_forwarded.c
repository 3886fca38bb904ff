/* Tests for src/front/forwarded.c: X-Forwarded-For walked as nginx's
 * real_ip module walks it (real_ip_recursive on), RFC 7239 Forwarded,
 * and the scheme, host and port a trusted proxy forwards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "front/forwarded.h"

static keel_cidr_t trusted[4];
static size_t trusted_count;

static int
setup(void **state)
{
    (void)state;
    static const char *const ranges[] = {"127.0.0.1", "10.0.0.0/8", "2001:db8::/32"};
    trusted_count = 0;
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(keel_cidr_parse(ranges[i], strlen(ranges[i]), &trusted[trusted_count++]), 0);
    return 0;
}

static keel_ip_t
ip(const char *s)
{
    keel_ip_t a;
    assert_int_equal(keel_ip_parse(s, strlen(s), &a), 0);
    return a;
}

static keel_fwd_text_t
t(const char *s)
{
    return (keel_fwd_text_t){s, strlen(s)};
}

/* The client address the headers give for a peer, as text; "" when the
 * peer is believed (no change), "-" when the peer is not trusted. */
static const char *
client(const char *peer, keel_fwd_headers_t *h, keel_fwd_result_t *r)
{
    static char buf[KEEL_CIDR_TEXT_MAX];
    keel_ip_t p = ip(peer);
    const keel_fwd_trust_t trust = {trusted, trusted_count, false};
    if (!keel_fwd_resolve(&p, &trust, h, r))
        return "-";
    if (!r->client_known)
        return "";
    keel_ip_format(&r->client, buf);
    return buf;
}

static const char *
xff(const char *peer, const char *v1, const char *v2)
{
    keel_fwd_headers_t h = {0};
    keel_fwd_result_t r;
    h.xff[h.xff_count++] = t(v1);
    if (v2 != NULL)
        h.xff[h.xff_count++] = t(v2);
    return client(peer, &h, &r);
}

static void
test_xff_rightmost_untrusted(void **state)
{
    (void)state;
    assert_string_equal(xff("127.0.0.1", "203.0.113.7", NULL), "203.0.113.7");
    /* trusted hops on the right are skipped; the first untrusted one wins */
    assert_string_equal(xff("127.0.0.1", "198.51.100.1, 203.0.113.7, 10.1.1.1, 10.2.2.2", NULL), "203.0.113.7");
    /* all trusted: the leftmost */
    assert_string_equal(xff("127.0.0.1", "10.9.9.9, 10.1.1.1", NULL), "10.9.9.9");
    /* spaces alone separate too, and separators pile up */
    assert_string_equal(xff("127.0.0.1", "198.51.100.1 203.0.113.7 ,, ", NULL), "203.0.113.7");
    /* two headers are one list, the second to the right */
    assert_string_equal(xff("127.0.0.1", "203.0.113.7", "10.1.1.1"), "203.0.113.7");
    assert_string_equal(xff("127.0.0.1", "203.0.113.7", "198.51.100.9, 10.1.1.1"), "198.51.100.9");
    assert_string_equal(xff("127.0.0.1", "10.3.3.3", "10.1.1.1"), "10.3.3.3");
    /* IPv6, bracketed with a port, and the IPv4 port form */
    assert_string_equal(xff("127.0.0.1", "2001:db8::5, 2606:4700::1", NULL), "2606:4700::1");
    assert_string_equal(xff("2001:db8::1", "[2606:4700::1]:443", NULL), "2606:4700::1");
    keel_fwd_headers_t h = {.xff_count = 1};
    h.xff[0] = t("203.0.113.7:4711");
    keel_fwd_result_t r;
    assert_string_equal(client("127.0.0.1", &h, &r), "203.0.113.7");
    assert_int_equal(r.client_port, 4711);
    h.xff[0] = t("203.0.113.7");
    client("127.0.0.1", &h, &r);
    assert_int_equal(r.client_port, 0);
}

static void
test_xff_garbage_stops_the_walk(void **state)
{
    (void)state;
    /* the last address read stands, trusted or not */
    assert_string_equal(xff("127.0.0.1", "203.0.113.7, junk, 10.1.1.1", NULL), "10.1.1.1");
    assert_string_equal(xff("127.0.0.1", "unknown", NULL), "");
    assert_string_equal(xff("127.0.0.1", "", NULL), "");
    /* nginx reads a separator that opens the value as part of the first
     * element, which then is no address */
    assert_string_equal(xff("127.0.0.1", ",203.0.113.7", NULL), "");
    assert_string_equal(xff("127.0.0.1", ", 203.0.113.7", NULL), "203.0.113.7");
    assert_string_equal(xff("127.0.0.1", ", 10.1.1.1", NULL), "10.1.1.1");
    assert_string_equal(xff("127.0.0.1", "1.2.3.4:0, 10.1.1.1", NULL), "10.1.1.1");
    assert_string_equal(xff("127.0.0.1", "[::1], 10.1.1.1", NULL), "10.1.1.1");
    assert_string_equal(xff("127.0.0.1", "1.2.3.4:99999", NULL), "");
}

static void
test_untrusted_peer_changes_nothing(void **state)
{
    (void)state;
    keel_fwd_headers_t h = {.xff_count = 1, .proto = t("https"), .host = t("example.com"), .port = t("8443")};
    h.xff[0] = t("203.0.113.7");
    keel_fwd_result_t r;
    assert_string_equal(client("192.0.2.1", &h, &r), "-");
    assert_false(r.client_known);
    assert_int_equal(r.https, -1);
    assert_null(r.host.base);
    assert_int_equal(r.port, 0);
    /* nothing trusted at all */
    keel_ip_t p = ip("127.0.0.1");
    const keel_fwd_trust_t none = {trusted, 0, false};
    assert_false(keel_fwd_resolve(&p, &none, &h, &r));
}

/* A client of a unix: listener (no address): trusted only with unix_peers,
 * and then the walk starts from it as from a trusted address. */
static const char *
unix_client(bool unix_peers, size_t ranges, const char *v1, keel_fwd_result_t *r)
{
    static char buf[KEEL_CIDR_TEXT_MAX];
    keel_fwd_headers_t h = {0};
    h.xff[h.xff_count++] = t(v1);
    h.proto = t("https");
    const keel_fwd_trust_t trust = {trusted, ranges, unix_peers};
    if (!keel_fwd_resolve(NULL, &trust, &h, r))
        return "-";
    if (!r->client_known)
        return "";
    keel_ip_format(&r->client, buf);
    return buf;
}

static void
test_unix_peers(void **state)
{
    (void)state;
    keel_fwd_result_t r;
    /* not trusted unless asked, whatever the ranges */
    assert_string_equal(unix_client(false, trusted_count, "192.0.2.9", &r), "-");
    assert_int_equal(r.https, -1);
    /* trusted: the rightmost untrusted address, skipping trusted ones */
    assert_string_equal(unix_client(true, trusted_count, "192.0.2.9, 10.1.2.3", &r), "192.0.2.9");
    assert_int_equal(r.https, 1);
    assert_int_equal(r.port, 443);
    /* with no ranges, the rightmost element */
    assert_string_equal(unix_client(true, 0, "192.0.2.9, 10.1.2.3", &r), "10.1.2.3");
    /* all trusted: the leftmost, as for an address peer */
    assert_string_equal(unix_client(true, trusted_count, "10.0.0.1, 127.0.0.1", &r), "10.0.0.1");
    /* a first element that is no address: nothing believed, the scheme still is */
    assert_string_equal(unix_client(true, trusted_count, "unknown", &r), "");
    assert_int_equal(r.https, 1);
}

static const char *
fwd(const char *peer, const char *v1, const char *v2, keel_fwd_result_t *r)
{
    keel_fwd_headers_t h = {0};
    h.forwarded[h.forwarded_count++] = t(v1);
    if (v2 != NULL)
        h.forwarded[h.forwarded_count++] = t(v2);
    return client(peer, &h, r);
}

static void
test_forwarded(void **state)
{
    (void)state;
    keel_fwd_result_t r;
    assert_string_equal(fwd("127.0.0.1", "for=203.0.113.7", NULL, &r), "203.0.113.7");
    assert_string_equal(fwd("127.0.0.1", "for=198.51.100.1, For=\"203.0.113.7\";proto=https, for=10.1.1.1", NULL, &r),
                        "203.0.113.7");
    /* 2001:db8::/32 is trusted: a trusted hop, yet the leftmost */
    assert_string_equal(fwd("127.0.0.1", "for=\"[2001:db8:cafe::17]:4711\"", NULL, &r), "2001:db8:cafe::17");
    assert_string_equal(fwd("127.0.0.1", "for=\"[2606:4700::17]:4711\"", NULL, &r), "2606:4700::17");
    assert_int_equal(r.client_port, 4711);
    assert_string_equal(fwd("127.0.0.1", "for=\"203.0.113.7:8080\"", NULL, &r), "203.0.113.7");
    assert_int_equal(r.client_port, 8080);
    /* two headers, one list */
    assert_string_equal(fwd("127.0.0.1", "for=203.0.113.7", "for=10.2.2.2;by=10.3.3.3", &r), "203.0.113.7");
    /* unknown and obfuscated nodes end the walk */
    assert_string_equal(fwd("127.0.0.1", "for=203.0.113.7, for=unknown", NULL, &r), "");
    assert_string_equal(fwd("127.0.0.1", "for=203.0.113.7, for=_hidden, for=10.1.1.1", NULL, &r), "10.1.1.1");
    /* an element without for= is a hop nobody named */
    assert_string_equal(fwd("127.0.0.1", "for=203.0.113.7, proto=http", NULL, &r), "");
    /* malformed: nothing of that header is believed */
    static const char *const bad[] = {
        "for=\"203.0.113.7",       "for=203.0.113.7:80",   "for", "for=", "=x", "for=1.2.3.4 x", "for=[::1]",
        "for=1.2.3.4;for=5.6.7.8", "for=\"[2606:4700::1\""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_string_equal(fwd("127.0.0.1", bad[i], NULL, &r), "");
    /* a malformed header on the left does not spoil a good one on the right */
    assert_string_equal(fwd("127.0.0.1", "for=\"x", "for=203.0.113.9", &r), "203.0.113.9");
    /* empty elements and pairs are allowed */
    assert_string_equal(fwd("127.0.0.1", "for=203.0.113.7;;proto=http , ", NULL, &r), "");
    assert_string_equal(fwd("127.0.0.1", ";for=203.0.113.7", NULL, &r), "203.0.113.7");
    /* quoted-pair */
    assert_string_equal(fwd("127.0.0.1", "for=\"203.0.113.\\7\"", NULL, &r), "203.0.113.7");
}

static void
test_both_headers_must_agree(void **state)
{
    (void)state;
    keel_fwd_headers_t h = {.xff_count = 1, .forwarded_count = 1};
    h.xff[0] = t("203.0.113.7");
    h.forwarded[0] = t("for=203.0.113.7");
    keel_fwd_result_t r;
    assert_string_equal(client("127.0.0.1", &h, &r), "203.0.113.7");
    assert_false(r.conflict);
    h.forwarded[0] = t("for=198.51.100.66");
    assert_string_equal(client("127.0.0.1", &h, &r), "");
    assert_true(r.conflict);
    /* one that names nobody does not conflict */
    h.forwarded[0] = t("for=unknown");
    assert_string_equal(client("127.0.0.1", &h, &r), "203.0.113.7");
    assert_false(r.conflict);
}

static void
test_scheme_host_port(void **state)
{
    (void)state;
    keel_fwd_result_t r;
    keel_fwd_headers_t h = {.proto = t("HTTPS")};
    client("127.0.0.1", &h, &r);
    assert_int_equal(r.https, 1);
    assert_int_equal(r.port, 443);
    h = (keel_fwd_headers_t){.proto = t("http, https")};
    client("127.0.0.1", &h, &r);
    assert_int_equal(r.https, 0);
    assert_int_equal(r.port, 80);
    h = (keel_fwd_headers_t){.proto = t("gopher")};
    client("127.0.0.1", &h, &r);
    assert_int_equal(r.https, -1);
    assert_int_equal(r.port, 0);

    h = (keel_fwd_headers_t){.proto = t("https"), .host = t(" shop.example:8443, inner"), .port = t("9443")};
    client("127.0.0.1", &h, &r);
    assert_int_equal(r.host.len, strlen("shop.example"));
    assert_memory_equal(r.host.base, "shop.example", r.host.len);
    assert_int_equal(r.port, 9443); /* X-Forwarded-Port first */
    h.port = (keel_fwd_text_t){0};
    client("127.0.0.1", &h, &r);
    assert_int_equal(r.port, 8443); /* then the host's port, then the scheme's */
    h.host = t("[2001:db8::1]:444");
    client("127.0.0.1", &h, &r);
    assert_int_equal(r.host.len, strlen("[2001:db8::1]"));
    assert_int_equal(r.port, 444);

    static const char *const bad_hosts[] = {
        "", "a b", "evil.example\r\nX: y", "x:", "x:0", "x:99999", "[nope]", ":80", "a/b", "a@b"};
    for (size_t i = 0; i < sizeof(bad_hosts) / sizeof(bad_hosts[0]); i++) {
        h = (keel_fwd_headers_t){.host = t(bad_hosts[i])};
        client("127.0.0.1", &h, &r);
        assert_null(r.host.base);
        assert_int_equal(r.port, 0);
    }
    h = (keel_fwd_headers_t){.port = t("0")};
    client("127.0.0.1", &h, &r);
    assert_int_equal(r.port, 0);

    /* from Forwarded's first element when there is no X-Forwarded-* */
    assert_string_equal(
        fwd("127.0.0.1", "for=203.0.113.7;proto=https;host=\"a.example:8080\", for=10.1.1.1;proto=http", NULL, &r),
        "203.0.113.7");
    assert_int_equal(r.https, 1);
    assert_memory_equal(r.host.base, "a.example", r.host.len);
    assert_int_equal(r.port, 8080);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_xff_rightmost_untrusted, setup),
        cmocka_unit_test_setup(test_xff_garbage_stops_the_walk, setup),
        cmocka_unit_test_setup(test_untrusted_peer_changes_nothing, setup),
        cmocka_unit_test_setup(test_forwarded, setup),
        cmocka_unit_test_setup(test_both_headers_must_agree, setup),
        cmocka_unit_test_setup(test_scheme_host_port, setup),
        cmocka_unit_test_setup(test_unix_peers, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
