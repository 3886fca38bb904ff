/* Tests for src/supervisor/worker_report.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "supervisor/worker_report.h"

#define GIB (1ull << 30)

static void
test_bound(void **state)
{
    (void)state;
    assert_int_equal(keel_report_memory_bound(24 * GIB, 0), 48 * GIB);
    assert_int_equal(keel_report_memory_bound(16 * GIB, 8 * GIB), 48 * GIB);
    assert_int_equal(keel_report_memory_bound(256ull << 20, 0), 2 * GIB);
    assert_int_equal(keel_report_memory_bound(UINT64_MAX, 1), UINT64_MAX);
}

static keel_ipc_stats_t
stats(uint64_t requests, uint64_t usage, uint64_t rss)
{
    return (keel_ipc_stats_t){.zend_usage = usage,
                              .zend_peak = usage,
                              .zend_real_usage = 2 * usage,
                              .zend_real_peak = 2 * usage,
                              .rss_private = rss,
                              .requests = requests};
}

static void
test_stats(void **state)
{
    (void)state;
    uint64_t bound = 48 * GIB;
    keel_ipc_stats_t zero = {0}, first = stats(1, 400000, 5 << 20), second = stats(2, 410000, 5 << 20);
    assert_true(keel_report_stats_plausible(&zero, &first, bound));
    assert_true(keel_report_stats_plausible(&first, &second, bound));
    /* the request count moves by exactly one */
    assert_false(keel_report_stats_plausible(&first, &first, bound));
    keel_ipc_stats_t skip = stats(3, 410000, 5 << 20);
    assert_false(keel_report_stats_plausible(&first, &skip, bound));
    /* 7.7 TB of private memory on a 24 GiB machine */
    keel_ipc_stats_t huge = stats(2, 410000, 7700000000000ull);
    assert_false(keel_report_stats_plausible(&first, &huge, bound));
    keel_ipc_stats_t at_bound = stats(2, 410000, bound);
    assert_true(keel_report_stats_plausible(&first, &at_bound, bound));
    /* a peak below its usage */
    keel_ipc_stats_t odd = second;
    odd.zend_peak = odd.zend_usage - 1;
    assert_false(keel_report_stats_plausible(&first, &odd, bound));
}

static void
test_opcache(void **state)
{
    (void)state;
    keel_ipc_opcache_stats_t s = {.used = 9 << 20, .free = 119 << 20, .keys = 10, .max_keys = 16229};
    assert_true(keel_report_opcache_plausible(&s, 48 * GIB));
    s.wasted = 100 * GIB;
    assert_false(keel_report_opcache_plausible(&s, 48 * GIB));
    s.wasted = 0;
    s.keys = 20000;
    assert_false(keel_report_opcache_plausible(&s, 48 * GIB));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bound),
        cmocka_unit_test(test_stats),
        cmocka_unit_test(test_opcache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
