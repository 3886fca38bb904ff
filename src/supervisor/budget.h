/*
 * The memory budget: does the configured pool fit the memory limit that
 * applies (container or machine)? Pure arithmetic over figures read
 * elsewhere (src/supervisor/meminfo.c), with a readable explanation.
 */
#ifndef KEEL_SUPERVISOR_BUDGET_H
#define KEEL_SUPERVISOR_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Headroom the budget keeps free under the limit. */
#define KEEL_BUDGET_RESERVE_BYTES (64ull << 20)

typedef struct {
    uint64_t opcache_bytes;    /* opcache.memory_consumption + interned_strings_buffer */
    uint64_t front_bytes;      /* the front process */
    uint64_t zygote_bytes;     /* the zygote process */
    uint64_t per_worker_bytes; /* max_worker_memory, else PHP's memory_limit */
    uint64_t reserve_bytes;    /* headroom kept free */
    uint64_t tmpfs_bytes;      /* already used on memory-backed filesystems the app writes to */
    unsigned workers;
} keel_budget_input_t;

typedef struct {
    uint64_t needed;      /* sum of everything above for `workers` workers (saturates at UINT64_MAX) */
    uint64_t limit;       /* the limit it is compared with (UINT64_MAX: none) */
    bool fits;            /* needed <= limit */
    unsigned max_workers; /* the most workers that fit (0 if not even one; UINT_MAX when
                             unbounded: no limit, or per_worker_bytes 0) */
} keel_budget_t;

keel_budget_t keel_budget_compute(const keel_budget_input_t *in, uint64_t limit);

/*
 * One readable line with the arithmetic, e.g.
 * "memory budget: limit 2.0 GiB (cgroup v2 memory.max); needed 1.6 GiB = opcache 192 MiB + front 8 MiB
 *  + zygote 24 MiB + 8 workers x 128 MiB + tmpfs 10 MiB + reserve 64 MiB; fits (room for 11 workers)"
 * With no limit (UINT64_MAX) it reads "memory budget: no limit (...)" and
 * "(no limit on workers)". `source` names where the limit came from.
 * Returns snprintf's result.
 */
int keel_budget_format(char *buf, size_t len, const keel_budget_input_t *in, const keel_budget_t *b,
                       const char *source);

/* `--workers auto`: the smaller of 2 x cpus and the memory-based count,
 * at least 1. */
unsigned keel_workers_auto(unsigned cpus, const keel_budget_input_t *in, uint64_t limit);

/* Formats bytes in binary units as "512 B", "64 KiB", "1.5 MiB", "2.0 GiB"
 * into buf: GiB and larger always with one decimal, KiB and MiB with one
 * decimal only when not a whole number of the unit. Returns buf. */
const char *keel_format_bytes(char *buf, size_t len, uint64_t bytes);

#endif
