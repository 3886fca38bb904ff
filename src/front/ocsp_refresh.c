#include "front/ocsp_refresh.h"

uint64_t
keel_ocsp_next_fetch_ms(uint64_t now_ms, int64_t this_update_ms, int64_t next_update_ms, unsigned failures,
                        int64_t held_next_update_ms)
{
    if (failures == 0) {
        uint64_t at = now_ms + KEEL_OCSP_NO_NEXT_MS;
        if (next_update_ms > this_update_ms && this_update_ms > 0)
            at = (uint64_t)this_update_ms + (uint64_t)(next_update_ms - this_update_ms) / 2;
        return at < now_ms + KEEL_OCSP_MIN_GAP_MS ? now_ms + KEEL_OCSP_MIN_GAP_MS : at;
    }
    uint64_t wait = KEEL_OCSP_RETRY_FIRST_MS;
    for (unsigned i = 1; i < failures && wait < KEEL_OCSP_RETRY_MAX_MS; i++)
        wait *= 2;
    if (wait > KEEL_OCSP_RETRY_MAX_MS)
        wait = KEEL_OCSP_RETRY_MAX_MS;
    if (held_next_update_ms > 0 && (uint64_t)held_next_update_ms > now_ms) {
        uint64_t half = ((uint64_t)held_next_update_ms - now_ms) / 2;
        if (half < wait)
            wait = half < KEEL_OCSP_RETRY_FIRST_MS ? KEEL_OCSP_RETRY_FIRST_MS : half;
    }
    return now_ms + wait;
}

bool
keel_ocsp_fresh(uint64_t now_ms, int64_t this_update_ms, int64_t next_update_ms)
{
    if (this_update_ms <= 0 || (uint64_t)this_update_ms > now_ms + KEEL_OCSP_SKEW_MS)
        return false;
    if (next_update_ms <= 0) /* no nextUpdate: a response a week old is stale */
        return now_ms - (uint64_t)this_update_ms < KEEL_OCSP_NO_NEXT_MAX_AGE_MS;
    return (uint64_t)next_update_ms > now_ms;
}
