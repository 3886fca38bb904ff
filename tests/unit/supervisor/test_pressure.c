/* Tests for src/supervisor/pressure.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "supervisor/pressure.h"

#define MIB ((uint64_t)1 << 20)

static const keel_pressure_limits_t defaults = {.recycle_pct = 85, .hold_pct = 90, .shed_pct = 95};

/* A 1000 MiB limit, so MiB are tenths of a percent. */
static keel_pressure_obs_t
at(uint64_t mib)
{
    return (keel_pressure_obs_t){.limit = 1000 * MIB, .working_set = mib * MIB, .psi_some_centi = -1};
}

static keel_pressure_level_t
look(keel_pressure_t *p, uint64_t mib)
{
    keel_pressure_obs_t o = at(mib);
    return keel_pressure_observe(p, &defaults, &o).level;
}

static void
test_levels_rise_at_their_share(void **state)
{
    (void)state;
    keel_pressure_t p = {0};
    assert_int_equal(look(&p, 0), KEEL_PRESSURE_NONE);
    assert_int_equal(look(&p, 849), KEEL_PRESSURE_NONE);
    assert_int_equal(look(&p, 850), KEEL_PRESSURE_RECYCLE);
    assert_int_equal(look(&p, 899), KEEL_PRESSURE_RECYCLE);
    assert_int_equal(look(&p, 900), KEEL_PRESSURE_HOLD);
    assert_int_equal(look(&p, 950), KEEL_PRESSURE_SHED);
    assert_int_equal(look(&p, 1200), KEEL_PRESSURE_SHED);
    /* straight to the top from nothing */
    keel_pressure_t q = {0};
    assert_int_equal(look(&q, 990), KEEL_PRESSURE_SHED);
}

static void
test_levels_fall_with_hysteresis(void **state)
{
    (void)state;
    keel_pressure_t p = {0};
    assert_int_equal(look(&p, 960), KEEL_PRESSURE_SHED);
    /* shed starts at 95%: it stays down to 90% */
    assert_int_equal(look(&p, 920), KEEL_PRESSURE_SHED);
    assert_int_equal(look(&p, 900), KEEL_PRESSURE_SHED);
    /* below 90%: hold, which itself lasts down to 85% */
    assert_int_equal(look(&p, 899), KEEL_PRESSURE_HOLD);
    assert_int_equal(look(&p, 851), KEEL_PRESSURE_HOLD);
    /* a fall through several steps at once */
    assert_int_equal(look(&p, 700), KEEL_PRESSURE_NONE);
    assert_int_equal(look(&p, 849), KEEL_PRESSURE_NONE);
    assert_int_equal(look(&p, 870), KEEL_PRESSURE_RECYCLE);
    assert_int_equal(look(&p, 800), KEEL_PRESSURE_RECYCLE);
    assert_int_equal(look(&p, 799), KEEL_PRESSURE_NONE);
}

static void
test_steps_turned_off(void **state)
{
    (void)state;
    keel_pressure_limits_t only_shed = {.shed_pct = 95};
    keel_pressure_t p = {0};
    keel_pressure_obs_t o = at(940);
    assert_int_equal(keel_pressure_observe(&p, &only_shed, &o).level, KEEL_PRESSURE_NONE);
    o = at(950);
    keel_pressure_step_t st = keel_pressure_observe(&p, &only_shed, &o);
    assert_int_equal(st.level, KEEL_PRESSURE_SHED);
    assert_true(st.recycle); /* shed includes the steps below it, recycling too */
    keel_pressure_limits_t off = {0};
    keel_pressure_t q = {0};
    o = at(2000);
    assert_int_equal(keel_pressure_observe(&q, &off, &o).level, KEEL_PRESSURE_NONE);
}

static void
test_steps_out_of_order(void **state)
{
    (void)state;
    /* recycling set above holding: holding starts it */
    keel_pressure_limits_t odd = {.recycle_pct = 97, .hold_pct = 90, .shed_pct = 99};
    keel_pressure_t p = {0};
    keel_pressure_obs_t o = at(920);
    keel_pressure_step_t st = keel_pressure_observe(&p, &odd, &o);
    assert_int_equal(st.level, KEEL_PRESSURE_HOLD);
    assert_true(st.recycle);
}

static void
test_no_limit(void **state)
{
    (void)state;
    keel_pressure_t p = {.level = KEEL_PRESSURE_SHED};
    keel_pressure_obs_t o = {.limit = UINT64_MAX, .working_set = 5 * MIB, .psi_some_centi = 5000};
    keel_pressure_step_t st = keel_pressure_observe(&p, &defaults, &o);
    assert_int_equal(st.level, KEEL_PRESSURE_NONE);
    assert_int_equal(st.was, KEEL_PRESSURE_SHED);
    assert_false(st.recycle);
}

static void
test_recycle_one_at_a_time(void **state)
{
    (void)state;
    keel_pressure_t p = {0};
    keel_pressure_obs_t o = at(870);
    assert_true(keel_pressure_observe(&p, &defaults, &o).recycle);
    o.recycling = 1;
    keel_pressure_step_t st = keel_pressure_observe(&p, &defaults, &o);
    assert_int_equal(st.level, KEEL_PRESSURE_RECYCLE);
    assert_false(st.recycle);
    o.recycling = 0;
    o.working_set = 500 * MIB;
    assert_false(keel_pressure_observe(&p, &defaults, &o).recycle);
}

