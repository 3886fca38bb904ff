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
    bool growth_known;               /* an estimate with enough samples (supervisor/leak.h) */
    double growth_bytes_per_request; /* with growth_known */
    size_t growth_samples;           /* samples it has past the warm-up */
    double age_seconds;
} keel_worker_snapshot_t;

typedef struct {
    uint32_t number;
    const char *state;
    int zygote_pid;
    bool opcache;
} keel_generation_snapshot_t;

#define KEEL_SNAPSHOT_TMPFS 16
#define KEEL_SNAPSHOT_GREW  3

/* A pool of one kind in one generation. */
typedef struct {
    uint32_t generation;
    const char *mode;        /* "classic", "worker" */
    unsigned size, min, max; /* its workers not going; --workers; --max-workers */
    unsigned starting, idle, busy;
    const char *last_change; /* "grew from 2 to 3: ...", NULL: never changed */
    double last_change_seconds_ago;
} keel_pool_snapshot_t;

typedef struct {
    bool valid;
    double bytes_per_request;
    size_t workers; /* estimates it is the median of */
} keel_leak_snapshot_t;

/* The container's shared memory (front/memory.h). */
typedef struct {
    bool known;
    const char *source; /* "cgroup v2 memory.stat shmem", ... */
    uint64_t total, opcache, keel, files;
} keel_shmem_snapshot_t;

/* The memory-pressure guard (front/memory_guard.h). */
typedef struct {
    bool active;       /* a cgroup limit is watched */
    const char *level; /* supervisor/pressure.h's names */
    uint64_t working_set, limit;
    unsigned permille;
    int psi_some_centi; /* -1: not known */
} keel_pressure_snapshot_t;

/* A memory-backed mount, and what grew at its last growth warning. */
typedef struct {
    const char *path, *fstype;
    uint64_t used;
    bool php_dir;
    uint64_t grew_bytes; /* 0: never warned */
    double grew_over_seconds, grew_seconds_ago;
    struct {
        const char *path; /* the full path */
        uint64_t grew, bytes;
    } grew[KEEL_SNAPSHOT_GREW];
    size_t grew_count;
} keel_tmpfs_snapshot_t;
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
    keel_shmem_snapshot_t shmem;
    keel_pressure_snapshot_t pressure;
    keel_tmpfs_snapshot_t tmpfs[KEEL_SNAPSHOT_TMPFS];
    unsigned tmpfs_count;
    keel_pool_snapshot_t *pools; /* per generation and kind that runs workers */
    size_t pool_count;
    keel_leak_snapshot_t leak[KEEL_POOL_KINDS]; /* the serving generation's, across recycling */
    keel_worker_snapshot_t *workers;            /* with a process, oldest generation first */
    size_t worker_count;
    const keel_event_log_t *events; /* the front's own, read where the snapshot is rendered */
} keel_front_snapshot_t;

#endif
