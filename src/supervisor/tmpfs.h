/*
 * Files that are memory: what keel decides about tmpfs and shared memory.
 * How much of the container's shared memory the application's files
 * hold (the cgroup's figure less OPcache's segment and keel's own), when
 * a figure has grown enough to warn, and which directories under a mount
 * grew most between two walks (src/supervisor/dirwalk.h takes them).
 * Pure: no I/O.
 */
#ifndef KEEL_SUPERVISOR_TMPFS_H
#define KEEL_SUPERVISOR_TMPFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- the container's shared memory --- */

typedef struct {
    uint64_t total;   /* the cgroup's shmem figure */
    uint64_t opcache; /* of it, OPcache's segments (resident part, every live generation) */
    uint64_t keel;    /* of it, keel's own shared memory (claim slots) */
    uint64_t files;   /* the rest: tmpfs and shm files, System V or POSIX shared memory of the application */
} keel_shmem_split_t;

/* Splits the cgroup's shmem figure: what OPcache and keel hold is counted
 * once, as theirs; the application's files are what is left (never below
 * 0: the parts are estimates read at other moments). */
keel_shmem_split_t keel_shmem_split(uint64_t total, uint64_t opcache_resident, uint64_t keel_own);

/* --- growth worth a warning --- */

typedef struct {
    uint64_t base_bytes; /* the figure growth is measured from */
    uint64_t base_ms;    /* when it was that */
    bool started;
} keel_growth_watch_t;

typedef struct {
    bool warn;        /* grew by the threshold or more since the base */
    uint64_t from;    /* the base */
    uint64_t grew;    /* bytes since the base */
    uint64_t over_ms; /* time since the base */
} keel_growth_t;

/*
 * Looks at a new figure. The base follows the figure down (growth counts
 * from the lowest point) and, once a warning is due, moves to the new
 * figure: the next warning needs as much growth again. The first look
 * only sets the base.
 */
keel_growth_t keel_growth_check(keel_growth_watch_t *w, uint64_t bytes, uint64_t now_ms, uint64_t threshold);

/* "grew 120 MiB in 60 s" (or "in 1.5 s", "in 3 min"): the growth and
 * the time it took, for the warnings. Returns buf. */
const char *keel_growth_format(char *buf, size_t len, uint64_t grew, uint64_t over_ms);
/* "60 s", "1.5 s", "3 min": the time part of it. Returns buf. */
const char *keel_span_format(char *buf, size_t len, uint64_t ms);

/* --- directories under a mount --- */

#define KEEL_DIRS_MAX   64  /* directories a walk keeps, the largest */
#define KEEL_DIR_PATH   192 /* a kept directory's path under its mount */
#define KEEL_DIRS_DEPTH 3   /* how deep below the mount directories are kept */

typedef struct {
    char path[KEEL_DIR_PATH]; /* under the mount, without a leading '/'; "" for the mount itself */
    unsigned depth;           /* 0 for the mount itself, 1 for its entries, ... */
    uint64_t bytes;           /* what its files take (st_blocks), subdirectories included; depth 0: only
                                 the files directly in the mount */
} keel_dir_bytes_t;

typedef struct {
    keel_dir_bytes_t dirs[KEEL_DIRS_MAX];
    size_t count;
    uint64_t total;   /* every file seen, all depths */
    uint64_t entries; /* entries looked at */
    bool truncated;   /* the time or entry budget ran out: figures are too low */
    bool sampled;     /* some directory's files were sampled and scaled up */
} keel_dir_table_t;

typedef struct {
    const char *path; /* into the later table */
    uint64_t grew;    /* bytes more than in the earlier one (all of it when it is new) */
    uint64_t bytes;   /* what it takes now */
} keel_dir_growth_t;

/*
 * The directories that grew most from `before` to `after`, largest growth
 * first, at most max: from the mount's own entries down, a directory
 * gives way to a child that holds 80% or more of its growth, and no
 * directory is listed with one of its ancestors or descendants. Growth
 * under 1 MiB, or under a twentieth of the largest, is left out.
 * `before` may be NULL (growth since nothing: the largest). Returns how
 * many were written.
 */
size_t keel_dir_growth_top(const keel_dir_table_t *before, const keel_dir_table_t *after, keel_dir_growth_t *out,
                           size_t max);

#endif
