/*
 * Never OOM-killed: every 100 ms the guard reads the container's usage
 * against its cgroup limit, asks supervisor/pressure.h what to do, and
 * does it, each step logged with the figures: recycles the worker that
 * grew most (keel_pool_relieve), and sets the level the pools and the
 * dispatcher read in env->memory_now (hold: no worker beyond the
 * minimum; shed: new PHP requests get 503). It also reports OOM kills the
 * kernel did in the group, with the steps off too. Without a cgroup
 * limit it only does that.
 */
#ifndef KEEL_FRONT_MEMORY_GUARD_H
#define KEEL_FRONT_MEMORY_GUARD_H

#include <stdbool.h>
#include <stdint.h>

#include <h2o.h>

#include "front/env.h"
#include "supervisor/cgroup.h"
#include "supervisor/pressure.h"

#define KEEL_MEMORY_GUARD_MS 100

typedef struct {
    keel_front_env_t *env;
    const keel_cgroup_t *cgroup; /* NULL: nothing to guard */
    h2o_linklist_t *generations; /* the front's: whose workers may be recycled */
    keel_pressure_limits_t limits;
    keel_pressure_t state;
    keel_cgroup_sample_t last; /* the figures of the last look */
    uint64_t working_set;
    unsigned permille;
    uint64_t looks;
    bool nothing_said;    /* "nothing to recycle" was logged at this level */
    uint64_t shmem_files; /* the application's shared memory, from the slower look (front/memory.c), for the log */
    h2o_timeout_t timeout;
    h2o_timeout_entry_t entry;
    bool started;
} keel_memory_guard_t;

/* Starts looking every KEEL_MEMORY_GUARD_MS on env's loop. */
void keel_memory_guard_start(keel_memory_guard_t *g, keel_front_env_t *env, const keel_cgroup_t *cgroup,
                             h2o_linklist_t *generations);
void keel_memory_guard_stop(keel_memory_guard_t *g);

#endif
