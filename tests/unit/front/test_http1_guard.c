/* Tests for src/front/http1_guard.c: what keel refuses in an HTTP/1 head. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "front/http1_guard.h"

#define H(n, v)                                                                                                        \
    {                                                                                                                  \
        n, sizeof(n) - 1, v, sizeof(v) - 1                                                                             \
    }
#define VERDICT(list, minor) keel_http1_headers_verdict(list, sizeof(list) / sizeof(list[0]), minor)

static void
test_ordinary_requests_pass(void **state)
{
    (void)state;
    const keel_http1_header_t plain[] = {H("Host", "a"), H("Accept", "*/*"), H("Cookie", "x=1"), H("Cookie", "y=2")};
    assert_int_equal(VERDICT(plain, 1), KEEL_HTTP1_OK);
    const keel_http1_header_t body[] = {H("Host", "a"), H("Content-Length", "5")};
    assert_int_equal(VERDICT(body, 1), KEEL_HTTP1_OK);
    const keel_http1_header_t chunked[] = {H("host", "a"), H("Transfer-Encoding", "chunked")};
    assert_int_equal(VERDICT(chunked, 1), KEEL_HTTP1_OK);
    const keel_http1_header_t upper[] = {H("host", "a"), H("transfer-encoding", "CHUNKED")};
    assert_int_equal(VERDICT(upper, 1), KEEL_HTTP1_OK);
    assert_int_equal(keel_http1_headers_verdict(NULL, 0, 1), KEEL_HTTP1_OK);
    /* names that merely start like the guarded ones */
    const keel_http1_header_t lookalike[] = {H("Host", "a"), H("Hostname", "b"), H("Content-Length-X", "1"),
                                             H("Content-Length", "2"), H("Transfer-Encodings", "x")};
    assert_int_equal(VERDICT(lookalike, 1), KEEL_HTTP1_OK);
}

static void
test_smuggling_shapes_refused(void **state)
{
    (void)state;
    const keel_http1_header_t two_hosts[] = {H("Host", "a"), H("HOST", "b")};
    assert_int_equal(VERDICT(two_hosts, 1), KEEL_HTTP1_BAD_REQUEST);
    const keel_http1_header_t two_lengths[] = {H("Content-Length", "3"), H("content-length", "5")};
    assert_int_equal(VERDICT(two_lengths, 1), KEEL_HTTP1_BAD_REQUEST);
    /* even equal values: nginx refuses duplicates too */
    const keel_http1_header_t same_lengths[] = {H("Content-Length", "3"), H("Content-Length", "3")};
    assert_int_equal(VERDICT(same_lengths, 1), KEEL_HTTP1_BAD_REQUEST);
    const keel_http1_header_t both[] = {H("Content-Length", "3"), H("Transfer-Encoding", "chunked")};
    assert_int_equal(VERDICT(both, 1), KEEL_HTTP1_BAD_REQUEST);
}

static void
test_continuation_lines_refused(void **state)
{
    (void)state;
    /* picohttpparser reports an obs-fold continuation with a NULL name */
    const keel_http1_header_t folded[] = {H("Host", "a"), H("X-A", "a"), {NULL, 0, "more", 4}, H("Accept", "*/*")};
    assert_int_equal(VERDICT(folded, 1), KEEL_HTTP1_BAD_REQUEST);
}

static void
test_transfer_codings(void **state)
{
    (void)state;
    /* two Transfer-Encoding headers: 400 whatever they say, as nginx */
    const keel_http1_header_t twice[] = {H("Transfer-Encoding", "chunked"), H("Transfer-Encoding", "chunked")};
    assert_int_equal(VERDICT(twice, 1), KEEL_HTTP1_BAD_REQUEST);
    const keel_http1_header_t gzip_then_chunked[] = {H("Transfer-Encoding", "gzip"), H("Transfer-Encoding", "chunked")};
    assert_int_equal(VERDICT(gzip_then_chunked, 1), KEEL_HTTP1_BAD_REQUEST);
    /* a coding keel does not decode: 501 */
    const keel_http1_header_t gzip[] = {H("Transfer-Encoding", "gzip")};
    assert_int_equal(VERDICT(gzip, 1), KEEL_HTTP1_NOT_IMPLEMENTED);
    const keel_http1_header_t list[] = {H("Transfer-Encoding", "gzip, chunked")};
    assert_int_equal(VERDICT(list, 1), KEEL_HTTP1_NOT_IMPLEMENTED);
    const keel_http1_header_t empty[] = {H("Transfer-Encoding", "")};
    assert_int_equal(VERDICT(empty, 1), KEEL_HTTP1_NOT_IMPLEMENTED);
    /* nginx answers the unknown coding before the conflict with a length */
    const keel_http1_header_t gzip_and_length[] = {H("Content-Length", "0"), H("Transfer-Encoding", "gzip")};
    assert_int_equal(VERDICT(gzip_and_length, 1), KEEL_HTTP1_NOT_IMPLEMENTED);
    /* HTTP/1.0 has no transfer codings */
    const keel_http1_header_t old[] = {H("Transfer-Encoding", "chunked")};
    assert_int_equal(VERDICT(old, 0), KEEL_HTTP1_BAD_REQUEST);
}

