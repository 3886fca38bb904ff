/* Tests for src/front/https_redirect.c: where --redirect-https sends a
 * cleartext request. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "front/https_redirect.h"

static const char *
loc(const char *authority, int port, const char *path)
{
    static char out[256]; /* one result at a time, checked before the next */
    size_t n =
        keel_https_location(authority, strlen(authority), "fallback.test", port, path, strlen(path), out, sizeof(out));
    return n == 0 ? NULL : out;
}

static void
test_the_port_is_left_out_only_for_443(void **state)
{
    (void)state;
    assert_string_equal(loc("example.com", 443, "/a?b=1"), "https://example.com/a?b=1");
    assert_string_equal(loc("example.com", 8443, "/a?b=1"), "https://example.com:8443/a?b=1");
    assert_string_equal(loc("example.com", 80, "/"), "https://example.com:80/");
}

static void
test_the_request_port_is_dropped(void **state)
{
    (void)state;
    assert_string_equal(loc("example.com:8080", 443, "/"), "https://example.com/");
    assert_string_equal(loc("[::1]:8080", 8443, "/x"), "https://[::1]:8443/x");
    assert_string_equal(loc("[2001:db8::1]", 443, "/"), "https://[2001:db8::1]/");
}

static void
test_no_host_takes_the_fallback(void **state)
{
    (void)state;
    assert_string_equal(loc("", 443, "/"), "https://fallback.test/");
    assert_string_equal(loc(":8080", 8443, "/p"), "https://fallback.test:8443/p");
}

static void
test_too_small_or_bad_port_writes_nothing(void **state)
{
    (void)state;
    char out[24];
    const char *path = "/a/long/path";
    assert_int_equal(keel_https_location("example.com", 11, "f", 443, path, strlen(path), out, sizeof(out)), 0);
    assert_int_equal(keel_https_location("h", 1, "f", 443, "/", 1, out, sizeof(out)), strlen("https://h/"));
    assert_int_equal(keel_https_location("h", 1, "f", 0, "/", 1, out, sizeof(out)), 0);
    assert_int_equal(keel_https_location("h", 1, "f", 65536, "/", 1, out, sizeof(out)), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_port_is_left_out_only_for_443),
        cmocka_unit_test(test_the_request_port_is_dropped),
        cmocka_unit_test(test_no_host_takes_the_fallback),
        cmocka_unit_test(test_too_small_or_bad_port_writes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
