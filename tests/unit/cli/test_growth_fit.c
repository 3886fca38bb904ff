/* Tests for src/cli/growth_fit.c. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "../test_random.h"
#include "cli/growth_fit.h"

static void
test_reference_values(void **state)
{
    (void)state;
    /* Worked by hand (and in Python): 45 slopes, median 4/3; C = 1.96 x
     * sqrt(10 x 9 x 25 / 18) = 21.9, so the interval is the slopes ranked
     * round(11.54) = 12 and round(33.46) + 1 = 34: 1.0 and 1.6. */
    const uint64_t y[] = {10, 12, 11, 15, 14, 16, 19, 17, 20, 22};
    keel_mem_sample_t s[10];
    for (size_t i = 0; i < 10; i++)
        s[i] = (keel_mem_sample_t){.requests = i + 1, .bytes = y[i]};
    keel_growth_fit_t f;
    assert_int_equal(keel_growth_fit(s, 10, &f), 0);
    assert_true(f.valid);
    assert_int_equal(f.samples, 10);
    assert_true(fabs(f.slope - 4.0 / 3.0) < 1e-12);
    assert_true(f.lower == 1.0);
    assert_true(f.upper == 1.6);
    assert_true(fabs(f.intercept - 25.0 / 3.0) < 1e-9);
}

static void
test_exact_line(void **state)
{
    (void)state;
    keel_mem_sample_t s[50];
    for (size_t i = 0; i < 50; i++)
        s[i] = (keel_mem_sample_t){.requests = 100 + 20 * i, .bytes = (8u << 20) + 4112 * (100 + 20 * i)};
    keel_growth_fit_t f;
    assert_int_equal(keel_growth_fit(s, 50, &f), 0);
    assert_true(f.valid);
    assert_true(f.slope == 4112.0 && f.lower == 4112.0 && f.upper == 4112.0);
    assert_true(fabs(f.intercept - (8u << 20)) < 1e-6);
}

static void
test_flat_series_with_page_steps(void **state)
{
    (void)state;
    /* a worker that settled: one page up and down now and then */
    keel_mem_sample_t s[60];
    for (size_t i = 0; i < 60; i++)
        s[i] = (keel_mem_sample_t){.requests = 10 * (i + 1), .bytes = (6u << 20) + (i % 7 == 3 ? 4096 : 0)};
    keel_growth_fit_t f;
    assert_int_equal(keel_growth_fit(s, 60, &f), 0);
    assert_true(f.valid);
    assert_true(f.slope == 0.0);
    assert_true(f.lower <= 0.0 && f.upper >= 0.0);
    assert_true(f.upper - f.lower < 50.0);
}

static void
test_order_does_not_matter(void **state)
{
    (void)state;
    const uint64_t y[] = {10, 12, 11, 15, 14, 16, 19, 17, 20, 22};
    keel_mem_sample_t s[10];
    for (size_t i = 0; i < 10; i++)
        s[9 - i] = (keel_mem_sample_t){.requests = i + 1, .bytes = y[i]};
    keel_growth_fit_t f;
    assert_int_equal(keel_growth_fit(s, 10, &f), 0);
    assert_true(fabs(f.slope - 4.0 / 3.0) < 1e-12 && f.lower == 1.0 && f.upper == 1.6);
}

static void
test_too_little_to_fit(void **state)
{
    (void)state;
    keel_growth_fit_t f;
    keel_mem_sample_t s[3] = {{1, 100}, {2, 200}, {2, 300}};
    assert_int_equal(keel_growth_fit(s, 0, &f), 0);
    assert_false(f.valid);
    assert_int_equal(keel_growth_fit(s, 2, &f), 0);
    assert_false(f.valid);
    assert_int_equal(f.samples, 2);
    /* three samples, but only two request counts: two slopes */
    assert_int_equal(keel_growth_fit(s, 3, &f), 0);
    assert_true(f.valid);
    assert_true(f.slope == 150.0);
    keel_mem_sample_t same[4] = {{5, 1}, {5, 2}, {5, 3}, {5, 4}};
    assert_int_equal(keel_growth_fit(same, 4, &f), 0);
    assert_false(f.valid);
}