static void
test_host_checked(void **state)
{
    (void)state;
    const keel_http1_header_t slash[] = {H("Host", "evil.com/../x")};
    assert_int_equal(VERDICT(slash, 1), KEEL_HTTP1_BAD_REQUEST);
    const keel_http1_header_t empty[] = {H("Host", "")};
    assert_int_equal(VERDICT(empty, 0), KEEL_HTTP1_BAD_REQUEST);
    const keel_http1_header_t port[] = {H("Host", "example.com:8080")};
    assert_int_equal(VERDICT(port, 1), KEEL_HTTP1_OK);
}

static keel_http1_verdict_t
version(const char *line, keel_http1_line_t *out)
{
    return keel_http1_version_verdict(line, strlen(line), out);
}

static void
test_version_above_1_is_505(void **state)
{
    (void)state;
    keel_http1_line_t l;
    assert_int_equal(version("GET /a?b HTTP/2.0\r\nHost: x\r\n\r\n", &l), KEEL_HTTP1_VERSION_UNSUPPORTED);
    assert_int_equal(l.method_at, 0);
    assert_int_equal(l.method_len, 3);
    assert_int_equal(l.target_at, 4);
    assert_int_equal(l.target_len, 4);
    assert_int_equal(l.length, strlen("GET /a?b HTTP/2.0\r\n"));
    /* as soon as the digit says so, as nginx */
    assert_int_equal(version("GET / HTTP/3", &l), KEEL_HTTP1_VERSION_UNSUPPORTED);
    assert_int_equal(l.length, strlen("GET / HTTP/3"));
    assert_int_equal(version("POST / HTTP/10.0\r\n", &l), KEEL_HTTP1_VERSION_UNSUPPORTED);
    assert_int_equal(version("GET / HTTP/2.x\r\n", &l), KEEL_HTTP1_VERSION_UNSUPPORTED);
    /* after the empty line picohttpparser skips */
    assert_int_equal(version("\r\nGET / HTTP/2.0\r\n", &l), KEEL_HTTP1_VERSION_UNSUPPORTED);
    assert_int_equal(l.method_at, 2);
    assert_int_equal(l.target_at, 6);
}

static void
test_version_undecided_or_other_errors(void **state)
{
    (void)state;
    keel_http1_line_t l;
    /* too little to tell */
    assert_int_equal(version("", &l), KEEL_HTTP1_OK);
    assert_int_equal(version("GE", &l), KEEL_HTTP1_OK);
    assert_int_equal(version("GET /pa", &l), KEEL_HTTP1_OK);
    assert_int_equal(version("GET / HTT", &l), KEEL_HTTP1_OK);
    assert_int_equal(version("GET / HTTP/", &l), KEEL_HTTP1_OK);
    assert_int_equal(version("GET / HTTP/1", &l), KEEL_HTTP1_OK);
    assert_int_equal(version("\r", &l), KEEL_HTTP1_OK);
    /* not a version problem */
    assert_int_equal(version("GET / HTTP/1.1\r\n", &l), KEEL_HTTP1_BAD_REQUEST);
    assert_int_equal(version("GET / HTTP/0.9\r\n", &l), KEEL_HTTP1_BAD_REQUEST);
    assert_int_equal(version("GET / HTTX/2.0\r\n", &l), KEEL_HTTP1_BAD_REQUEST);
    assert_int_equal(version("GET  / HTTP/2.0\r\n", &l), KEEL_HTTP1_BAD_REQUEST);
    assert_int_equal(version("G(T / HTTP/2.0\r\n", &l), KEEL_HTTP1_BAD_REQUEST);
    assert_int_equal(version("GET /\x01 HTTP/2.0\r\n", &l), KEEL_HTTP1_BAD_REQUEST);
    assert_int_equal(version("\rGET / HTTP/2.0\r\n", &l), KEEL_HTTP1_BAD_REQUEST);
    /* HTTP/2's connection preface is libh2o's */
    assert_int_equal(version("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", &l), KEEL_HTTP1_BAD_REQUEST);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ordinary_requests_pass),
        cmocka_unit_test(test_smuggling_shapes_refused),
        cmocka_unit_test(test_continuation_lines_refused),
        cmocka_unit_test(test_transfer_codings),
        cmocka_unit_test(test_host_checked),
        cmocka_unit_test(test_version_above_1_is_505),
        cmocka_unit_test(test_version_undecided_or_other_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
