/* Tests for src/supervisor/pool_size.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>

#include <cmocka.h>

#include "supervisor/pool_size.h"

/* A pool of 2 to 16, all busy, nothing starting. */
static keel_pool_size_in_t
busy(unsigned live, size_t waiting, uint64_t now)
{
    return (keel_pool_size_in_t){
        .min = 2, .max = 16, .live = live, .waiting = waiting, .room = UINT_MAX, .now_ms = now};
}

static void
test_steady(void **state)
{
    (void)state;
    keel_pool_growth_t g = {0};
    keel_pool_size_in_t in = busy(2, 0, 1000);
    keel_pool_size_t d = keel_pool_size_decide(&g, &in);
    assert_int_equal(d.why, KEEL_POOL_SIZE_STEADY);
    assert_int_equal(d.spawn, 0);
    assert_int_equal(d.surplus, 0);
    /* what waits, free or starting workers will take */
    in.waiting = 3;
    in.idle = 1;
    in.starting = 2;
    d = keel_pool_size_decide(&g, &in);
    assert_int_equal(d.why, KEEL_POOL_SIZE_STEADY);
    assert_int_equal(d.need, 0);
}

static void
test_rounds_double(void **state)
{
    (void)state;
    /* 64 slow requests onto 2..16: 1, 2, 4, then the last 7 */
    keel_pool_growth_t g = {0};
    unsigned live = 2, starting = 0;
    const unsigned expect[] = {1, 2, 4, 7, 0};
    for (int round = 0; round < 5; round++) {
        keel_pool_size_in_t in = busy(live, 62, 1000 + (uint64_t)round * KEEL_POOL_ROUND_MS);
        in.starting = starting;
        keel_pool_size_t d = keel_pool_size_decide(&g, &in);
        assert_int_equal(d.spawn, expect[round]);
        assert_int_equal(d.why, round < 4 ? KEEL_POOL_SIZE_GROW : KEEL_POOL_SIZE_AT_MAX);
        live += d.spawn;
        starting = 0; /* they became ready in between */
    }
    assert_int_equal(live, 16);
}

static void
test_rate_within_a_round(void **state)
{
    (void)state;
    keel_pool_growth_t g = {0};
    keel_pool_size_in_t in = busy(2, 10, 5000);
    assert_int_equal(keel_pool_size_decide(&g, &in).spawn, 1);
    in.live = 3;
    in.now_ms = 5000 + KEEL_POOL_ROUND_MS - 1;
    keel_pool_size_t d = keel_pool_size_decide(&g, &in);
    assert_int_equal(d.spawn, 0);
    assert_int_equal(d.why, KEEL_POOL_SIZE_RATE);
    in.now_ms = 5000 + KEEL_POOL_ROUND_MS;
    assert_int_equal(keel_pool_size_decide(&g, &in).spawn, 2);
    /* a round with nothing to do starts the rate over */
    in.waiting = 0;
    in.now_ms += KEEL_POOL_ROUND_MS;
    keel_pool_size_decide(&g, &in);
    in.waiting = 50;
    in.now_ms += KEEL_POOL_ROUND_MS;
    assert_int_equal(keel_pool_size_decide(&g, &in).spawn, 1);
}

static void
test_rate_caps(void **state)
{
    (void)state;
    keel_pool_growth_t g = {.streak = 9, .last_round_ms = 1};
    keel_pool_size_in_t in = busy(2, 1000, 100000);
    in.max = 1024;
    assert_int_equal(keel_pool_size_decide(&g, &in).spawn, KEEL_POOL_MAX_SPAWN_RATE);
}

static void
test_need_counts_what_is_coming(void **state)
{
    (void)state;
    keel_pool_growth_t g = {.streak = 5};
    keel_pool_size_in_t in = busy(10, 9, 1000);
    in.starting = 4;
    in.idle = 1;
    keel_pool_size_t d = keel_pool_size_decide(&g, &in);
    assert_int_equal(d.need, 4);
    assert_int_equal(d.spawn, 4);
}

static void
test_bounds(void **state)
{
    (void)state;
    keel_pool_growth_t g = {0};
    keel_pool_size_in_t in = busy(16, 30, 1000);
    keel_pool_size_t d = keel_pool_size_decide(&g, &in);
    assert_int_equal(d.why, KEEL_POOL_SIZE_AT_MAX);
    assert_int_equal(d.spawn, 0);
    assert_int_equal(d.surplus, 14);
    /* the budget has room for 5 */
    in = busy(5, 30, 2000);
    in.room = 5;
    d = keel_pool_size_decide(&g, &in);
    assert_int_equal(d.why, KEEL_POOL_SIZE_NO_ROOM);
    assert_int_equal(d.ceiling, 5);
    in.live = 4;
    in.now_ms = 3000;
    d = keel_pool_size_decide(&g, &in);
    assert_int_equal(d.spawn, 1);
    /* a budget that shrank below the minimum does not take the minimum away */
    in = busy(2, 30, 4000);
    in.room = 0;
    d = keel_pool_size_decide(&g, &in);
    assert_int_equal(d.why, KEEL_POOL_SIZE_NO_ROOM);
    assert_int_equal(d.ceiling, 2);
    /* pressure holds it at the minimum; the surplus may go */
    in = busy(6, 30, 5000);
    in.hold = true;
    d = keel_pool_size_decide(&g, &in);
    assert_int_equal(d.why, KEEL_POOL_SIZE_PRESSURE);
    assert_int_equal(d.spawn, 0);
    assert_int_equal(d.surplus, 4);
    /* a fixed pool (max = min) never grows */
    in = busy(2, 30, 6000);
    in.max = 2;
    assert_int_equal(keel_pool_size_decide(&g, &in).why, KEEL_POOL_SIZE_AT_MAX);
    /* below the minimum (a worker went, its replacement not yet asked for)
     * nothing here: replacing is the worker's own rule */
    in = busy(1, 0, 7000);
    assert_int_equal(keel_pool_size_decide(&g, &in).spawn, 0);
}

static void
test_replace_after_pressure(void **state)
{
    (void)state;
    assert_true(keel_pool_size_replace(3, 4, false));
    assert_true(keel_pool_size_replace(5, 4, false));
    /* holding: only to keep the minimum */
    assert_true(keel_pool_size_replace(3, 4, true));
    assert_false(keel_pool_size_replace(4, 4, true));
    assert_false(keel_pool_size_replace(6, 4, true));
}

static void
test_names(void **state)
{
    (void)state;
    assert_string_equal(keel_pool_size_why_name(KEEL_POOL_SIZE_GROW), "grow");
    assert_string_equal(keel_pool_size_why_name(KEEL_POOL_SIZE_AT_MAX), "at --max-workers");
    assert_string_equal(keel_pool_size_why_name(KEEL_POOL_SIZE_WHYS), "unknown");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_steady),
        cmocka_unit_test(test_rounds_double),
        cmocka_unit_test(test_rate_within_a_round),
        cmocka_unit_test(test_rate_caps),
        cmocka_unit_test(test_need_counts_what_is_coming),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_replace_after_pressure),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