static void
test_psi_near_the_first_step(void **state)
{
    (void)state;
    keel_pressure_t p = {0};
    keel_pressure_obs_t o = at(760);
    o.psi_some_centi = 1200;
    keel_pressure_step_t st = keel_pressure_observe(&p, &defaults, &o);
    assert_int_equal(st.level, KEEL_PRESSURE_RECYCLE);
    assert_true(st.psi);
    /* far below it, PSI is someone else's cache thrashing */
    keel_pressure_t q = {0};
    o = at(700);
    o.psi_some_centi = 9000;
    st = keel_pressure_observe(&q, &defaults, &o);
    assert_int_equal(st.level, KEEL_PRESSURE_NONE);
    assert_false(st.psi);
    /* little stall near it changes nothing */
    o = at(800);
    o.psi_some_centi = 999;
    assert_int_equal(keel_pressure_observe(&q, &defaults, &o).level, KEEL_PRESSURE_NONE);
}

static void
test_counters(void **state)
{
    (void)state;
    keel_pressure_t p = {0};
    keel_pressure_obs_t o = at(100);
    o.have_events = true;
    o.oom_kills = 3; /* before keel: not news */
    o.max_events = 40;
    keel_pressure_step_t st = keel_pressure_observe(&p, &defaults, &o);
    assert_true(st.new_oom_kills == 0 && st.new_max_events == 0);
    o.oom_kills = 5;
    o.max_events = 41;
    st = keel_pressure_observe(&p, &defaults, &o);
    assert_true(st.new_oom_kills == 2 && st.new_max_events == 1);
    st = keel_pressure_observe(&p, &defaults, &o);
    assert_true(st.new_oom_kills == 0);
    /* a counter that went back (another group) is not a negative kill count */
    o.oom_kills = 1;
    st = keel_pressure_observe(&p, &defaults, &o);
    assert_true(st.new_oom_kills == 0);
    /* unknown counters change nothing */
    o.have_events = false;
    o.oom_kills = 100;
    st = keel_pressure_observe(&p, &defaults, &o);
    assert_true(st.new_oom_kills == 0);
}

static void
test_permille_saturates(void **state)
{
    (void)state;
    keel_pressure_t p = {0};
    keel_pressure_obs_t o = {.limit = 1000, .working_set = UINT64_MAX, .psi_some_centi = -1};
    keel_pressure_step_t st = keel_pressure_observe(&p, &defaults, &o);
    assert_int_equal(st.permille, 2000);
    o = (keel_pressure_obs_t){.limit = UINT64_MAX - 1, .working_set = UINT64_MAX / 2, .psi_some_centi = -1};
    st = keel_pressure_observe(&p, &defaults, &o);
    assert_int_equal(st.permille, 500);
    o = (keel_pressure_obs_t){.limit = 0, .working_set = 5, .psi_some_centi = -1};
    assert_int_equal(keel_pressure_observe(&p, &defaults, &o).level, KEEL_PRESSURE_NONE);
}

static void
test_pick(void **state)
{
    (void)state;
    keel_pressure_candidate_t c[] = {
        {.growth = 10 * MIB, .private_bytes = 20 * MIB, .eligible = true},
        {.growth = 50 * MIB, .private_bytes = 60 * MIB, .eligible = false}, /* already going */
        {.growth = 30 * MIB, .private_bytes = 35 * MIB, .eligible = true},
        {.growth = 30 * MIB, .private_bytes = 40 * MIB, .eligible = true},
        {.growth = 1 * MIB, .private_bytes = 90 * MIB, .eligible = true},
    };
    assert_int_equal(keel_pressure_pick(c, 5, KEEL_PRESSURE_MIN_GROWTH), 3);
    assert_int_equal(keel_pressure_pick(c, 1, KEEL_PRESSURE_MIN_GROWTH), 0);
    /* nothing grew enough to be worth it */
    assert_int_equal(keel_pressure_pick(c + 4, 1, KEEL_PRESSURE_MIN_GROWTH), -1);
    assert_int_equal(keel_pressure_pick(c, 0, 0), -1);
}

static void
test_names(void **state)
{
    (void)state;
    assert_string_equal(keel_pressure_level_name(KEEL_PRESSURE_NONE), "none");
    assert_string_equal(keel_pressure_level_name(KEEL_PRESSURE_SHED), "shed");
    assert_string_equal(keel_pressure_level_name(KEEL_PRESSURE_LEVELS), "unknown");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels_rise_at_their_share),
        cmocka_unit_test(test_levels_fall_with_hysteresis),
        cmocka_unit_test(test_steps_turned_off),
        cmocka_unit_test(test_steps_out_of_order),
        cmocka_unit_test(test_no_limit),
        cmocka_unit_test(test_recycle_one_at_a_time),
        cmocka_unit_test(test_psi_near_the_first_step),
        cmocka_unit_test(test_counters),
        cmocka_unit_test(test_permille_saturates),
        cmocka_unit_test(test_pick),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
