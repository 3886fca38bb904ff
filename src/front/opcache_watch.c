#include "front/opcache_watch.h"

#include "common/clock.h"
#include "common/log.h"
#include "supervisor/opcache_policy.h"

/* At most one swap for OPcache's sake in this many milliseconds, so an
 * application calling opcache_reset() on every request cannot make keel
 * start generations back to back. */
#define OPCACHE_SWAP_INTERVAL_MS 2000

const char *
keel_opcache_watch(keel_opcache_watch_t *w, const keel_generation_t *g, bool reset_called, bool may_swap)
{
    uint64_t now = keel_now_ms();
    if (!may_swap || now - w->last_swap_ms < OPCACHE_SWAP_INTERVAL_MS)
        return NULL; /* not the serving generation, or rate limited */
    if (reset_called) {
        keel_info("generation %u: the application called opcache_reset(); a new generation takes over instead",
                  g->number);
        w->last_swap_ms = now;
        return "opcache_reset() called";
    }
    keel_opcache_verdict_t verdict = keel_opcache_decide(&g->opcache_stats, g->php.max_wasted_percentage);
    if (verdict == KEEL_OPCACHE_OK)
        return NULL;
    char suggestion[256];
    keel_opcache_suggest(&g->opcache_stats, suggestion, sizeof(suggestion));
    keel_warn("generation %u: %s; starting a new generation rather than letting OPcache reset in place. Settings "
              "that would hold this application: %s",
              g->number, keel_opcache_verdict_name(verdict), suggestion);
    w->last_swap_ms = now;
    return keel_opcache_verdict_name(verdict);
}
