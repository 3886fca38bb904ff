/* Tests for src/supervisor/pool_policy.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "supervisor/backoff.h"
#include "supervisor/pool_policy.h"

static void
test_crash_window(void **state)
{
    (void)state;
    keel_crash_window_t w = {0};
    /* the first deaths restart at once */
    for (int i = 0; i < KEEL_CRASH_WINDOW_DEATHS; i++) {
        keel_pool_decision_t d = keel_pool_on_crash(&w, 1000 + (uint64_t)i);
        assert_int_equal(d.verdict, KEEL_POOL_SPAWN_NOW);
        assert_false(d.crash_loop);
    }
    /* the sixth within the window waits, longer each time */
    keel_pool_decision_t d = keel_pool_on_crash(&w, 2000);
    assert_int_equal(d.verdict, KEEL_POOL_SPAWN_LATER);
    assert_true(d.crash_loop);
    assert_int_equal(d.delay_ms, keel_backoff_delay_ms(1));
    d = keel_pool_on_crash(&w, 2001);
    assert_int_equal(d.delay_ms, keel_backoff_delay_ms(2));
    /* once the oldest of the last five is out of the window: at once again */
    d = keel_pool_on_crash(&w, 1002 + KEEL_CRASH_WINDOW_MS + 1);
    assert_int_equal(d.verdict, KEEL_POOL_SPAWN_NOW);
    assert_int_equal(w.streak, 0);
}

static void
test_crash_window_edge(void **state)
{
    (void)state;
    keel_crash_window_t w = {0};
    for (int i = 0; i < KEEL_CRASH_WINDOW_DEATHS; i++)
        keel_pool_on_crash(&w, 5000);
    /* exactly at the window's length: still inside */
    assert_int_equal(keel_pool_on_crash(&w, 5000 + KEEL_CRASH_WINDOW_MS).verdict, KEEL_POOL_SPAWN_LATER);
}

static void
test_boot_failures_while_starting(void **state)
{
    (void)state;
    keel_pool_counts_t c = {0};
    for (unsigned i = 1; i < 3; i++) {
        keel_pool_decision_t d = keel_pool_on_boot_failure(&c, KEEL_GEN_STARTING, 3);
        assert_int_equal(d.verdict, KEEL_POOL_SPAWN_LATER);
        assert_int_equal(d.delay_ms, keel_backoff_delay_ms(i));
        assert_int_equal(d.count, i);
    }
    keel_pool_decision_t d = keel_pool_on_boot_failure(&c, KEEL_GEN_STARTING, 3);
    assert_int_equal(d.verdict, KEEL_POOL_FAIL_GENERATION);
    assert_int_equal(d.count, 3);
    assert_false(c.given_up);
}

static void
test_boot_failures_while_serving(void **state)
{
    (void)state;
    keel_pool_counts_t c = {0};
    assert_int_equal(keel_pool_on_boot_failure(&c, KEEL_GEN_ACTIVE, 2).verdict, KEEL_POOL_SPAWN_LATER);
    assert_int_equal(keel_pool_on_boot_failure(&c, KEEL_GEN_ACTIVE, 2).verdict, KEEL_POOL_GIVE_UP);
    assert_true(c.given_up);
    /* given up once; later failures change nothing */
    assert_int_equal(keel_pool_on_boot_failure(&c, KEEL_GEN_ACTIVE, 2).verdict, KEEL_POOL_NOTHING);
}

static void
test_ready_restarts_the_counts(void **state)
{
    (void)state;
    keel_pool_counts_t c = {0};
    keel_pool_on_boot_failure(&c, KEEL_GEN_ACTIVE, 5);
    keel_pool_on_spawn_failure(&c, KEEL_GEN_ACTIVE, 5);
    keel_pool_on_ready(&c);
    assert_int_equal(c.boot_failures, 0);
    assert_int_equal(c.spawn_failures, 0);
    assert_int_equal(keel_pool_on_boot_failure(&c, KEEL_GEN_ACTIVE, 5).delay_ms, keel_backoff_delay_ms(1));
}

static void
test_spawn_failures(void **state)
{
    (void)state;
    keel_pool_counts_t c = {0};
    /* while serving: never gives up, waits longer each time */
    for (unsigned i = 1; i < 20; i++) {
        keel_pool_decision_t d = keel_pool_on_spawn_failure(&c, KEEL_GEN_ACTIVE, 2);
        assert_int_equal(d.verdict, KEEL_POOL_SPAWN_LATER);
        assert_int_equal(d.delay_ms, keel_backoff_delay_ms(i));
    }
    assert_int_equal(c.boot_failures, 0);
    /* while starting: a failure to start */
    keel_pool_counts_t s = {0};
    assert_int_equal(keel_pool_on_spawn_failure(&s, KEEL_GEN_STARTING, 1).verdict, KEEL_POOL_FAIL_GENERATION);
    /* retired: nothing */
    keel_pool_counts_t r = {0};
    assert_int_equal(keel_pool_on_spawn_failure(&r, KEEL_GEN_DRAINING, 1).verdict, KEEL_POOL_NOTHING);
    assert_int_equal(keel_pool_on_boot_failure(&r, KEEL_GEN_STOPPING, 1).verdict, KEEL_POOL_NOTHING);
}

static void
test_generation_states(void **state)
{
    (void)state;
    assert_true(keel_gen_may_spawn(KEEL_GEN_STARTING));
    assert_true(keel_gen_may_spawn(KEEL_GEN_ACTIVE));
    assert_false(keel_gen_may_spawn(KEEL_GEN_DRAINING));
    assert_false(keel_gen_may_spawn(KEEL_GEN_STOPPING));
    assert_false(keel_gen_may_spawn(KEEL_GEN_GONE));
    assert_string_equal(keel_gen_state_name(KEEL_GEN_DRAINING), "draining");
    assert_string_equal(keel_gen_state_name(KEEL_GEN_STATES), "unknown");
    assert_string_equal(keel_pool_name(KEEL_POOL_WORKER), "worker-mode");
    assert_string_equal(keel_pool_name(KEEL_POOL_CLASSIC), "classic");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crash_window),
        cmocka_unit_test(test_crash_window_edge),
        cmocka_unit_test(test_boot_failures_while_starting),
        cmocka_unit_test(test_boot_failures_while_serving),
        cmocka_unit_test(test_ready_restarts_the_counts),
        cmocka_unit_test(test_spawn_failures),
        cmocka_unit_test(test_generation_states),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
