/* Tests for src/supervisor/recycle.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_random.h"

#include "supervisor/recycle.h"

static void
test_all_off(void **state)
{
    (void)state;
    keel_recycle_limits_t limits = {0};
    keel_worker_obs_t obs = {
        .requests = UINT64_MAX, .request_limit = 1, .private_bytes = UINT64_MAX, .started_ms = 1, .idle_since_ms = 1};
    assert_int_equal(keel_recycle_decide(&limits, &obs, UINT64_MAX), KEEL_RECYCLE_NONE);
}

static void
test_hard_memory_alone(void **state)
{
    (void)state;
    keel_recycle_limits_t limits = {.max_worker_memory_hard = 1000};
    keel_worker_obs_t obs = {.private_bytes = 1000};
    assert_int_equal(keel_recycle_decide(&limits, &obs, 0), KEEL_RECYCLE_NONE);
    obs.private_bytes = 1001;
    assert_int_equal(keel_recycle_decide(&limits, &obs, 0), KEEL_RECYCLE_MEMORY_HARD);
}

static void
test_soft_memory_alone(void **state)
{
    (void)state;
    keel_recycle_limits_t limits = {.max_worker_memory = 64 << 20};
    keel_worker_obs_t obs = {.private_bytes = 64 << 20};
    assert_int_equal(keel_recycle_decide(&limits, &obs, 0), KEEL_RECYCLE_NONE);
    obs.private_bytes = (64 << 20) + 1;
    assert_int_equal(keel_recycle_decide(&limits, &obs, 0), KEEL_RECYCLE_MEMORY);
}

static void
test_requests_alone(void **state)
{
    (void)state;
    keel_recycle_limits_t limits = {.max_requests = 100, .max_requests_jitter = 20};
    /* The worker's own draw is what counts. */
    keel_worker_obs_t obs = {.requests = 89, .request_limit = 90};
    assert_int_equal(keel_recycle_decide(&limits, &obs, 0), KEEL_RECYCLE_NONE);
    obs.requests = 90;
    assert_int_equal(keel_recycle_decide(&limits, &obs, 0), KEEL_RECYCLE_REQUESTS);
    obs.requests = 91;
    assert_int_equal(keel_recycle_decide(&limits, &obs, 0), KEEL_RECYCLE_REQUESTS);
    /* No draw: the configured maximum. */
    obs.request_limit = 0;
    obs.requests = 99;
    assert_int_equal(keel_recycle_decide(&limits, &obs, 0), KEEL_RECYCLE_NONE);
    obs.requests = 100;
    assert_int_equal(keel_recycle_decide(&limits, &obs, 0), KEEL_RECYCLE_REQUESTS);
    /* max_requests = 0 is off, whatever the worker drew earlier. */
    limits.max_requests = 0;
    obs.request_limit = 5;
    obs.requests = 1000;
    assert_int_equal(keel_recycle_decide(&limits, &obs, 0), KEEL_RECYCLE_NONE);
}

static void
test_ttl_alone(void **state)
{
    (void)state;
    keel_recycle_limits_t limits = {.ttl_ms = 1000};
    keel_worker_obs_t obs = {.started_ms = 5000};
    assert_int_equal(keel_recycle_decide(&limits, &obs, 5000), KEEL_RECYCLE_NONE);
    assert_int_equal(keel_recycle_decide(&limits, &obs, 6000), KEEL_RECYCLE_NONE);
    assert_int_equal(keel_recycle_decide(&limits, &obs, 6001), KEEL_RECYCLE_TTL);
    /* A clock reading before the start is not an old worker. */
    assert_int_equal(keel_recycle_decide(&limits, &obs, 10), KEEL_RECYCLE_NONE);
}

static void
test_idle_alone(void **state)
{
    (void)state;
    keel_recycle_limits_t limits = {.idle_ttl_ms = 500};
    keel_worker_obs_t obs = {.started_ms = 100, .idle_since_ms = 2000};
    assert_int_equal(keel_recycle_decide(&limits, &obs, 2500), KEEL_RECYCLE_NONE);
    assert_int_equal(keel_recycle_decide(&limits, &obs, 2501), KEEL_RECYCLE_IDLE);
    /* Busy (idle_since 0) is never idle, however late it is. */
    obs.idle_since_ms = 0;
    assert_int_equal(keel_recycle_decide(&limits, &obs, 1000000), KEEL_RECYCLE_NONE);
}

