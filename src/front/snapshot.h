/*
 * One picture of the front's state, taken at once, from which /status and
 * /metrics (admin.c) both render, so the two cannot count differently. It
 * is plain data: whoever renders it needs nothing of the front.
 */
#ifndef KEEL_FRONT_SNAPSHOT_H
#define KEEL_FRONT_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <h2o.h>

#include "front/env.h"
#include "supervisor/budget.h"
#include "supervisor/meminfo.h"
#include "supervisor/opcache_policy.h"
#include "supervisor/pool_policy.h"

typedef struct {
    uint32_t id;
    int pid;
    uint32_t generation;
    const char *mode;  /* "classic", "worker" */
    const char *state; /* supervisor/worker_fsm.h's names; a free worker that took a request counts as busy */
    uint64_t requests;
    uint64_t private_bytes;         /* after its last request */
    uint64_t private_precise_bytes; /* smaps_rollup, sampled while idle */
    uint64_t zend_peak_bytes;
    double growth_bytes_per_request; /* 0 until it can be estimated */
    double age_seconds;
} keel_worker_snapshot_t;

typedef struct {
    uint32_t number;
    const char *state;
    int zygote_pid;
    bool opcache;
} keel_generation_snapshot_t;

#define KEEL_SNAPSHOT_TMPFS 8

typedef struct {
    const char *state;   /* "starting", "serving", "stopping" */
    uint32_t generation; /* the one serving, 0: none */
    keel_generation_snapshot_t *generations;
    size_t generation_count;
    size_t in_flight;
    /* requests waiting for a worker, per pool: in the front's queue, or in
     * a generation's queue where no worker took them yet */
    size_t waiting[KEEL_POOL_KINDS];
    keel_front_counters_t counters;
    bool have_limit;
    keel_mem_limit_t limit;
    bool budget_known;
    keel_budget_t budget;
    bool opcache_known; /* the serving generation's */
    keel_opcache_stats_t opcache;
    uint64_t opcache_hits, opcache_misses;
    struct {
        const char *path;
        uint64_t used;
    } tmpfs[KEEL_SNAPSHOT_TMPFS];
    unsigned tmpfs_count;
    keel_worker_snapshot_t *workers; /* with a process, oldest generation first */
    size_t worker_count;
} keel_front_snapshot_t;

#endif
