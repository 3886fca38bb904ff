/*
 * The memory the front governs as a whole: the limit that applies (cgroup
 * v2, v1, else the machine), the budget the pool must fit in, and the
 * memory-backed filesystems (tmpfs) PHP writes to. The figures and the
 * arithmetic are supervisor/meminfo.h and supervisor/budget.h; this reads
 * them at the right moments and logs what they say.
 */
#ifndef KEEL_FRONT_MEMORY_H
#define KEEL_FRONT_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "front/generation.h"
#include "supervisor/budget.h"
#include "supervisor/meminfo.h"

#define KEEL_TMPFS_WATCHED 8

typedef struct {
    keel_mem_limit_t limit;
    keel_budget_input_t budget_in;
    keel_budget_t budget;
    bool budget_known;
    struct {
        char path[512];  /* a memory-backed mount the application writes to */
        uint64_t used;   /* bytes, at the last look */
        uint64_t warned; /* usage when growth was last reported */
    } tmpfs[KEEL_TMPFS_WATCHED];
    unsigned tmpfs_count;
    uint64_t last_check_ms;
} keel_memory_t;

/* The first generation's PHP settings are known: decide the pool size
 * (--workers auto: writes cfg->workers), find the tmpfs PHP writes to, log
 * the budget and refuse an overcommitted one. Returns 0, or -1 with the
 * arithmetic in err. */
int keel_memory_budget(keel_memory_t *m, keel_config_t *cfg, const keel_generation_t *g, char *err, size_t errlen);

/* Periodic (every few seconds at most): tmpfs usage (warned when it
 * grows), the limit's current use, and the precise private memory of the
 * serving generation's idle workers. */
void keel_memory_tick(keel_memory_t *m, keel_generation_t *active);

#endif
