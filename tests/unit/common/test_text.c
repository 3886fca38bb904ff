/* Tests for src/common/text.h: bounded copies, decimal numbers, IPv4 addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "common/text.h"

static void
test_copy_fits(void **state)
{
    (void)state;
    char buf[8];
    memset(buf, 'x', sizeof(buf));
    assert_int_equal(keel_str_copy(buf, sizeof(buf), "/a.php"), 6);
    assert_string_equal(buf, "/a.php");
    assert_int_equal(keel_str_copy(buf, sizeof(buf), ""), 0);
    assert_string_equal(buf, "");
}

static void
test_copy_truncates_like_snprintf(void **state)
{
    (void)state;
    char buf[4];
    /* exactly full: three characters and the NUL */
    assert_int_equal(keel_str_copy(buf, sizeof(buf), "abc"), 3);
    assert_string_equal(buf, "abc");
    assert_int_equal(keel_str_copy(buf, sizeof(buf), "abcdef"), 3);
    assert_string_equal(buf, "abc");
    char one[1] = {'x'};
    assert_int_equal(keel_str_copy(one, sizeof(one), "abc"), 0);
    assert_int_equal(one[0], '\0');
}

static void
test_u64_format(void **state)
{
    (void)state;
    char out[20];
    const struct {
        uint64_t v;
        const char *text;
    } cases[] = {
        {0, "0"}, {7, "7"}, {10, "10"}, {8080, "8080"}, {65535, "65535"}, {UINT64_MAX, "18446744073709551615"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = keel_u64_format(out, cases[i].v);
        assert_int_equal(n, strlen(cases[i].text));
        assert_memory_equal(out, cases[i].text, n);
    }
}

static void
test_ipv4_format_matches_inet_ntop(void **state)
{
    (void)state;
    const uint8_t cases[][4] = {
        {127, 0, 0, 1}, {0, 0, 0, 0}, {255, 255, 255, 255}, {10, 9, 100, 200}, {192, 168, 1, 20}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char want[INET_ADDRSTRLEN], out[15];
        assert_non_null(inet_ntop(AF_INET, cases[i], want, sizeof(want)));
        size_t n = keel_ipv4_format(out, cases[i]);
        assert_int_equal(n, strlen(want));
        assert_memory_equal(out, want, n);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_fits),
        cmocka_unit_test(test_copy_truncates_like_snprintf),
        cmocka_unit_test(test_u64_format),
        cmocka_unit_test(test_ipv4_format_matches_inet_ntop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
