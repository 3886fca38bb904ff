/* Tests for src/supervisor/leak.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "supervisor/leak.h"

static void
test_init(void **state)
{
    (void)state;
    keel_leak_series_t s;
    keel_leak_series_init(&s, 100);
    assert_int_equal(s.count, 0);
    assert_int_equal(s.warmup, 100);
    assert_int_equal(s.interval, 1);
    assert_int_equal(s.next_at, 101);
}

static void
test_exact_linear_growth(void **state)
{
    (void)state;
    keel_leak_series_t s;
    keel_leak_series_init(&s, 0);
    for (uint64_t r = 1; r <= 50; r++)
        keel_leak_series_add(&s, r, 1000000 + 48 * r);
    keel_leak_estimate_t e = keel_leak_estimate(&s, 10);
    assert_true(e.valid);
    /* Every pair gives exactly 48, so the median is exactly 48. */
    assert_true(e.bytes_per_request == 48.0);
    assert_int_equal(e.since_request, 1);
    assert_int_equal(e.samples, 50);
}

static void
test_flat_series(void **state)
{
    (void)state;
    keel_leak_series_t s;
    keel_leak_series_init(&s, 0);
    for (uint64_t r = 1; r <= 30; r++)
        keel_leak_series_add(&s, r, 20 << 20);
    keel_leak_estimate_t e = keel_leak_estimate(&s, 2);
    assert_true(e.valid);
    assert_true(e.bytes_per_request == 0.0);
}

static void
test_shrinking_series(void **state)
{
    (void)state;
    keel_leak_series_t s;
    keel_leak_series_init(&s, 0);
    for (uint64_t r = 1; r <= 30; r++)
        keel_leak_series_add(&s, r, 1000000 - 10 * r);
    keel_leak_estimate_t e = keel_leak_estimate(&s, 2);
    assert_true(e.valid);
    assert_true(e.bytes_per_request == -10.0);
}

static void
test_spikes_do_not_move_the_slope(void **state)
{
    (void)state;
    keel_leak_series_t s;
    keel_leak_series_init(&s, 0);
    /* 64 samples on 5 MB + 100 B/request; 3 up by 50 MB, 1 down by 4 MB.
     * Of the 64 * 63 / 2 = 2016 pairs, only the 4 * 60 = 240 pairing a
     * spike with a clean sample and the 6 between spikes can differ from
     * 100. With at most 246 slopes on either side of the 1770 that are
     * exactly 100, the middle two (positions 1008 and 1009) are 100. */
    for (uint64_t r = 1; r <= 64; r++) {
        uint64_t bytes = 5000000 + 100 * r;
        if (r == 10 || r == 30 || r == 50)
            bytes += 50000000;
        if (r == 40)
            bytes -= 4000000;
        keel_leak_series_add(&s, r, bytes);
    }
    assert_int_equal(s.count, 64);
    keel_leak_estimate_t e = keel_leak_estimate(&s, 8);
    assert_true(e.valid);
    assert_true(e.bytes_per_request == 100.0);
}

static void
test_warmup_ignored(void **state)
{
    (void)state;
    keel_leak_series_t s;
    keel_leak_series_init(&s, 100);
    /* Steep growth while caches fill, then a steady 7 B/request. */
    for (uint64_t r = 1; r <= 100; r++)
        keel_leak_series_add(&s, r, 10000 * r);
    assert_int_equal(s.count, 0);
    for (uint64_t r = 101; r <= 160; r++)
        keel_leak_series_add(&s, r, 1000000 + 7 * r);
    keel_leak_estimate_t e = keel_leak_estimate(&s, 10);
    assert_true(e.valid);
    assert_true(e.bytes_per_request == 7.0);
    assert_int_equal(e.since_request, 101);
    assert_int_equal(e.samples, 60);
}

static void
test_warmup_filtered_in_estimate(void **state)
{
    (void)state;
    /* The struct is open: samples put there by hand inside the warm-up
     * are still left out of the fit. */
    keel_leak_series_t s;
    keel_leak_series_init(&s, 10);
    s.samples[0] = (keel_mem_sample_t){5, 0};
    s.samples[1] = (keel_mem_sample_t){11, 1000};
    s.samples[2] = (keel_mem_sample_t){12, 1002};
    s.samples[3] = (keel_mem_sample_t){13, 1004};
    s.count = 4;
    keel_leak_estimate_t e = keel_leak_estimate(&s, 3);
    assert_true(e.valid);
    assert_true(e.bytes_per_request == 2.0);
    assert_int_equal(e.since_request, 11);
    assert_int_equal(e.samples, 3);
}

