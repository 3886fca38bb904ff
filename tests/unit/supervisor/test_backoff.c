/* Tests for src/supervisor/backoff.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "supervisor/backoff.h"

static void
test_grows_then_caps(void **state)
{
    (void)state;
    assert_int_equal(keel_backoff_delay_ms(0), 0);
    assert_int_equal(keel_backoff_delay_ms(1), 100);
    assert_int_equal(keel_backoff_delay_ms(2), 200);
    assert_int_equal(keel_backoff_delay_ms(3), 400);
    assert_int_equal(keel_backoff_delay_ms(7), 6400);
    assert_int_equal(keel_backoff_delay_ms(8), 10000);
    /* no overflow however long the streak */
    assert_int_equal(keel_backoff_delay_ms(1000), 10000);
    assert_int_equal(keel_backoff_delay_ms(~0u), 10000);
}

static void
test_gives_up_at_the_limit(void **state)
{
    (void)state;
    assert_false(keel_backoff_give_up(0, 5));
    assert_false(keel_backoff_give_up(4, 5));
    assert_true(keel_backoff_give_up(5, 5));
    assert_true(keel_backoff_give_up(6, 5));
    assert_true(keel_backoff_give_up(1, 1));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grows_then_caps),
        cmocka_unit_test(test_gives_up_at_the_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
