/* Tests for src/acme/messages.c: the CA's objects as pebble and Let's
 * Encrypt send them, and what is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acme/messages.h"

#define PARSE(fn, text, out) fn(text, strlen(text), out, err, sizeof(err))

static void
test_directory(void **state)
{
    (void)state;
    char err[256];
    keel_acme_directory_t d;
    const char *pebble =
        "{\"keyChange\":\"https://127.0.0.1:14000/rollover-account-key\","
        "\"meta\":{\"externalAccountRequired\":false,\"termsOfService\":\"data:text/plain,Do%20what\"},"
        "\"newAccount\":\"https://127.0.0.1:14000/sign-me-up\","
        "\"newNonce\":\"https://127.0.0.1:14000/nonce-plz\","
        "\"newOrder\":\"https://127.0.0.1:14000/order-plz\","
        "\"revokeCert\":\"https://127.0.0.1:14000/revoke-cert\"}";
    assert_int_equal(PARSE(keel_acme_directory_parse, pebble, &d), 0);
    assert_string_equal(d.new_nonce, "https://127.0.0.1:14000/nonce-plz");
    assert_string_equal(d.new_account, "https://127.0.0.1:14000/sign-me-up");
    assert_string_equal(d.new_order, "https://127.0.0.1:14000/order-plz");
    assert_string_equal(d.terms_of_service, "data:text/plain,Do%20what");
    assert_false(d.external_account_required);
    keel_acme_directory_free(&d);
    assert_null(d.root);

    const char *eab =
        "{\"newNonce\":\"a\",\"newAccount\":\"b\",\"newOrder\":\"c\",\"meta\":{\"externalAccountRequired\":true}}";
    assert_int_equal(PARSE(keel_acme_directory_parse, eab, &d), 0);
    assert_true(d.external_account_required);
    assert_null(d.terms_of_service);
    keel_acme_directory_free(&d);

    static const char *const bad[] = {
        "",
        "[]",
        "{\"newNonce\":\"a\",\"newAccount\":\"b\"}",
        "{\"newNonce\":\"a\",\"newAccount\":\"b\",\"newOrder\":7}",
        "{\"newNonce\":\"a\",\"newAccount\":\"b\",\"newOrder\":\"\"}",
        "{\"newNonce\":\"a\",\"newAccount\":\"b\",\"newOrder\":\"c\",\"newOrder\":\"d\"}", /* duplicate */
        "{\"newNonce\":\"a\\u0000b\",\"newAccount\":\"b\",\"newOrder\":\"c\"}",            /* NUL */
        "{\"newNonce\":\"a\\nb\",\"newAccount\":\"b\",\"newOrder\":\"c\"}",                /* control */
        "{\"newNonce\":\"a\",",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(PARSE(keel_acme_directory_parse, bad[i], &d), -1);
        assert_true(err[0] != '\0');
        assert_null(d.root);
    }
}

