/* Tests for src/cli/leak_report.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/leak_report.h"

static void
test_plan(void **state)
{
    (void)state;
    keel_leak_plan_t p = keel_leak_plan(100);
    assert_int_equal(p.warmup, 50);
    assert_int_equal(p.interval, 1);
    p = keel_leak_plan(2000);
    assert_int_equal(p.warmup, 200);
    assert_int_equal(p.interval, 8);
    p = keel_leak_plan(100000);
    assert_int_equal(p.warmup, 10000);
    assert_int_equal(p.interval, 400);
    /* samples stay near KEEL_LEAK_SAMPLES whatever the count */
    for (uint64_t n = KEEL_LEAK_MIN_REQUESTS; n < 5000000; n = n * 3 + 7) {
        p = keel_leak_plan(n);
        assert_true(n / p.interval <= 2 * KEEL_LEAK_SAMPLES);
        assert_true(p.warmup < n);
    }
}

static void
test_stops_at_marks(void **state)
{
    (void)state;
    keel_leak_plan_t p = keel_leak_plan(20000);
    assert_int_equal(keel_leak_next_stop(&p, 0), 1000);
    assert_int_equal(keel_leak_next_stop(&p, 999), 1000);
    assert_int_equal(keel_leak_next_stop(&p, 1000), 10000);
    assert_int_equal(keel_leak_next_stop(&p, 10000), 20000);
    p = keel_leak_plan(500);
    assert_int_equal(keel_leak_next_stop(&p, 0), 500);
    /* a mark that is the requested count is simply the end */
    p = keel_leak_plan(10000);
    assert_int_equal(keel_leak_next_stop(&p, 1000), 10000);
    assert_true(keel_leak_is_mark(100000));
    assert_false(keel_leak_is_mark(2000));
}

static void
test_growth_figures(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(keel_format_growth(b, sizeof(b), 4112.4), "4112");
    assert_string_equal(keel_format_growth(b, sizeof(b), 9.96), "10");
    assert_string_equal(keel_format_growth(b, sizeof(b), 9.94), "9.9");
    assert_string_equal(keel_format_growth(b, sizeof(b), 0.4), "0.4");
    assert_string_equal(keel_format_growth(b, sizeof(b), -0.01), "0");
    assert_string_equal(keel_format_growth(b, sizeof(b), -12.2), "-12");
    assert_string_equal(keel_format_growth(b, sizeof(b), 0.0 / 0.0), "0");

    keel_growth_fit_t f = {.valid = true, .slope = 4112.2, .lower = 4109.5, .upper = 4116};
    char line[128];
    keel_growth_line(line, sizeof(line), &f, 2000);
    assert_string_equal(line, "growth: 4112 B/request (95% CI 4110\xe2\x80\x93"
                              "4116) over 2000 requests");
}

static char *
marks(const keel_mem_sample_t *s, size_t n, uint64_t from)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    keel_leak_marks(f, s, n, from);
    assert_int_equal(fclose(f), 0);
    return text;
}

static void
test_marks(void **state)
{
    (void)state;
    keel_mem_sample_t s[] = {
        {100, 5u << 20}, {200, 6u << 20}, {1000, (6u << 20) + 800 * 4096}, {1500, 10u << 20}, {2000, 8u << 20},
    };
    char *t = marks(s, 5, 200);
    assert_string_equal(t, "at 1000 requests: private memory 9.1 MiB, +3.1 MiB since request 200 (4096 B/request)\n"
                           "at 2000 requests: private memory 8 MiB, +2 MiB since request 200 (1165 B/request)\n");
    free(t);
    /* shrinking memory reads as such */
    keel_mem_sample_t down[] = {{100, 8u << 20}, {300, 7u << 20}};
    t = marks(down, 2, 50);
    assert_string_equal(t, "at 300 requests: private memory 7 MiB, -1 MiB since request 100 (-5243 B/request)\n");
    free(t);
    /* a mark in the warm-up has no base to count from */
    t = marks(s, 5, 1500);
    assert_string_equal(t, "at 1000 requests: private memory 9.1 MiB (in the warm-up)\n"
                           "at 2000 requests: private memory 8 MiB, -2 MiB since request 1500 (-4194 B/request)\n");
    free(t);
    /* a mark where the fit starts is its base */
    t = marks(s, 5, 1000);
    assert_string_equal(t, "at 1000 requests: private memory 9.1 MiB (the fit starts here)\n"
                           "at 2000 requests: private memory 8 MiB, -1.1 MiB since request 1000 (-1180 B/request)\n");
    free(t);
    /* nothing past the warm-up: only the marks in it */
    t = marks(s, 5, 5000);
    assert_string_equal(t, "at 1000 requests: private memory 9.1 MiB (in the warm-up)\n");
    free(t);
    t = marks(s, 1, 0);
    assert_string_equal(t, "");
    free(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan),
        cmocka_unit_test(test_stops_at_marks),
        cmocka_unit_test(test_growth_figures),
        cmocka_unit_test(test_marks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
