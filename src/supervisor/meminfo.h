/*
 * Reading the memory limit that applies to this process and what is
 * memory-backed on disk. Parsers are pure (and fuzzed); the readers are
 * thin wrappers that open the files.
 */
#ifndef KEEL_SUPERVISOR_MEMINFO_H
#define KEEL_SUPERVISOR_MEMINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* --- pure parsers (text is NUL-terminated file content) --- */

/* cgroup v2 memory.max / memory.current: "max\n" -> UINT64_MAX, "123\n" -> 123. Returns 0 or -1. */
int keel_cgroup_parse_value(const char *text, uint64_t *out);

/* cgroup v1 memory.limit_in_bytes: values at or above 2^62 (the kernel's
 * "unlimited", page-rounded LONG_MAX) mean none -> UINT64_MAX. Returns 0 or -1. */
int keel_cgroup_v1_parse_limit(const char *text, uint64_t *out);

/* /proc/self/cgroup: the path of the v2 unified hierarchy ("0::/a/b") or,
 * when v2 is false, of the v1 memory controller ("4:memory:/a/b").
 * Writes the path (without newline) into out. Returns 0 or -1 when absent. */
int keel_proc_cgroup_path(const char *text, int v2, char *out, size_t outlen);

/* /proc/meminfo: MemTotal in bytes. Returns 0 or -1. */
int keel_meminfo_total(const char *text, uint64_t *out);

/* Any "Name:   123 kB" line of /proc/meminfo or smaps_rollup, in bytes
 * ("kB" is 1024; a bare number is taken as bytes). Returns 0 or -1. */
int keel_meminfo_field(const char *text, const char *name, uint64_t *out);

typedef struct {
    char mountpoint[512]; /* unescaped (\040 -> space) */
    char fstype[32];
    char upperdir[256]; /* overlay: its upperdir= option (unescaped), "" when none or too long */
    unsigned dev_major, dev_minor;
    bool read_only;     /* mounted "ro": nothing can write there */
    bool upperdir_seen; /* an upperdir= option was there (even one too long to keep) */
} keel_mount_t;

/* One line of /proc/self/mountinfo (up to its '\n' or NUL). Returns 1 when
 * it is a memory-backed filesystem (tmpfs, ramfs), 0 for another
 * filesystem, -1 when malformed (including a mount point too long for
 * `mountpoint`; an over-long fstype is cut short, never mistaken for tmpfs).
 * `out` always holds NUL-terminated strings afterwards. */
int keel_mountinfo_parse_line(const char *line, keel_mount_t *out);

/*
 * Whether mounts[i] keeps its files in memory, given the other mounts:
 * tmpfs, ramfs, and rootfs (the initramfs root) always; overlay when its
 * upper layer (upperdir=) lies on a memory-backed mount of the table, or
 * when it shows no upper layer at all (gVisor's in-sandbox overlay, whose
 * upper layer is memory unless configured otherwise). Pure.
 */
bool keel_mount_is_memory(const keel_mount_t *mounts, size_t count, size_t i);

/* Index of the mount holding `path` (longest mountpoint prefix on a path
 * component boundary; of equal ones the last, which mounted over the
 * others), or -1. */
int keel_mount_find(const keel_mount_t *mounts, size_t count, const char *path);

/* /proc/PID/smaps_rollup: Private_Clean + Private_Dirty in bytes
 * (Pss_Anon where present is not used: private is what recycling needs). Returns 0 or -1. */
int keel_smaps_rollup_private(const char *text, uint64_t *out);

/* --- readers (I/O) --- */

/* Reads a whole small file (/proc, cgroup) into buf as a string. Returns
 * 0, or -1 when it cannot be read or does not fit in cap - 1 bytes: a
 * cut-off file could say something else than the whole. */
int keel_read_text(const char *path, char *buf, size_t cap);

/* Private_Clean + Private_Dirty of process pid, from its smaps_rollup
 * (which walks every mapping: too costly to read per request). Returns 0,
 * or -1 when it cannot be read. */
int keel_private_precise_read(pid_t pid, uint64_t *out);

typedef struct {
    uint64_t limit;       /* bytes; UINT64_MAX when nothing limits */
    uint64_t current;     /* bytes in use by the group (or the machine); 0 when unreadable */
    char source[96];      /* "cgroup v2 memory.max", "cgroup v1 memory.limit_in_bytes", "physical memory" */
    char cgroup_dir[512]; /* where the figures were read, "" for physical memory */
} keel_mem_limit_t;

/* cgroup v2 first (root = /sys/fs/cgroup), then v1 (/sys/fs/cgroup/memory),
 * else /proc/meminfo. `cgroup_root` overrides /sys/fs/cgroup for tests
 * (NULL for the real one). Returns 0, or -1 when nothing could be read.
 * A thin wrapper reading /proc/self/cgroup and /proc/meminfo for
 * keel_mem_limit_read_from(). */
int keel_mem_limit_read(keel_mem_limit_t *out, const char *cgroup_root);

/*
 * The same decision from given texts: `proc_self_cgroup_text` (the content
 * of /proc/self/cgroup, or NULL to skip cgroups) names the group; its
 * figures are read under `cgroup_root` (NULL: /sys/fs/cgroup), at
 * <root><path>/memory.max for v2 and <root>/memory<path>/memory.limit_in_bytes
 * for v1, or at the root of the hierarchy when the group's file is missing
 * (a container sees its own group mounted there) or its path leaves the
 * namespace ("/.."). A group limit of "max" / v1's unlimited counts as no
 * limit: the next source is tried. `meminfo_text` (/proc/meminfo, or NULL)
 * gives physical memory (limit MemTotal, current MemTotal - MemAvailable);
 * it also caps a cgroup limit above it, since RAM then runs out first.
 * Returns 0, or -1 when neither gave a figure.
 */
int keel_mem_limit_read_from(keel_mem_limit_t *out, const char *proc_self_cgroup_text, const char *cgroup_root,
                             const char *meminfo_text);

/*
 * The mounts where the application can keep files in memory, from
 * /proc/self/mountinfo (`path` NULL) or a given file: memory-backed
 * (keel_mount_is_memory), writable, not under /proc or /sys, one per
 * filesystem (a bind mount of one already listed, or a mount point
 * mounted over, counts once: the one on top). Returns how many were
 * stored (at most max), or -1. Allocates its scratch table.
 */
int keel_memory_mounts_read(keel_mount_t *out, size_t max, const char *path);

/* Bytes used on the filesystem mounted at mountpoint (statvfs); 0 when it
 * cannot be read. */
uint64_t keel_fs_used_bytes(const char *mountpoint);

#endif