static void
test_decimation_bounds_memory(void **state)
{
    (void)state;
    keel_leak_series_t s;
    keel_leak_series_init(&s, 0);
    for (uint64_t r = 1; r <= 1000000; r++) {
        keel_leak_series_add(&s, r, 2000000 + 3 * r);
        assert_true(s.count <= KEEL_LEAK_MAX_SAMPLES);
    }
    /* With interval 2^k the kept samples are 1 + j * 2^k; interval 2^k
     * fills up at 1 + 63 * 2^k, which first passes 1,000,000 at
     * k = 14 (1 + 63 * 16384 = 1,032,193; k = 13 gives 516,097). So
     * 1 + j * 16384 <= 1,000,000 for j = 0..61: 62 samples, the last at
     * 1 + 61 * 16384 = 999,425. */
    assert_int_equal(s.interval, 16384);
    assert_int_equal(s.count, 62);
    assert_int_equal(s.samples[0].requests, 1);
    assert_int_equal(s.samples[s.count - 1].requests, 999425);
    /* Near the start and near the end, evenly spread. */
    assert_true(s.samples[s.count - 1].requests > 1000000 - s.interval);
    for (size_t i = 1; i < s.count; i++)
        assert_int_equal(s.samples[i].requests - s.samples[i - 1].requests, 16384);

    keel_leak_estimate_t e = keel_leak_estimate(&s, 10);
    assert_true(e.valid);
    assert_true(e.bytes_per_request == 3.0);
    assert_int_equal(e.since_request, 1);
}

static void
test_decimation_with_sparse_offers(void **state)
{
    (void)state;
    /* Figures offered every 7 requests after a warm-up of 1000: still
     * bounded, still from near the warm-up to near the end. */
    keel_leak_series_t s;
    keel_leak_series_init(&s, 1000);
    for (uint64_t r = 7; r <= 700000; r += 7) {
        keel_leak_series_add(&s, r, 1000 + 5 * r);
        assert_true(s.count <= KEEL_LEAK_MAX_SAMPLES);
    }
    assert_true(s.count >= KEEL_LEAK_MAX_SAMPLES / 2);
    assert_int_equal(s.samples[0].requests, 1001); /* first offer past 1000 */
    assert_true(s.samples[s.count - 1].requests > 700000 - 2 * s.interval);
    for (size_t i = 1; i < s.count; i++)
        assert_true(s.samples[i].requests > s.samples[i - 1].requests);
    keel_leak_estimate_t e = keel_leak_estimate(&s, 10);
    assert_true(e.valid);
    assert_true(e.bytes_per_request == 5.0);
}

static void
test_min_samples(void **state)
{
    (void)state;
    keel_leak_series_t s;
    keel_leak_series_init(&s, 0);
    keel_leak_estimate_t e = keel_leak_estimate(&s, 2);
    assert_false(e.valid);
    assert_int_equal(e.samples, 0);

    keel_leak_series_add(&s, 1, 100);
    e = keel_leak_estimate(&s, 0); /* counts as 2 */
    assert_false(e.valid);
    assert_int_equal(e.samples, 1);

    for (uint64_t r = 2; r <= 5; r++)
        keel_leak_series_add(&s, r, 100 * r);
    e = keel_leak_estimate(&s, 6);
    assert_false(e.valid);
    assert_int_equal(e.samples, 5);
    assert_int_equal(e.since_request, 1);
    e = keel_leak_estimate(&s, 5);
    assert_true(e.valid);
    assert_true(e.bytes_per_request == 100.0);
    e = keel_leak_estimate(&s, 1);
    assert_true(e.valid);
}

static void
test_even_number_of_slopes(void **state)
{
    (void)state;
    /* Four samples, six slopes: (1,2) 0, (1,3) 0, (1,4) 60/3 = 20,
     * (2,3) 0, (2,4) 60/2 = 30, (3,4) 60 -> sorted 0 0 0 20 30 60, median
     * (0 + 20) / 2 = 10. */
    keel_leak_series_t s;
    keel_leak_series_init(&s, 0);
    keel_leak_series_add(&s, 1, 0);
    keel_leak_series_add(&s, 2, 0);
    keel_leak_series_add(&s, 3, 0);
    keel_leak_series_add(&s, 4, 60);
    keel_leak_estimate_t e = keel_leak_estimate(&s, 4);
    assert_true(e.valid);
    assert_true(e.bytes_per_request == 10.0);
}

