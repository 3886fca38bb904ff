/* Tests for the size, duration and integer parsers (common/units.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/units.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

typedef struct {
    const char *in;
    uint64_t want;
} good_t;

static void
test_size_good(void **state)
{
    (void)state;
    const good_t cases[] = {
        {"0", 0},
        {"1", 1},
        {"4096", 4096},
        {"512K", 512ull * 1024},
        {"512k", 512ull * 1024},
        {"64M", 64ull * 1024 * 1024},
        {"64m", 64ull * 1024 * 1024},
        {"2G", 2ull * 1024 * 1024 * 1024},
        {"2g", 2ull * 1024 * 1024 * 1024},
        {"0K", 0},
        {"0G", 0},
        {"007", 7},
        {"00000000000000000000000000000000001K", 1024},
        {"18446744073709551615", UINT64_MAX},
        /* The largest multiples that still fit. */
        {"18014398509481983K", UINT64_MAX - 1023},
        {"17592186044415M", UINT64_MAX - ((1ull << 20) - 1)},
        {"17179869183G", UINT64_MAX - ((1ull << 30) - 1)},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        uint64_t v = 12345;
        if (keel_parse_size(cases[i].in, &v) != 0)
            fail_msg("keel_parse_size(\"%s\") failed", cases[i].in);
        if (v != cases[i].want)
            fail_msg("keel_parse_size(\"%s\") = %llu, want %llu", cases[i].in, (unsigned long long)v,
                     (unsigned long long)cases[i].want);
    }
}

static void
test_size_bad(void **state)
{
    (void)state;
    const char *const cases[] = {
        "",
        "K",
        "M",
        "-1",
        "+1",
        " 1",
        "1 ",
        "1 K",
        "1KB",
        "1KiB",
        "1T",
        "1t",
        "1.5M",
        "0x10",
        "1MM",
        "M1",
        "1K1",
        "1e3",
        "\t1",
        "1\n",
        /* Overflow, in the digits or in the multiple. */
        "18446744073709551616",
        "99999999999999999999999",
        "18014398509481984K",
        "17592186044416M",
        "17179869184G",
        "99999999999999999999G",
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        uint64_t v;
        if (keel_parse_size(cases[i], &v) != -1)
            fail_msg("keel_parse_size(\"%s\") accepted", cases[i]);
    }
}

static void
test_duration_good(void **state)
{
    (void)state;
    const good_t cases[] = {
        {"250ms", 250},
        {"30s", 30000},
        {"30", 30000}, /* a bare number is seconds */
        {"5m", 300000},
        {"1h", 3600000},
        {"0", 0},
        {"0ms", 0},
        {"0h", 0},
        {"1ms", 1},
        {"90m", 5400000},
        {"24h", 86400000},
        {"18446744073709551615ms", UINT64_MAX},
        /* The largest values that fit once scaled to milliseconds. */
        {"18446744073709551s", 18446744073709551000ull},
        {"307445734561825m", 307445734561825ull * 60000},
        {"5124095576030h", 5124095576030ull * 3600000},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        uint64_t v = 12345;
        if (keel_parse_duration_ms(cases[i].in, &v) != 0)
            fail_msg("keel_parse_duration_ms(\"%s\") failed", cases[i].in);
        if (v != cases[i].want)
            fail_msg("keel_parse_duration_ms(\"%s\") = %llu, want %llu", cases[i].in, (unsigned long long)v,
                     (unsigned long long)cases[i].want);
    }
}

static void
test_duration_bad(void **state)
{
    (void)state;
    const char *const cases[] = {
        "",
        "s",
        "ms",
        "h",
        "-1s",
        "+1s",
        " 1s",
        "1s ",
        "1 s",
        "1.5s",
        "1d",
        "1sec",
        "1hm",
        "1msx",
        "1mss",
        "1sm",
        "1M",
        "1K",
        "s1",
        "0x10s",
        /* Overflow, in the digits or once scaled. */
        "18446744073709551616ms",
        "18446744073709552s",
        "18446744073709552",
        "307445734561826m",
        "5124095576031h",
        "99999999999999999999h",
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        uint64_t v;
        if (keel_parse_duration_ms(cases[i], &v) != -1)
            fail_msg("keel_parse_duration_ms(\"%s\") accepted", cases[i]);
    }
}

static void
test_uint_good(void **state)
{
    (void)state;
    uint64_t v;
    assert_int_equal(keel_parse_uint("0", 0, 10, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(keel_parse_uint("10", 0, 10, &v), 0);
    assert_int_equal(v, 10);
    assert_int_equal(keel_parse_uint("1", 1, 1, &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(keel_parse_uint("1024", 1, 1024, &v), 0);
    assert_int_equal(v, 1024);
    assert_int_equal(keel_parse_uint("0042", 0, 100, &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(keel_parse_uint("18446744073709551615", 0, UINT64_MAX, &v), 0);
    assert_true(v == UINT64_MAX);
}

static void
test_uint_bad(void **state)
{
    (void)state;
    const char *const syntax[] = {"",
                                  "a",
                                  "1a",
                                  "a1",
                                  "-0",
                                  "-1",
                                  "+1",
                                  " 1",
                                  "1 ",
                                  "1.0",
                                  "0x1",
                                  "1K",
                                  "1s",
                                  "18446744073709551616",
                                  "184467440737095516150"};
    for (size_t i = 0; i < COUNT(syntax); i++) {
        uint64_t v = 77;
        if (keel_parse_uint(syntax[i], 0, UINT64_MAX, &v) != -1)
            fail_msg("keel_parse_uint(\"%s\") accepted", syntax[i]);
    }
    uint64_t v;
    /* Range limits are inclusive and enforced on both sides. */
    assert_int_equal(keel_parse_uint("0", 1, 1024, &v), -1);
    assert_int_equal(keel_parse_uint("1025", 1, 1024, &v), -1);
    assert_int_equal(keel_parse_uint("11", 0, 10, &v), -1);
    assert_int_equal(keel_parse_uint("9", 10, 20, &v), -1);
    assert_int_equal(keel_parse_uint("18446744073709551615", 0, UINT64_MAX - 1, &v), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_size_good),    cmocka_unit_test(test_size_bad),  cmocka_unit_test(test_duration_good),
        cmocka_unit_test(test_duration_bad), cmocka_unit_test(test_uint_good), cmocka_unit_test(test_uint_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
