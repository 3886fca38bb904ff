/*
 * The container's memory as its cgroup keeps it: where the group is
 * (v2 unified, else the v1 memory controller), and its figures: limit,
 * usage, the page cache the kernel reclaims first, shared memory (tmpfs,
 * shm), OOM kills, and the v2 pressure (PSI). Parsers are pure and
 * fuzzed (tests/fuzz/fuzz_meminfo.c); the readers are thin.
 */
#ifndef KEEL_SUPERVISOR_CGROUP_H
#define KEEL_SUPERVISOR_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- pure parsers (text is NUL-terminated file content) --- */

/* The value of `key` in "key value" lines (memory.stat, memory.events,
 * memory.oom_control). Returns 0, or -1 when the key is absent or its
 * value is not a whole number. */
int keel_cgroup_kv(const char *text, const char *key, uint64_t *out);

/* A PSI file (cgroup v2 memory.pressure, /proc/pressure/memory): the
 * avg10 of its `kind` line ("some" or "full"), in hundredths of a percent
 * ("avg10=12.34" -> 1234). Returns 0 or -1. */
int keel_psi_avg10(const char *text, const char *kind, unsigned *out_centi);

/* --- the group --- */

typedef struct {
    int version;    /* 2 or 1 */
    char dir[512];  /* the group's directory */
    size_t top_len; /* length of the hierarchy's root within dir: limits are looked for up to there */
} keel_cgroup_t;

/*
 * The memory cgroup of a process whose /proc/self/cgroup is
 * `proc_self_cgroup_text`, under `cgroup_root` (NULL: /sys/fs/cgroup):
 * v2 when <root><path>/memory.current exists, else v1 at
 * <root>/memory<path>; the root of the hierarchy when the group's own
 * directory is not visible (a container sees its group there) or its
 * path leaves the namespace. Returns 0, or -1 when neither exists.
 */
int keel_cgroup_locate(keel_cgroup_t *cg, const char *proc_self_cgroup_text, const char *cgroup_root);
/* The same for this process (reads /proc/self/cgroup). */
int keel_cgroup_locate_self(keel_cgroup_t *cg, const char *cgroup_root);

/* What keel_cgroup_sample reads: each costs a file or two. */
#define KEEL_CGROUP_USAGE  0x1u /* limit and usage: cheap enough to read every 100 ms */
#define KEEL_CGROUP_STAT   0x2u /* memory.stat: inactive file cache, shared memory */
#define KEEL_CGROUP_EVENTS 0x4u /* OOM kills, limit hits, pressure */

typedef struct {
    uint64_t limit;         /* the group's or an ancestor's, the smallest; UINT64_MAX: none */
    uint64_t usage;         /* memory.current, memory.usage_in_bytes */
    uint64_t inactive_file; /* page cache the kernel reclaims before it OOM-kills */
    uint64_t shmem;         /* tmpfs and shm files, and shared anonymous memory, charged to the group */
    uint64_t oom_kills;     /* processes the OOM killer killed in the group, so far */
    uint64_t max_events;    /* v2: times usage hit memory.max, so far (0 on v1) */
    int psi_some_centi;     /* v2 memory.pressure "some" avg10 x 100; -1 when not known */
    bool have_usage, have_stat, have_events;
    const char *shmem_source; /* "memory.stat total_shmem", ...: where shmem came from */
} keel_cgroup_sample_t;

/* Reads the figures `what` asks for; those it could not read keep their
 * have_* flag false (limit UINT64_MAX, psi -1). Returns 0 when at least
 * the usage (if asked) was read, else -1. */
int keel_cgroup_sample(const keel_cgroup_t *cg, unsigned what, keel_cgroup_sample_t *out);

/* The working set: usage less the inactive file cache (what kubelet and
 * cAdvisor compare with the limit), never below 0. */
uint64_t keel_cgroup_working_set(const keel_cgroup_sample_t *s);

#endif