static void
test_too_many_samples_are_refused(void **state)
{
    (void)state;
    keel_growth_fit_t f;
    keel_mem_sample_t *s = calloc(KEEL_GROWTH_MAX_SAMPLES + 1, sizeof(*s));
    assert_non_null(s);
    assert_int_equal(keel_growth_fit(s, KEEL_GROWTH_MAX_SAMPLES + 1, &f), -1);
    assert_false(f.valid);
    free(s);
}

static void
test_spikes_do_not_move_it(void **state)
{
    (void)state;
    keel_mem_sample_t s[100];
    for (size_t i = 0; i < 100; i++) {
        uint64_t r = 50 * (i + 1);
        s[i] = (keel_mem_sample_t){.requests = r, .bytes = (10u << 20) + 1000 * r};
        if (i % 17 == 5)
            s[i].bytes += 8u << 20; /* one request held a large buffer */
    }
    keel_growth_fit_t f;
    assert_int_equal(keel_growth_fit(s, 100, &f), 0);
    assert_true(fabs(f.slope - 1000) < 1.0);
    assert_true(f.lower <= 1000 && f.upper >= 1000);
}

/* `n` samples of `slope` bytes per request with independent noise of up
 * to +-`noise` bytes. */
static void
noisy_line(keel_mem_sample_t *s, size_t n, double slope, uint64_t noise, uint64_t *rng)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t r = 100 * (i + 1);
        int64_t e = (int64_t)(test_next_random(rng) % (2 * noise + 1)) - (int64_t)noise;
        s[i] = (keel_mem_sample_t){.requests = r,
                                   .bytes = (uint64_t)((double)(64u << 20) + slope * (double)r + (double)e)};
    }
}

static void
test_interval_covers_the_truth_about_95_percent_of_the_time(void **state)
{
    (void)state;
    uint64_t rng = 21;
    keel_mem_sample_t s[40];
    unsigned covered = 0, trials = 400;
    for (unsigned t = 0; t < trials; t++) {
        noisy_line(s, 40, 4096, 200000, &rng);
        keel_growth_fit_t f;
        assert_int_equal(keel_growth_fit(s, 40, &f), 0);
        assert_true(f.valid);
        assert_true(f.lower <= f.slope && f.slope <= f.upper);
        covered += f.lower <= 4096 && 4096 <= f.upper;
    }
    /* 95% of 400 is 380; a binomial's spread around it is about 4.4 */
    assert_in_range(covered, 366, 394);
}

static void
test_more_samples_narrow_the_interval(void **state)
{
    (void)state;
    uint64_t rng = 7;
    static keel_mem_sample_t s[400];
    keel_growth_fit_t few, many;
    noisy_line(s, 20, 512, 100000, &rng);
    assert_int_equal(keel_growth_fit(s, 20, &few), 0);
    noisy_line(s, 400, 512, 100000, &rng);
    assert_int_equal(keel_growth_fit(s, 400, &many), 0);
    assert_true(many.upper - many.lower < (few.upper - few.lower) / 4);
    assert_true(many.lower <= 512 && 512 <= many.upper);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_values),
        cmocka_unit_test(test_exact_line),
        cmocka_unit_test(test_flat_series_with_page_steps),
        cmocka_unit_test(test_order_does_not_matter),
        cmocka_unit_test(test_too_little_to_fit),
        cmocka_unit_test(test_too_many_samples_are_refused),
        cmocka_unit_test(test_spikes_do_not_move_it),
        cmocka_unit_test(test_interval_covers_the_truth_about_95_percent_of_the_time),
        cmocka_unit_test(test_more_samples_narrow_the_interval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