static void
test_duplicate_request_counts(void **state)
{
    (void)state;
    keel_leak_series_t s;
    keel_leak_series_init(&s, 0);
    /* add() keeps only increasing counts. */
    keel_leak_series_add(&s, 5, 100);
    keel_leak_series_add(&s, 5, 900);
    keel_leak_series_add(&s, 3, 900);
    assert_int_equal(s.count, 1);

    /* By hand: (10,100) (10,200) (20,300). The pair at the same count is
     * skipped; the others give 200/10 = 20 and 100/10 = 10; median 15. */
    keel_leak_series_init(&s, 0);
    s.samples[0] = (keel_mem_sample_t){10, 100};
    s.samples[1] = (keel_mem_sample_t){10, 200};
    s.samples[2] = (keel_mem_sample_t){20, 300};
    s.count = 3;
    keel_leak_estimate_t e = keel_leak_estimate(&s, 3);
    assert_true(e.valid);
    assert_true(e.bytes_per_request == 15.0);

    /* All at one count: no slope at all. */
    s.samples[2] = (keel_mem_sample_t){10, 300};
    e = keel_leak_estimate(&s, 2);
    assert_false(e.valid);
    assert_int_equal(e.samples, 3);
}

static void
test_huge_values(void **state)
{
    (void)state;
    /* Differences computed without unsigned wrap-round: a drop from near
     * 2^64 is a large negative slope, not a huge positive one. */
    keel_leak_series_t s;
    keel_leak_series_init(&s, 0);
    keel_leak_series_add(&s, 1, UINT64_MAX);
    keel_leak_series_add(&s, 2, 0);
    keel_leak_estimate_t e = keel_leak_estimate(&s, 2);
    assert_true(e.valid);
    assert_true(e.bytes_per_request < -1e19);
}

static void
test_suspected(void **state)
{
    (void)state;
    keel_leak_estimate_t e = {
        .valid = true, .bytes_per_request = 48.0, .since_request = 1, .until_request = 1001, .samples = 50};
    assert_true(keel_leak_suspected(&e, 47.9));
    assert_true(keel_leak_suspected(&e, 0.0));
    assert_false(keel_leak_suspected(&e, 48.0));
    assert_false(keel_leak_suspected(&e, 1000.0));
    e.bytes_per_request = -5.0;
    assert_false(keel_leak_suspected(&e, 0.0));
    e.bytes_per_request = 1e9;
    e.valid = false;
    assert_false(keel_leak_suspected(&e, 0.0));
    /* Above the threshold, but 48 bytes over 600 requests is under the
     * growth a report needs. */
    e.valid = true;
    e.bytes_per_request = 48.0;
    e.until_request = 601;
    assert_false(keel_leak_suspected(&e, 0.0));
    /* No span at all: no growth. */
    e.until_request = e.since_request;
    e.bytes_per_request = 1e9;
    assert_false(keel_leak_suspected(&e, 0.0));
}

static void
test_one_late_page_is_not_a_leak(void **state)
{
    (void)state;
    /* A steady worker whose resident memory gains one page half-way
     * through the first samples past the warm-up. The median slope lands
     * on a pair across the step (4096 bytes over 13 requests), above the
     * front's 256 bytes per request; the growth it stands for is one
     * page, so it is not reported. */
    keel_leak_series_t s;
    keel_leak_series_init(&s, KEEL_LEAK_WARMUP_REQUESTS);
    for (uint64_t r = 1; r <= KEEL_LEAK_WARMUP_REQUESTS + KEEL_LEAK_MIN_SAMPLES; r++)
        keel_leak_series_add(&s, r, (20u << 20) + (r > KEEL_LEAK_WARMUP_REQUESTS + 8 ? 4096 : 0));
    keel_leak_estimate_t e = keel_leak_published(&s);
    assert_true(e.valid);
    assert_int_equal(e.until_request - e.since_request, KEEL_LEAK_MIN_SAMPLES - 1);
    assert_true(e.bytes_per_request > 256.0);
    assert_false(keel_leak_suspected(&e, 256.0));

    /* The same window on a worker that keeps 4 KiB a request is one. */
    keel_leak_series_init(&s, KEEL_LEAK_WARMUP_REQUESTS);
    for (uint64_t r = 1; r <= KEEL_LEAK_WARMUP_REQUESTS + KEEL_LEAK_MIN_SAMPLES; r++)
        keel_leak_series_add(&s, r, (20u << 20) + 4096 * r);
    e = keel_leak_published(&s);
    assert_true(e.valid && e.bytes_per_request == 4096.0);
    assert_true(keel_leak_suspected(&e, 256.0));
}

