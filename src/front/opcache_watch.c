/*
 * OPcache governance in the front: a generation whose OPcache is close to
 * full, wasting memory or about to restart itself, or whose application
 * called opcache_reset(), is replaced by a new generation with fresh
 * shared memory; OPcache is never reset in place under running code. The
 * decision is src/supervisor/opcache_policy.c.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "front/front.h"

/* At most one swap for OPcache's sake in this many milliseconds, so an
 * application calling opcache_reset() on every request cannot make keel
 * start generations back to back. */
#define OPCACHE_SWAP_INTERVAL_MS 2000

/* Whether g may be replaced now: it is the serving generation, no other is
 * starting, and the last swap for OPcache's sake is far enough behind. */
static bool
swap_allowed(const keel_front_t *f, const keel_generation_t *g)
{
    return g == f->active && f->incoming == NULL && keel_now_ms() - f->last_opcache_swap_ms >= OPCACHE_SWAP_INTERVAL_MS;
}

static void
swap(keel_front_t *f, const char *why)
{
    f->last_opcache_swap_ms = keel_now_ms();
    f->opcache_swaps++;
    keel_front_reload(f, why, NULL, NULL);
}

void
keel_opcache_on_stats(keel_generation_t *g, const uint8_t *payload, size_t len)
{
    keel_ipc_opcache_stats_t m;
    if (keel_ipc_opcache_stats_get(payload, len, &m) != KEEL_IPC_OK) {
        keel_error("malformed OPCACHE_STATS from a worker of generation %u", g->number);
        return;
    }
    keel_opcache_stats_t s = {
        .used = m.used,
        .free = m.free,
        .wasted = m.wasted,
        .interned_used = m.interned_used,
        .interned_free = m.interned_free,
        .keys = m.keys,
        .max_keys = m.max_keys,
        .oom_restarts = m.oom_restarts,
        .hash_restarts = m.hash_restarts,
        .manual_restarts = m.manual_restarts,
        .restart_pending = m.restart_pending,
        .cache_full = m.cache_full,
    };
    g->opcache_hits = m.hits;
    g->opcache_misses = m.misses;
    g->opcache_stats = s;
    g->opcache_known = true;
    keel_opcache_verdict_t verdict = keel_opcache_decide(&s, g->php.max_wasted_percentage);
    keel_front_t *f = g->front;
    if (verdict == KEEL_OPCACHE_OK || !swap_allowed(f, g))
        return;
    char suggestion[256];
    keel_opcache_suggest(&s, suggestion, sizeof(suggestion));
    keel_warn("generation %u: %s; starting a new generation rather than letting OPcache reset in place. Settings "
              "that would hold this application: %s",
              g->number, keel_opcache_verdict_name(verdict), suggestion);
    swap(f, keel_opcache_verdict_name(verdict));
}

void
keel_opcache_on_reset_call(keel_generation_t *g)
{
    keel_front_t *f = g->front;
    if (!swap_allowed(f, g))
        return; /* not the serving generation, or rate limited */
    keel_info("generation %u: the application called opcache_reset(); a new generation takes over instead", g->number);
    swap(f, "opcache_reset() called");
}
