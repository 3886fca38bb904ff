/* Tests for src/front/http1_guard.c: headers that allow request smuggling. */
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

static void
test_ordinary_requests_pass(void **state)
{
    (void)state;
    const keel_http1_header_t plain[] = {H("Host", "a"), H("Accept", "*/*"), H("Cookie", "x=1"), H("Cookie", "y=2")};
    assert_int_equal(keel_http1_headers_ok(plain, 4), 1);
    const keel_http1_header_t body[] = {H("Host", "a"), H("Content-Length", "5")};
    assert_int_equal(keel_http1_headers_ok(body, 2), 1);
    const keel_http1_header_t chunked[] = {H("host", "a"), H("Transfer-Encoding", "chunked")};
    assert_int_equal(keel_http1_headers_ok(chunked, 2), 1);
    assert_int_equal(keel_http1_headers_ok(NULL, 0), 1);
    /* names that merely start like the guarded ones */
    const keel_http1_header_t lookalike[] = {H("Host", "a"), H("Hostname", "b"), H("Content-Length-X", "1"),
                                             H("Content-Length", "2")};
    assert_int_equal(keel_http1_headers_ok(lookalike, 4), 1);
}

static void
test_smuggling_shapes_refused(void **state)
{
    (void)state;
    const keel_http1_header_t two_hosts[] = {H("Host", "a"), H("HOST", "b")};
    assert_int_equal(keel_http1_headers_ok(two_hosts, 2), 0);
    const keel_http1_header_t two_lengths[] = {H("Content-Length", "3"), H("content-length", "5")};
    assert_int_equal(keel_http1_headers_ok(two_lengths, 2), 0);
    /* even equal values: nginx refuses duplicates too */
    const keel_http1_header_t same_lengths[] = {H("Content-Length", "3"), H("Content-Length", "3")};
    assert_int_equal(keel_http1_headers_ok(same_lengths, 2), 0);
    const keel_http1_header_t both[] = {H("Content-Length", "3"), H("Transfer-Encoding", "chunked")};
    assert_int_equal(keel_http1_headers_ok(both, 2), 0);
}

static void
test_continuation_lines_ignored(void **state)
{
    (void)state;
    /* picohttpparser reports an obs-fold continuation with a NULL name */
    const keel_http1_header_t folded[] = {H("Host", "a"), {NULL, 0, "more", 4}, H("Accept", "*/*")};
    assert_int_equal(keel_http1_headers_ok(folded, 3), 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ordinary_requests_pass),
        cmocka_unit_test(test_smuggling_shapes_refused),
        cmocka_unit_test(test_continuation_lines_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