static void
test_published_needs_the_warnings_samples(void **state)
{
    (void)state;
    /* A fresh worker on page-granular figures: 4 KiB a request, seen as
     * four pages at once every fourth request. Two to five samples give
     * anything from 16 KiB (two) to 0 (five); nothing is published
     * before 16. */
    keel_leak_series_t s;
    keel_leak_series_init(&s, KEEL_LEAK_WARMUP_REQUESTS);
    uint64_t r = 0;
    for (; r < KEEL_LEAK_WARMUP_REQUESTS + KEEL_LEAK_MIN_SAMPLES - 1; r++)
        keel_leak_series_add(&s, r + 1, 5000000 + (r + 1) / 4 * 16384);
    keel_leak_series_t early;
    keel_leak_series_init(&early, KEEL_LEAK_WARMUP_REQUESTS);
    for (uint64_t q = 1; q <= KEEL_LEAK_WARMUP_REQUESTS + 5; q++)
        keel_leak_series_add(&early, q, 5000000 + q / 4 * 16384);
    keel_leak_estimate_t five = keel_leak_estimate(&early, 2);
    assert_true(five.valid && five.bytes_per_request == 0.0); /* what /status showed before */
    assert_false(keel_leak_published(&early).valid);
    keel_leak_estimate_t e = keel_leak_published(&s);
    assert_false(e.valid);
    assert_int_equal(e.samples, KEEL_LEAK_MIN_SAMPLES - 1);
    keel_leak_series_add(&s, r + 1, 5000000 + (r + 1) / 4 * 16384);
    e = keel_leak_published(&s);
    assert_true(e.valid);
    assert_true(e.bytes_per_request >= 4096.0 * 0.9 && e.bytes_per_request <= 4096.0 * 1.1);
    /* nothing kept yet (the warm-up): not valid, 0 samples */
    keel_leak_series_t fresh;
    keel_leak_series_init(&fresh, KEEL_LEAK_WARMUP_REQUESTS);
    keel_leak_series_add(&fresh, 10, 1);
    assert_false(keel_leak_published(&fresh).valid);
}

static void
test_pool_estimate_across_recycling(void **state)
{
    (void)state;
    keel_leak_history_t h = {0};
    keel_leak_pool_estimate_t e = keel_leak_pool_estimate(&h, NULL, 0);
    assert_false(e.valid);
    /* every worker recycled, none serving with an estimate yet: the
     * figure of those that left stands */
    keel_leak_history_add(&h, 16450.0);
    keel_leak_history_add(&h, 16448.0);
    keel_leak_history_add(&h, 16452.0);
    e = keel_leak_pool_estimate(&h, NULL, 0);
    assert_true(e.valid);
    assert_int_equal(e.workers, 3);
    assert_true(e.bytes_per_request == 16450.0);
    /* with the current ones: the median of all */
    const double now[] = {16460.0};
    e = keel_leak_pool_estimate(&h, now, 1);
    assert_int_equal(e.workers, 4);
    assert_true(e.bytes_per_request == (16450.0 + 16452.0) / 2.0);
    /* the history keeps the last KEEL_LEAK_HISTORY */
    for (int i = 0; i < KEEL_LEAK_HISTORY; i++)
        keel_leak_history_add(&h, 100.0);
    e = keel_leak_pool_estimate(&h, NULL, 0);
    assert_int_equal(e.workers, KEEL_LEAK_HISTORY);
    assert_true(e.bytes_per_request == 100.0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_exact_linear_growth),
        cmocka_unit_test(test_flat_series),
        cmocka_unit_test(test_shrinking_series),
        cmocka_unit_test(test_spikes_do_not_move_the_slope),
        cmocka_unit_test(test_warmup_ignored),
        cmocka_unit_test(test_warmup_filtered_in_estimate),
        cmocka_unit_test(test_decimation_bounds_memory),
        cmocka_unit_test(test_decimation_with_sparse_offers),
        cmocka_unit_test(test_min_samples),
        cmocka_unit_test(test_even_number_of_slopes),
        cmocka_unit_test(test_published_needs_the_warnings_samples),
        cmocka_unit_test(test_pool_estimate_across_recycling),
        cmocka_unit_test(test_duplicate_request_counts),
        cmocka_unit_test(test_huge_values),
        cmocka_unit_test(test_suspected),
        cmocka_unit_test(test_one_late_page_is_not_a_leak),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
