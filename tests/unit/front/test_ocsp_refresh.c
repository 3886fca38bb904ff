/* Tests for src/front/ocsp_refresh.c: when an OCSP response is fetched
 * again, and whether one may be stapled. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "front/ocsp_refresh.h"

#define MIN  (60 * 1000ull)
#define HOUR (60 * MIN)
#define DAY  (24 * HOUR)
#define NOW  (1000 * DAY)

static void
test_after_a_success(void **state)
{
    (void)state;
    /* halfway through a week-long response */
    assert_int_equal(keel_ocsp_next_fetch_ms(NOW, NOW - DAY, NOW + 6 * DAY, 0, 0), NOW + 2 * DAY + 12 * HOUR);
    /* never sooner than the minimum gap, even for a short response */
    assert_int_equal(keel_ocsp_next_fetch_ms(NOW, NOW - MIN, NOW + MIN, 0, 0), NOW + KEEL_OCSP_MIN_GAP_MS);
    /* without nextUpdate: an hour */
    assert_int_equal(keel_ocsp_next_fetch_ms(NOW, NOW, 0, 0, 0), NOW + KEEL_OCSP_NO_NEXT_MS);
}

static void
test_after_failures(void **state)
{
    (void)state;
    assert_int_equal(keel_ocsp_next_fetch_ms(NOW, 0, 0, 1, 0), NOW + MIN);
    assert_int_equal(keel_ocsp_next_fetch_ms(NOW, 0, 0, 2, 0), NOW + 2 * MIN);
    assert_int_equal(keel_ocsp_next_fetch_ms(NOW, 0, 0, 4, 0), NOW + 8 * MIN);
    assert_int_equal(keel_ocsp_next_fetch_ms(NOW, 0, 0, 30, 0), NOW + HOUR);
    /* a held response expiring in 40 minutes: tried again within half of that */
    assert_int_equal(keel_ocsp_next_fetch_ms(NOW, 0, 0, 30, (int64_t)(NOW + 40 * MIN)), NOW + 20 * MIN);
    /* but not more often than the first retry */
    assert_int_equal(keel_ocsp_next_fetch_ms(NOW, 0, 0, 30, (int64_t)(NOW + MIN)), NOW + MIN);
}

static void
test_fresh(void **state)
{
    (void)state;
    assert_true(keel_ocsp_fresh(NOW, NOW - HOUR, NOW + HOUR));
    assert_false(keel_ocsp_fresh(NOW, NOW - 2 * HOUR, NOW - 1));
    /* a response from a clock a little ahead is taken, one far ahead is not */
    assert_true(keel_ocsp_fresh(NOW, NOW + MIN, NOW + DAY));
    assert_false(keel_ocsp_fresh(NOW, NOW + HOUR, NOW + DAY));
    /* no nextUpdate: for a week */
    assert_true(keel_ocsp_fresh(NOW, NOW - 6 * DAY, 0));
    assert_false(keel_ocsp_fresh(NOW, NOW - 8 * DAY, 0));
    assert_false(keel_ocsp_fresh(NOW, 0, NOW + DAY));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_after_a_success),
        cmocka_unit_test(test_after_failures),
        cmocka_unit_test(test_fresh),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