static void
test_precedence(void **state)
{
    (void)state;
    keel_recycle_limits_t limits = {
        .max_requests = 10,
        .max_worker_memory = 100,
        .max_worker_memory_hard = 200,
        .ttl_ms = 1000,
        .idle_ttl_ms = 50,
    };
    /* Everything exceeded at once. */
    keel_worker_obs_t obs = {
        .requests = 10, .request_limit = 10, .private_bytes = 201, .started_ms = 1, .idle_since_ms = 1};
    uint64_t now = 5000;
    assert_int_equal(keel_recycle_decide(&limits, &obs, now), KEEL_RECYCLE_MEMORY_HARD);
    obs.private_bytes = 200; /* at the hard limit, past the soft one */
    assert_int_equal(keel_recycle_decide(&limits, &obs, now), KEEL_RECYCLE_MEMORY);
    obs.private_bytes = 100;
    assert_int_equal(keel_recycle_decide(&limits, &obs, now), KEEL_RECYCLE_REQUESTS);
    obs.requests = 9;
    assert_int_equal(keel_recycle_decide(&limits, &obs, now), KEEL_RECYCLE_TTL);
    obs.started_ms = now - 1000;
    assert_int_equal(keel_recycle_decide(&limits, &obs, now), KEEL_RECYCLE_IDLE);
    obs.idle_since_ms = now - 50;
    assert_int_equal(keel_recycle_decide(&limits, &obs, now), KEEL_RECYCLE_NONE);

    /* The hard limit wins even when set below the soft one. */
    keel_recycle_limits_t odd = {.max_worker_memory = 500, .max_worker_memory_hard = 300};
    keel_worker_obs_t big = {.private_bytes = 600};
    assert_int_equal(keel_recycle_decide(&odd, &big, 0), KEEL_RECYCLE_MEMORY_HARD);
    big.private_bytes = 400;
    assert_int_equal(keel_recycle_decide(&odd, &big, 0), KEEL_RECYCLE_MEMORY_HARD);
}

static void
test_request_limit_fixed_values(void **state)
{
    (void)state;
    assert_int_equal(keel_recycle_request_limit(0, 0, 12345), 0);
    assert_int_equal(keel_recycle_request_limit(0, 100, 12345), 0);
    /* No jitter: exactly max. */
    assert_int_equal(keel_recycle_request_limit(1000, 0, 0), 1000);
    assert_int_equal(keel_recycle_request_limit(1000, 0, UINT64_MAX), 1000);
    /* Draw = random mod (jitter + 1) = random mod 101. */
    assert_int_equal(keel_recycle_request_limit(1000, 100, 0), 1000);
    assert_int_equal(keel_recycle_request_limit(1000, 100, 100), 900);
    assert_int_equal(keel_recycle_request_limit(1000, 100, 101), 1000);
    assert_int_equal(keel_recycle_request_limit(1000, 100, 150), 951);
    /* jitter >= max: the draw is cut to [0, max - 1] = random mod 10. */
    assert_int_equal(keel_recycle_request_limit(10, 50, 9), 1);
    assert_int_equal(keel_recycle_request_limit(10, 50, 10), 10);
    assert_int_equal(keel_recycle_request_limit(10, 10, 19), 1);
    assert_int_equal(keel_recycle_request_limit(1, 5, 77), 1);
    /* Extremes: mod (2^64 - 1). */
    assert_true(keel_recycle_request_limit(UINT64_MAX, UINT64_MAX, UINT64_MAX) == UINT64_MAX);
    assert_true(keel_recycle_request_limit(UINT64_MAX, UINT64_MAX, UINT64_MAX - 1) == 1);
}

/* Many draws: always within [lo, hi], and both ends are reached. */
static void
check_draw_range(uint64_t max, uint64_t jitter, uint64_t lo, uint64_t hi)
{
    uint64_t rng = 42 + max + jitter;
    uint64_t seen_min = UINT64_MAX, seen_max = 0;
    for (int i = 0; i < 200000; i++) {
        uint64_t v = keel_recycle_request_limit(max, jitter, test_next_random(&rng));
        assert_true(v >= lo && v <= hi);
        assert_true(v != 0);
        if (v < seen_min)
            seen_min = v;
        if (v > seen_max)
            seen_max = v;
    }
    assert_true(seen_min == lo);
    assert_true(seen_max == hi);
}

static void
test_request_limit_draw_range(void **state)
{
    (void)state;
    check_draw_range(1000, 100, 900, 1000);
    check_draw_range(500, 1, 499, 500);
    check_draw_range(10, 9, 1, 10);
    /* jitter >= max: never 0, spread over [1, max]. */
    check_draw_range(10, 10, 1, 10);
    check_draw_range(10, 1000000, 1, 10);
    check_draw_range(1, 1, 1, 1);
}

static void
test_reason_names(void **state)
{
    (void)state;
    assert_string_equal(keel_recycle_reason_name(KEEL_RECYCLE_NONE), "none");
    assert_string_equal(keel_recycle_reason_name(KEEL_RECYCLE_REQUESTS), "requests");
    assert_string_equal(keel_recycle_reason_name(KEEL_RECYCLE_MEMORY), "memory");
    assert_string_equal(keel_recycle_reason_name(KEEL_RECYCLE_MEMORY_HARD), "memory_hard");
    assert_string_equal(keel_recycle_reason_name(KEEL_RECYCLE_TTL), "ttl");
    assert_string_equal(keel_recycle_reason_name(KEEL_RECYCLE_IDLE), "idle");
    assert_string_equal(keel_recycle_reason_name(KEEL_RECYCLE_PRESSURE), "pressure");
    assert_string_equal(keel_recycle_reason_name(KEEL_RECYCLE_REASONS), "unknown");
    assert_string_equal(keel_recycle_reason_name((keel_recycle_reason_t)-1), "unknown");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_off),
        cmocka_unit_test(test_hard_memory_alone),
        cmocka_unit_test(test_soft_memory_alone),
        cmocka_unit_test(test_requests_alone),
        cmocka_unit_test(test_ttl_alone),
        cmocka_unit_test(test_idle_alone),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_request_limit_fixed_values),
        cmocka_unit_test(test_request_limit_draw_range),
        cmocka_unit_test(test_reason_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
