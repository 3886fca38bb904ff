/* Tests for src/supervisor/front_priority.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "supervisor/front_priority.h"

#define MS 1000000ull

static void
test_a_busy_front_is_raised(void **state)
{
    (void)state;
    /* hello world: the front runs 70-90% of a CPU */
    assert_true(keel_front_priority_raised(false, 175 * MS, 250 * MS));
    assert_true(keel_front_priority_raised(true, 225 * MS, 250 * MS));
    /* exactly half a CPU is enough */
    assert_true(keel_front_priority_raised(false, 125 * MS, 250 * MS));
    /* CPU time beyond the interval (a late tick): still raised */
    assert_true(keel_front_priority_raised(false, 400 * MS, 250 * MS));
}

static void
test_a_light_front_is_lowered(void **state)
{
    (void)state;
    /* a framework in worker mode: the front runs about a third of a CPU */
    assert_false(keel_front_priority_raised(true, 80 * MS, 250 * MS));
    assert_false(keel_front_priority_raised(false, 80 * MS, 250 * MS));
    /* idle */
    assert_false(keel_front_priority_raised(true, 0, 250 * MS));
}

static void
test_in_between_it_stays(void **state)
{
    (void)state;
    /* from three eighths up to half a CPU: no flapping around one threshold */
    assert_true(keel_front_priority_raised(true, 94 * MS, 250 * MS));
    assert_false(keel_front_priority_raised(false, 94 * MS, 250 * MS));
    assert_true(keel_front_priority_raised(true, 124 * MS, 250 * MS));
    assert_false(keel_front_priority_raised(false, 124 * MS, 250 * MS));
    /* just under three eighths */
    assert_false(keel_front_priority_raised(true, 93 * MS, 250 * MS));
}

static void
test_too_short_an_interval_says_nothing(void **state)
{
    (void)state;
    assert_true(keel_front_priority_raised(true, 0, KEEL_PRIORITY_MIN_INTERVAL_NS - 1));
    assert_false(keel_front_priority_raised(false, KEEL_PRIORITY_MIN_INTERVAL_NS, KEEL_PRIORITY_MIN_INTERVAL_NS - 1));
    assert_true(keel_front_priority_raised(false, KEEL_PRIORITY_MIN_INTERVAL_NS, KEEL_PRIORITY_MIN_INTERVAL_NS));
}

static void
test_no_overflow(void **state)
{
    (void)state;
    assert_true(keel_front_priority_raised(false, UINT64_MAX, UINT64_MAX));
    assert_false(keel_front_priority_raised(true, UINT64_MAX / 4, UINT64_MAX));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_busy_front_is_raised),
        cmocka_unit_test(test_a_light_front_is_lowered),
        cmocka_unit_test(test_in_between_it_stays),
        cmocka_unit_test(test_too_short_an_interval_says_nothing),
        cmocka_unit_test(test_no_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
