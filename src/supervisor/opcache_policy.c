#include "supervisor/opcache_policy.h"

#include <stdio.h>

keel_opcache_verdict_t
keel_opcache_decide(const keel_opcache_stats_t *s, double max_wasted_percentage)
{
    uint64_t total = s->used + s->free + s->wasted;
    if (s->restart_pending || s->oom_restarts || s->hash_restarts)
        return KEEL_OPCACHE_RESTARTING;
    if (s->cache_full || (total && s->free * 10 < total))
        return KEEL_OPCACHE_FULL;
    if (total && (double)s->wasted * 100.0 / (double)total >= max_wasted_percentage && s->wasted > 0)
        return KEEL_OPCACHE_WASTED;
    if (s->max_keys && s->keys * 10 >= s->max_keys * 9)
        return KEEL_OPCACHE_KEYS;
    uint64_t interned_total = s->interned_used + s->interned_free;
    if (interned_total && s->interned_free * 20 < interned_total)
        return KEEL_OPCACHE_INTERNED;
    return KEEL_OPCACHE_OK;
}

const char *
keel_opcache_verdict_name(keel_opcache_verdict_t v)
{
    switch (v) {
    case KEEL_OPCACHE_OK:
        return "ok";
    case KEEL_OPCACHE_RESTARTING:
        return "OPcache scheduled a restart";
    case KEEL_OPCACHE_FULL:
        return "OPcache memory nearly full";
    case KEEL_OPCACHE_WASTED:
        return "OPcache wasted memory past opcache.max_wasted_percentage";
    case KEEL_OPCACHE_KEYS:
        return "OPcache keys near opcache.max_accelerated_files";
    case KEEL_OPCACHE_INTERNED:
        return "OPcache interned strings buffer nearly full";
    }
    return "unknown";
}

/* bytes * 1.25 in MiB, rounded up to a multiple of `step` MiB, at least `min` */
static uint64_t
mib_with_headroom(uint64_t bytes, uint64_t step, uint64_t min)
{
    uint64_t mib = (bytes + bytes / 4 + (1u << 20) - 1) >> 20;
    mib = (mib + step - 1) / step * step;
    return mib < min ? min : mib;
}

void
keel_opcache_suggest(const keel_opcache_stats_t *s, char *buf, size_t len)
{
    /* what is live (used minus wasted) plus room; interned strings too */
    uint64_t live = s->used > s->wasted ? s->used - s->wasted : s->used;
    uint64_t keys = s->keys + s->keys / 4;
    keys = (keys + 999) / 1000 * 1000;
    if (keys < 10000)
        keys = 10000;
    snprintf(buf, len,
             "-d opcache.memory_consumption=%llu -d opcache.interned_strings_buffer=%llu "
             "-d opcache.max_accelerated_files=%llu",
             (unsigned long long)mib_with_headroom(live, 16, 64),
             (unsigned long long)mib_with_headroom(s->interned_used, 4, 8), (unsigned long long)keys);
}