static void
test_order(void **state)
{
    (void)state;
    char err[256];
    keel_acme_order_t o;
    const char *pending = "{\"status\":\"pending\",\"expires\":\"2026-12-08T16:42:50Z\","
                          "\"identifiers\":[{\"type\":\"dns\",\"value\":\"www.keel.test\"},"
                          "{\"type\":\"dns\",\"value\":\"keel.test\"}],"
                          "\"finalize\":\"https://ca/finalize-order/1\","
                          "\"authorizations\":[\"https://ca/authZ/a\",\"https://ca/authZ/b\"]}";
    assert_int_equal(PARSE(keel_acme_order_parse, pending, &o), 0);
    assert_int_equal(o.status, KEEL_ACME_STATUS_PENDING);
    assert_string_equal(o.finalize, "https://ca/finalize-order/1");
    assert_null(o.certificate);
    assert_int_equal(o.n_authorizations, 2);
    assert_string_equal(o.authorizations[1], "https://ca/authZ/b");
    assert_null(o.error);
    keel_acme_order_free(&o);

    const char *valid = "{\"status\":\"valid\",\"finalize\":\"f\",\"authorizations\":[\"a\"],"
                        "\"certificate\":\"https://ca/certZ/9\"}";
    assert_int_equal(PARSE(keel_acme_order_parse, valid, &o), 0);
    assert_int_equal(o.status, KEEL_ACME_STATUS_VALID);
    assert_string_equal(o.certificate, "https://ca/certZ/9");
    keel_acme_order_free(&o);

    const char *invalid = "{\"status\":\"invalid\",\"finalize\":\"f\",\"authorizations\":[\"a\"],"
                          "\"error\":{\"type\":\"urn:ietf:params:acme:error:unauthorized\",\"detail\":\"no\"}}";
    assert_int_equal(PARSE(keel_acme_order_parse, invalid, &o), 0);
    assert_int_equal(o.status, KEEL_ACME_STATUS_INVALID);
    assert_non_null(o.error);
    keel_acme_order_free(&o);

    static const char *const bad[] = {
        "{\"status\":\"pending\",\"authorizations\":[\"a\"]}",                      /* no finalize */
        "{\"status\":\"sleeping\",\"finalize\":\"f\",\"authorizations\":[\"a\"]}",  /* unknown status */
        "{\"finalize\":\"f\",\"authorizations\":[\"a\"]}",                          /* no status */
        "{\"status\":\"pending\",\"finalize\":\"f\",\"authorizations\":[]}",        /* none */
        "{\"status\":\"pending\",\"finalize\":\"f\",\"authorizations\":\"a\"}",     /* not a list */
        "{\"status\":\"pending\",\"finalize\":\"f\",\"authorizations\":[\"a\",1]}", /* not a URL */
        "{\"status\":\"pending\",\"finalize\":\"f\",\"authorizations\":[\"a\",\"\"]}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(PARSE(keel_acme_order_parse, bad[i], &o), -1);
        assert_null(o.root);
    }
    /* at most 100 authorizations */
    char big[4096] = "{\"status\":\"pending\",\"finalize\":\"f\",\"authorizations\":[";
    for (int i = 0; i <= KEEL_ACME_MAX_AUTHZ; i++)
        strcat(big, i ? ",\"a\"" : "\"a\"");
    strcat(big, "]}");
    assert_int_equal(PARSE(keel_acme_order_parse, big, &o), -1);
    assert_non_null(strstr(err, "too many"));
}

static void
test_authorization(void **state)
{
    (void)state;
    char err[256];
    keel_acme_authz_t a;
    const char *pebble =
        "{\"status\":\"pending\",\"identifier\":{\"type\":\"dns\",\"value\":\"keel.test\"},"
        "\"challenges\":["
        "{\"type\":\"tls-alpn-01\",\"url\":\"https://ca/chalZ/1\",\"token\":\"Tok_en-1\",\"status\":\"pending\"},"
        "{\"type\":\"dns-01\",\"url\":\"https://ca/chalZ/2\",\"token\":\"tok2\",\"status\":\"pending\"},"
        "{\"type\":\"http-01\",\"url\":\"https://ca/chalZ/3\",\"token\":\"../../etc/passwd\",\"status\":\"pending\"}"
        "],\"expires\":\"2026-12-07T17:42:50Z\"}";
    assert_int_equal(PARSE(keel_acme_authz_parse, pebble, &a), 0);
    assert_int_equal(a.status, KEEL_ACME_STATUS_PENDING);
    assert_string_equal(a.identifier, "keel.test");
    assert_false(a.wildcard);
    assert_int_equal(a.n_challenges, 3);
    const keel_acme_challenge_t *c = keel_acme_authz_challenge(&a, "tls-alpn-01");
    assert_non_null(c);
    assert_string_equal(c->url, "https://ca/chalZ/1");
    assert_string_equal(c->token, "Tok_en-1");
    /* a token that is not base64url is dropped: it would become a path */
    c = keel_acme_authz_challenge(&a, "http-01");
    assert_non_null(c);
    assert_null(c->token);
    assert_null(keel_acme_authz_challenge(&a, "http-02"));
    keel_acme_authz_free(&a);

    const char *refused =
        "{\"status\":\"invalid\",\"identifier\":{\"type\":\"dns\",\"value\":\"keel.test\"},\"challenges\":["
        "{\"type\":\"http-01\",\"url\":\"u\",\"token\":\"t\",\"status\":\"invalid\",\"error\":"
        "{\"type\":\"urn:ietf:params:acme:error:connection\",\"detail\":\"connection refused\",\"status\":400}}]}";
    assert_int_equal(PARSE(keel_acme_authz_parse, refused, &a), 0);
    assert_int_equal(a.status, KEEL_ACME_STATUS_INVALID);
    assert_int_equal(a.challenges[0].status, KEEL_ACME_STATUS_INVALID);
    char text[256];
    keel_acme_problem_text(a.challenges[0].error, text, sizeof(text));
    assert_string_equal(text, "connection: connection refused");
    keel_acme_authz_free(&a);

    static const char *const bad[] = {
        "{\"status\":\"pending\",\"identifier\":{\"type\":\"ip\",\"value\":\"1.2.3.4\"},\"challenges\":[]}",
        "{\"status\":\"pending\",\"identifier\":\"keel.test\",\"challenges\":[]}",
        "{\"status\":\"pending\",\"identifier\":{\"type\":\"dns\",\"value\":\"k\"}}",
        "{\"status\":\"pending\",\"identifier\":{\"type\":\"dns\",\"value\":\"k\"},\"challenges\":[{\"type\":\"x\"}]}",
        "{\"status\":\"pending\",\"identifier\":{\"type\":\"dns\",\"value\":\"k\"},\"challenges\":[7]}",
        "{\"identifier\":{\"type\":\"dns\",\"value\":\"k\"},\"challenges\":[]}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(PARSE(keel_acme_authz_parse, bad[i], &a), -1);
        assert_null(a.root);
    }
}

