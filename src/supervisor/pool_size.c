#include "supervisor/pool_size.h"

keel_pool_size_t
keel_pool_size_decide(keel_pool_growth_t *g, const keel_pool_size_in_t *in)
{
    keel_pool_size_t d = {.why = KEEL_POOL_SIZE_STEADY};
    d.surplus = in->live > in->min ? in->live - in->min : 0;
    unsigned ceiling = in->max > in->min ? in->max : in->min;
    keel_pool_size_why_t bound = KEEL_POOL_SIZE_AT_MAX;
    if (in->room < ceiling) {
        /* the minimum was checked at startup; the budget only stops growth */
        ceiling = in->room > in->min ? in->room : in->min;
        bound = KEEL_POOL_SIZE_NO_ROOM;
    }
    if (in->hold && ceiling > in->min) {
        ceiling = in->min;
        bound = KEEL_POOL_SIZE_PRESSURE;
    }
    d.ceiling = ceiling;
    size_t coming = in->idle + in->starting;
    size_t need = in->waiting > coming ? in->waiting - coming : 0;
    d.need = need > 0xffffffffu ? 0xffffffffu : (unsigned)need;
    if (d.need == 0) {
        g->streak = 0;
        return d;
    }
    if (in->live >= ceiling) {
        d.why = bound;
        g->streak = 0;
        return d;
    }
    if (g->last_round_ms != 0 && in->now_ms >= g->last_round_ms && in->now_ms - g->last_round_ms < KEEL_POOL_ROUND_MS) {
        d.why = KEEL_POOL_SIZE_RATE;
        return d;
    }
    unsigned rate = g->streak >= 5 ? KEEL_POOL_MAX_SPAWN_RATE : 1u << g->streak;
    unsigned n = d.need;
    if (n > ceiling - in->live)
        n = ceiling - in->live;
    if (n > rate)
        n = rate;
    d.spawn = n;
    d.why = KEEL_POOL_SIZE_GROW;
    g->streak++;
    g->last_round_ms = in->now_ms ? in->now_ms : 1;
    return d;
}

bool
keel_pool_size_replace(unsigned live, unsigned min, bool hold)
{
    return !hold || live < min;
}

const char *
keel_pool_size_why_name(keel_pool_size_why_t why)
{
    static const char *const names[KEEL_POOL_SIZE_WHYS] = {
        [KEEL_POOL_SIZE_STEADY] = "steady",
        [KEEL_POOL_SIZE_GROW] = "grow",
        [KEEL_POOL_SIZE_RATE] = "rate",
        [KEEL_POOL_SIZE_AT_MAX] = "at --max-workers",
        [KEEL_POOL_SIZE_NO_ROOM] = "no room in the memory budget",
        [KEEL_POOL_SIZE_PRESSURE] = "memory pressure",
    };
    return (unsigned)why < KEEL_POOL_SIZE_WHYS ? names[why] : "unknown";
}
