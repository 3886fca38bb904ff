/* Tests for src/supervisor/readiness.c: each state keel passes through,
 * from boot to stop, and what a probe hears in it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "supervisor/readiness.h"

static keel_readiness_t
decide(keel_readiness_facts_t f)
{
    keel_readiness_t r;
    memset(&r, 0x55, sizeof(r));
    keel_readiness_decide(&f, &r);
    return r;
}

static void
test_first_generation_booting_is_not_ready(void **state)
{
    (void)state;
    keel_readiness_t r = decide((keel_readiness_facts_t){.starting = 1});
    assert_false(r.ready);
    assert_string_equal(r.reason, "generation 1 is starting");
}

static void
test_serving_is_ready(void **state)
{
    (void)state;
    keel_readiness_t r = decide((keel_readiness_facts_t){.serving = 3});
    assert_true(r.ready);
    assert_string_equal(r.reason, "generation 3 serves");
}

static void
test_a_reload_starting_or_failing_stays_ready(void **state)
{
    (void)state;
    /* generation 4 boots beside 3, or failed: 3 still serves */
    assert_true(decide((keel_readiness_facts_t){.serving = 3, .starting = 4}).ready);
    assert_true(decide((keel_readiness_facts_t){.serving = 3}).ready);
}

static void
test_failing_first_generation_is_not_ready_and_says_when_next(void **state)
{
    (void)state;
    keel_readiness_t r = decide((keel_readiness_facts_t){.failed_starts = 2, .retry_in_ms = 200});
    assert_false(r.ready);
    assert_string_equal(r.reason, "2 generations in a row failed to start; the next starts in 200 ms");
    r = decide((keel_readiness_facts_t){.failed_starts = 1, .retry_in_ms = 100});
    assert_string_equal(r.reason, "1 generation failed to start; the next starts in 100 ms");
    r = decide((keel_readiness_facts_t){.starting = 7, .failed_starts = 6});
    assert_false(r.ready);
    assert_string_equal(r.reason, "generation 7 is starting, after 6 that failed");
}

static void
test_stopping_is_never_ready(void **state)
{
    (void)state;
    keel_readiness_t r = decide((keel_readiness_facts_t){.serving = 2, .stopping = true});
    assert_false(r.ready);
    assert_string_equal(r.reason, "stopping");
    assert_false(decide((keel_readiness_facts_t){.starting = 1, .stopping = true}).ready);
}

static void
test_serving_generation_gone_is_not_ready(void **state)
{
    (void)state;
    keel_readiness_t r = decide((keel_readiness_facts_t){0});
    assert_false(r.ready);
    assert_string_equal(r.reason, "no generation serves");
    /* its replacement starts at once */
    assert_false(decide((keel_readiness_facts_t){.starting = 5}).ready);
}

static void
test_retry_delay_is_the_pool_backoff(void **state)
{
    (void)state;
    assert_int_equal(keel_readiness_retry_delay_ms(1), 100);
    assert_int_equal(keel_readiness_retry_delay_ms(2), 200);
    assert_int_equal(keel_readiness_retry_delay_ms(30), 10000);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_generation_booting_is_not_ready),
        cmocka_unit_test(test_serving_is_ready),
        cmocka_unit_test(test_a_reload_starting_or_failing_stays_ready),
        cmocka_unit_test(test_failing_first_generation_is_not_ready_and_says_when_next),
        cmocka_unit_test(test_stopping_is_never_ready),
        cmocka_unit_test(test_serving_generation_gone_is_not_ready),
        cmocka_unit_test(test_retry_delay_is_the_pool_backoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
