/*
 * Never OOM-killed: what keel does as the container's memory nears its
 * limit, before the kernel's OOM killer picks a process. A pure decision
 * over the cgroup's figures (src/supervisor/cgroup.h): the front reads
 * them every 100 ms (src/front/memory_guard.c) and carries the answer
 * out. The steps, in order, each from its own share of the limit:
 *
 *   recycle  the worker that grew most is recycled: it finishes its
 *            request and goes, and its replacement starts once it has
 *            exited (capacity dips rather than the container dying); one
 *            at a time;
 *   hold     and no worker is started beyond the pool's minimum, and idle
 *            ones above it leave;
 *   shed     and new PHP requests get 503 with Retry-After, while static
 *            files and requests in flight go on.
 *
 * The share is of the working set, usage less the inactive file cache
 * (which the kernel reclaims before it kills anything); a level is left
 * only KEEL_PRESSURE_HYSTERESIS_PCT below where it starts, so it does not
 * flap.
 */
#ifndef KEEL_SUPERVISOR_PRESSURE_H
#define KEEL_SUPERVISOR_PRESSURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    KEEL_PRESSURE_NONE,
    KEEL_PRESSURE_RECYCLE,
    KEEL_PRESSURE_HOLD,
    KEEL_PRESSURE_SHED,
    KEEL_PRESSURE_LEVELS
} keel_pressure_level_t;

/* Percentages of the limit where each step starts; 0 turns it off. A
 * level takes the steps below it too, so a step set above a later one
 * starts with that one. */
typedef struct {
    unsigned recycle_pct, hold_pct, shed_pct;
} keel_pressure_limits_t;

#define KEEL_PRESSURE_HYSTERESIS_PCT 5
/* PSI "some" avg10 (x 100) from which the group counts as under pressure
 * although its working set is below the recycle step (within
 * KEEL_PRESSURE_PSI_NEAR_PCT of it): the kernel already stalls tasks on
 * reclaim there. */
#define KEEL_PRESSURE_PSI_CENTI    1000
#define KEEL_PRESSURE_PSI_NEAR_PCT 10

typedef struct {
    uint64_t limit;       /* UINT64_MAX: no limit, nothing to guard */
    uint64_t working_set; /* usage less inactive file cache */
    int psi_some_centi;   /* -1: not known */
    bool have_events;
    uint64_t oom_kills;  /* so far (cumulative) */
    uint64_t max_events; /* v2: times usage hit the limit so far */
    unsigned recycling;  /* workers recycled for pressure that have not exited yet */
} keel_pressure_obs_t;

typedef struct {
    keel_pressure_level_t level;
    bool counted; /* the counters below were seen once */
    uint64_t oom_kills, max_events;
} keel_pressure_t;

typedef struct {
    keel_pressure_level_t level; /* from now on */
    keel_pressure_level_t was;
    unsigned permille;       /* working set / limit, in tenths of a percent (saturates at 1000+) */
    bool psi;                /* PSI raised the level to recycle */
    bool recycle;            /* recycle the worker that grew most now (none is on its way out) */
    uint64_t new_oom_kills;  /* OOM kills in the group since the last look */
    uint64_t new_max_events; /* times the limit was hit since the last look */
} keel_pressure_step_t;

/* The level for what is observed now, and what to do. */
keel_pressure_step_t keel_pressure_observe(keel_pressure_t *p, const keel_pressure_limits_t *l,
                                           const keel_pressure_obs_t *o);

typedef struct {
    uint64_t growth; /* private memory now less its first figure */
    uint64_t private_bytes;
    bool eligible; /* serving, and not already going for another reason */
} keel_pressure_candidate_t;

/* Workers that grew less than this are not worth recycling: their
 * replacement would be no smaller. */
#define KEEL_PRESSURE_MIN_GROWTH (4ull << 20)

/* The worker to recycle: the eligible one that grew most, at least
 * min_growth (ties: the larger). Returns its index, or -1. */
int keel_pressure_pick(const keel_pressure_candidate_t *c, size_t n, uint64_t min_growth);

/* "none", "recycle", "hold", "shed" */
const char *keel_pressure_level_name(keel_pressure_level_t level);

#endif
