#include "supervisor/recycle.h"

#include <stddef.h>

/* Elapsed ms from `since` to `now`, 0 if the clock readings are out of
 * order (a caller mixing clocks must not make a worker look ancient). */
static uint64_t
elapsed_ms(uint64_t since, uint64_t now)
{
    return now > since ? now - since : 0;
}

keel_recycle_reason_t
keel_recycle_decide(const keel_recycle_limits_t *limits, const keel_worker_obs_t *obs, uint64_t now_ms)
{
    /* Most urgent first: a hard memory breach is about to hurt the other
     * workers, so it beats everything; a soft one still costs memory while
     * the others only cost freshness. */
    if (limits->max_worker_memory_hard != 0 && obs->private_bytes > limits->max_worker_memory_hard)
        return KEEL_RECYCLE_MEMORY_HARD;
    if (limits->max_worker_memory != 0 && obs->private_bytes > limits->max_worker_memory)
        return KEEL_RECYCLE_MEMORY;
    if (limits->max_requests != 0) {
        /* A worker without its own draw still honours the configured
         * maximum rather than living forever. */
        uint64_t limit = obs->request_limit != 0 ? obs->request_limit : limits->max_requests;
        if (obs->requests >= limit)
            return KEEL_RECYCLE_REQUESTS;
    }
    if (limits->ttl_ms != 0 && elapsed_ms(obs->started_ms, now_ms) > limits->ttl_ms)
        return KEEL_RECYCLE_TTL;
    if (limits->idle_ttl_ms != 0 && obs->idle_since_ms != 0 &&
        elapsed_ms(obs->idle_since_ms, now_ms) > limits->idle_ttl_ms)
        return KEEL_RECYCLE_IDLE;
    return KEEL_RECYCLE_NONE;
}

uint64_t
keel_recycle_request_limit(uint64_t max_requests, uint64_t jitter, uint64_t random)
{
    if (max_requests == 0)
        return 0;
    /* Cap the jitter so the draw spreads evenly over [1, max] instead of
     * piling up at a clamped 1 when jitter >= max. */
    uint64_t span = jitter < max_requests - 1 ? jitter : max_requests - 1;
    return max_requests - random % (span + 1);
}

const char *
keel_recycle_reason_name(keel_recycle_reason_t reason)
{
    static const char *const names[KEEL_RECYCLE_REASONS] = {
        [KEEL_RECYCLE_NONE] = "none",         [KEEL_RECYCLE_REQUESTS] = "requests",
        [KEEL_RECYCLE_MEMORY] = "memory",     [KEEL_RECYCLE_MEMORY_HARD] = "memory_hard",
        [KEEL_RECYCLE_TTL] = "ttl",           [KEEL_RECYCLE_IDLE] = "idle",
        [KEEL_RECYCLE_PRESSURE] = "pressure",
    };
    if ((unsigned)reason >= KEEL_RECYCLE_REASONS)
        return "unknown";
    return names[reason];
}
