/*
 * The memory the front governs as a whole: the limit that applies (cgroup
 * v2, v1, else the machine) and the budget the pool must fit in, now as at
 * startup; the container's shared memory (the cgroup's figure, less
 * OPcache's segments and keel's own: the application's tmpfs files and
 * shm); every memory-backed mount the workers can write to, its usage,
 * and when it grows, the directories that grew most; and the pressure
 * guard (front/memory_guard.h). The figures and decisions are
 * supervisor/meminfo.h, cgroup.h, budget.h, tmpfs.h and dirwalk.h; this
 * reads them at the right moments, logs what they say and tells the pools
 * (through env->memory_now) how far they may grow.
 */
#ifndef KEEL_FRONT_MEMORY_H
#define KEEL_FRONT_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <h2o.h>

#include "common/config.h"
#include "front/env.h"
#include "front/generation.h"
#include "front/memory_guard.h"
#include "supervisor/budget.h"
#include "supervisor/cgroup.h"
#include "supervisor/meminfo.h"
#include "supervisor/tmpfs.h"

#define KEEL_MEMORY_MOUNTS 16
/* Directories named when a mount grows. */
#define KEEL_MEMORY_GREW 3

typedef struct {
    char path[512];
    char fstype[32];
    unsigned dev_major, dev_minor;
    uint64_t used; /* bytes, at the last look */
    bool php_dir;  /* it holds a directory PHP writes to (temp, uploads, sessions) */
    keel_growth_watch_t watch;
    keel_dir_table_t *walk; /* its directories at the last walk (owned); NULL before the first */
    uint64_t walked_ms;
    /* the last time it grew enough to warn */
    uint64_t warned_ms, grew_bytes, grew_over_ms;
    struct {
        char path[KEEL_DIR_PATH]; /* under the mount */
        uint64_t grew, bytes;
        uint64_t over_ms;
    } grew[KEEL_MEMORY_GREW];
    size_t grew_count;
} keel_memory_mount_t;

typedef struct {
    keel_front_env_t *env;
    keel_mem_limit_t limit;
    keel_budget_input_t budget_in;
    keel_budget_t budget;
    bool budget_known;
    keel_cgroup_t cgroup; /* the group keel runs in (v2, v1), when one was found */
    bool have_cgroup;
    keel_cgroup_sample_t sample; /* its figures at the last look (every few seconds) */
    bool sample_known;
    keel_shmem_split_t shmem; /* of its shared memory, what is whose */
    bool shmem_known;
    keel_growth_watch_t shmem_watch;
    keel_memory_mount_t mounts[KEEL_MEMORY_MOUNTS];
    unsigned mount_count;
    uint64_t last_check_ms;
    keel_memory_guard_t guard;
} keel_memory_t;

/* Finds the cgroup and starts the pressure guard on env's loop. */
void keel_memory_init(keel_memory_t *m, keel_front_env_t *env, h2o_linklist_t *generations);

/* The first generation's PHP settings are known: decide the pool size
 * (--workers auto, --max-workers auto: write cfg->workers and
 * cfg->max_workers), find the memory-backed mounts, log the budget and
 * refuse an overcommitted one. Returns 0, or -1 with the arithmetic in
 * err. */
int keel_memory_budget(keel_memory_t *m, keel_config_t *cfg, const keel_generation_t *g, char *err, size_t errlen);

/* Periodic (every few seconds at most): the cgroup's figures and shared
 * memory (warned when the application's grows), the mounts' usage (warned
 * when one grows, with the directories that grew most), the budget's room
 * now, and the precise private memory of the serving generation's idle
 * workers. */
void keel_memory_tick(keel_memory_t *m, keel_generation_t *active);

/* Frees what the watch holds (the walks) and stops the guard. */
void keel_memory_dispose(keel_memory_t *m);

#endif
