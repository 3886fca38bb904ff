/* Tests for src/front/body_deadline.c: when a slow body is cut. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "front/body_deadline.h"

static void
test_timeout_alone(void **state)
{
    (void)state;
    /* --min-body-rate 0: the timeout is for the whole body */
    assert_int_equal(keel_body_time_left_ms(0, 0, 60000, 0), 60000);
    assert_int_equal(keel_body_time_left_ms(59999, 1 << 30, 60000, 0), 1);
    assert_int_equal(keel_body_time_left_ms(60000, 1 << 30, 60000, 0), 0);
    assert_int_equal(keel_body_time_left_ms(90000, 0, 60000, 0), 0);
}

static void
test_rate_extends_the_timeout(void **state)
{
    (void)state;
    /* a byte a second earns a millisecond a second: cut soon after 60 s */
    assert_int_equal(keel_body_time_left_ms(60000, 60, 60000, 1024), 58);
    assert_int_equal(keel_body_time_left_ms(61000, 61, 60000, 1024), 0);
    /* at the minimum rate, the deadline moves as fast as the clock */
    assert_int_equal(keel_body_time_left_ms(100000, 100 * 1024, 60000, 1024), 60000);
    /* sending above it builds up time */
    assert_int_equal(keel_body_time_left_ms(10000, 10 * 10240, 60000, 1024), 150000);
    /* a stall after a burst lasts only what the burst earned */
    assert_int_equal(keel_body_time_left_ms(80000, 10 * 1024, 60000, 1024), 0);
    /* a part of a rate's worth earns a part of a second */
    assert_int_equal(keel_body_time_left_ms(60000, 512, 60000, 1024), 500);
}

static void
test_no_overflow(void **state)
{
    (void)state;
    assert_int_equal(keel_body_time_left_ms(0, UINT64_MAX, UINT64_MAX, 1), UINT64_MAX);
    assert_int_equal(keel_body_time_left_ms(1, UINT64_MAX, 1000, 1), UINT64_MAX - 1);
    assert_int_equal(keel_body_time_left_ms(UINT64_MAX, 0, 1000, 1), 0);
    /* a rate beyond a millisecond's arithmetic */
    assert_int_equal(keel_body_time_left_ms(0, UINT64_MAX - 1, 0, UINT64_MAX), 999);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timeout_alone),
        cmocka_unit_test(test_rate_extends_the_timeout),
        cmocka_unit_test(test_no_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
