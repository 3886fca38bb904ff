/*
 * OPcache governance: a generation whose OPcache is close to full, wastes
 * too much or is about to restart itself, or whose application called
 * opcache_reset(), is replaced by a new generation with fresh shared
 * memory; OPcache is never reset in place under running code. The verdict
 * on the figures is supervisor/opcache_policy.h; this adds the rate limit
 * and the log, and says whether to swap.
 */
#ifndef KEEL_FRONT_OPCACHE_WATCH_H
#define KEEL_FRONT_OPCACHE_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "front/generation.h"

typedef struct {
    uint64_t last_swap_ms; /* the last generation started for OPcache's sake */
} keel_opcache_watch_t;

/* g reported new figures (or, reset_called, its application called
 * opcache_reset()); may_swap: g serves and no generation is starting.
 * Returns why a new generation should take over (logged with the settings
 * that would have held the application), or NULL. */
const char *keel_opcache_watch(keel_opcache_watch_t *w, const keel_generation_t *g, bool reset_called, bool may_swap);

#endif