static void
test_status_names_round_trip(void **state)
{
    (void)state;
    for (int s = KEEL_ACME_STATUS_PENDING; s <= KEEL_ACME_STATUS_REVOKED; s++)
        assert_int_equal(keel_acme_status_parse(keel_acme_status_name((keel_acme_status_t)s)), s);
    assert_int_equal(keel_acme_status_parse("unknown"), KEEL_ACME_STATUS_UNKNOWN);
    assert_int_equal(keel_acme_status_parse(NULL), KEEL_ACME_STATUS_UNKNOWN);
    assert_string_equal(keel_acme_status_name((keel_acme_status_t)99), "unknown");
}

static void
test_problems(void **state)
{
    (void)state;
    const char *body = "{\"type\":\"urn:ietf:params:acme:error:rejectedIdentifier\",\"detail\":\"Error creating new "
                       "order\",\"status\":400,\"subproblems\":[{\"type\":\"urn:ietf:params:acme:error:malformed\","
                       "\"detail\":\"Invalid underscore\",\"identifier\":{\"type\":\"dns\",\"value\":\"a_b.example\"}},"
                       "{\"type\":\"urn:ietf:params:acme:error:rejectedIdentifier\",\"detail\":\"blocked\"}]}";
    json_t *p = keel_acme_problem_parse(body, strlen(body));
    assert_non_null(p);
    assert_true(keel_acme_problem_is(p, "rejectedIdentifier"));
    assert_false(keel_acme_problem_is(p, "badNonce"));
    char text[512];
    keel_acme_problem_text(p, text, sizeof(text));
    assert_string_equal(text, "rejectedIdentifier: Error creating new order (a_b.example malformed: Invalid "
                              "underscore; rejectedIdentifier: blocked)");
    /* truncation keeps the terminator */
    char small[12];
    keel_acme_problem_text(p, small, sizeof(small));
    assert_string_equal(small, "rejectedIde");
    json_decref(p);

    const char *nonce = "{\"type\":\"urn:ietf:params:acme:error:badNonce\",\"detail\":\"JWS has an invalid anti-replay "
                        "nonce\",\"status\":400}";
    p = keel_acme_problem_parse(nonce, strlen(nonce));
    assert_true(keel_acme_problem_is(p, "badNonce"));
    json_decref(p);

    /* a foreign type is kept whole */
    const char *other = "{\"type\":\"about:blank\",\"detail\":\"x\"}";
    p = keel_acme_problem_parse(other, strlen(other));
    keel_acme_problem_text(p, text, sizeof(text));
    assert_string_equal(text, "about:blank: x");
    assert_false(keel_acme_problem_is(p, "x"));
    json_decref(p);

    assert_null(keel_acme_problem_parse("<html>", 6));
    assert_null(keel_acme_problem_parse("{\"status\":500}", 14));
    keel_acme_problem_text(NULL, text, sizeof(text));
    assert_string_equal(text, "");
    json_t *empty = json_object();
    keel_acme_problem_text(empty, text, sizeof(text));
    assert_string_equal(text, "unexplained problem");
    json_decref(empty);
}

static void
test_oversized_documents_are_refused(void **state)
{
    (void)state;
    size_t n = KEEL_ACME_JSON_MAX + 1;
    char *big = malloc(n);
    memset(big, ' ', n);
    big[0] = '{';
    big[n - 1] = '}';
    char err[256];
    keel_acme_directory_t d;
    assert_int_equal(keel_acme_directory_parse(big, n, &d, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "too large"));
    free(big);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_directory),     cmocka_unit_test(test_order),
        cmocka_unit_test(test_authorization), cmocka_unit_test(test_status_names_round_trip),
        cmocka_unit_test(test_problems),      cmocka_unit_test(test_oversized_documents_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
