/*
 * Fuzzes the /proc and cgroup parsers in src/supervisor/meminfo.c and
 * src/supervisor/cgroup.c: the input is taken as each kind of file at once
 * (cgroup value, v1 limit, /proc/self/cgroup, /proc/meminfo, smaps_rollup,
 * memory.stat, memory.events, memory.oom_control, PSI) and, line by line,
 * as /proc/self/mountinfo. The kernel writes these files, but a container
 * runtime or a bind mount can put anything there, so outputs are checked
 * for termination, bounds and the promises in the header.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "supervisor/cgroup.h"
#include "supervisor/meminfo.h"

#define MAX_MOUNTS 32

/* n bytes as an exact-size NUL-terminated string. */
static char *
dup_str(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    CHECK(s != NULL);
    if (n)
        memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static void
check_values(const char *text)
{
    uint64_t v;
    if (keel_cgroup_parse_value(text, &v) == 0) {
        /* Only "max" or digits are numbers. */
        CHECK(strncmp(text, "max", 3) == 0 || (text[0] >= '0' && text[0] <= '9'));
        if (text[0] >= '0' && text[0] <= '9') {
            uint64_t w;
            CHECK(keel_cgroup_v1_parse_limit(text, &w) == 0);
            CHECK(w == (v >= ((uint64_t)1 << 62) ? UINT64_MAX : v));
        }
    }
    if (keel_cgroup_v1_parse_limit(text, &v) == 0)
        CHECK(v < ((uint64_t)1 << 62) || v == UINT64_MAX);
}

static void
check_cgroup_path(const char *text, int v2)
{
    /* Exact-size heap buffers, so a write past outlen is caught. */
    const size_t sizes[] = {1, 2, 16, 300};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        char *out = malloc(sizes[i]);
        CHECK(out != NULL);
        if (keel_proc_cgroup_path(text, v2, out, sizes[i]) == 0) {
            size_t len = strnlen(out, sizes[i]);
            CHECK(len < sizes[i]);
            CHECK(len > 0);
            CHECK(memchr(out, '\n', len) == NULL);
            CHECK(strstr(text, out) != NULL);
        }
        free(out);
    }
}

static void
check_meminfo(const char *text)
{
    uint64_t v, w;
    if (keel_meminfo_total(text, &v) == 0)
        CHECK(strstr(text, "MemTotal:") != NULL);
    if (keel_meminfo_field(text, "MemAvailable", &v) == 0)
        CHECK(strstr(text, "MemAvailable:") != NULL);
    if (keel_smaps_rollup_private(text, &v) == 0) {
        CHECK(keel_meminfo_field(text, "Private_Clean", &w) == 0);
        CHECK(w <= v);
        CHECK(keel_meminfo_field(text, "Private_Dirty", &w) == 0);
        CHECK(w <= v);
    }
}

static void
check_cgroup_files(const char *text)
{
    static const char *const keys[] = {"shmem", "total_shmem", "inactive_file", "oom_kill", "max", "x"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        uint64_t v;
        if (keel_cgroup_kv(text, keys[i], &v) == 0) {
            /* the key starts a line and is followed by a space */
            const char *at = strstr(text, keys[i]);
            CHECK(at != NULL);
        }
    }
    unsigned c;
    if (keel_psi_avg10(text, "some", &c) == 0)
        CHECK(c <= 10000 && strstr(text, "some avg10=") != NULL);
    if (keel_psi_avg10(text, "full", &c) == 0)
        CHECK(c <= 10000 && strstr(text, "full avg10=") != NULL);
}

static void
check_mount_strings(const keel_mount_t *m)
{
    CHECK(strnlen(m->mountpoint, sizeof(m->mountpoint)) < sizeof(m->mountpoint));
    CHECK(strnlen(m->fstype, sizeof(m->fstype)) < sizeof(m->fstype));
    CHECK(strnlen(m->upperdir, sizeof(m->upperdir)) < sizeof(m->upperdir));
    /* an upper layer is only kept when the option was there */
    CHECK(m->upperdir[0] == '\0' || m->upperdir_seen);
}

/* Each line as an exact-size string; returns how many mounts were kept. */
static size_t
check_mountinfo(const uint8_t *data, size_t size, keel_mount_t *mounts)
{
    size_t kept = 0, start = 0;
    while (start <= size) {
        const uint8_t *nl = memchr(data + start, '\n', size - start);
        size_t end = nl ? (size_t)(nl - data) : size;
        char *line = dup_str(data + start, end - start);

        keel_mount_t m;
        int r = keel_mountinfo_parse_line(line, &m);
        CHECK(r >= -1 && r <= 1);
        check_mount_strings(&m);
        if (r == -1) {
            CHECK(m.mountpoint[0] == '\0');
        } else {
            CHECK(m.mountpoint[0] == '/');
            CHECK(strstr(line, " - ") != NULL);
            if (r == 1)
                CHECK(strcmp(m.fstype, "tmpfs") == 0 || strcmp(m.fstype, "ramfs") == 0);
            if (kept < MAX_MOUNTS)
                mounts[kept++] = m;
        }
        /* The same line followed by its newline (and more) parses alike. */
        if (nl) {
            keel_mount_t m2;
            char *with_nl = dup_str(data + start, size - start);
            int r2 = keel_mountinfo_parse_line(with_nl, &m2);
            check_mount_strings(&m2);
            CHECK(r2 == r);
            CHECK(strcmp(m2.mountpoint, m.mountpoint) == 0);
            CHECK(strcmp(m2.fstype, m.fstype) == 0);
            CHECK(strcmp(m2.upperdir, m.upperdir) == 0);
            CHECK(m2.read_only == m.read_only && m2.dev_major == m.dev_major && m2.dev_minor == m.dev_minor);
            free(with_nl);
        }
        free(line);
        if (!nl)
            break;
        start = end + 1;
    }
    return kept;
}

static void
check_mount_find(const keel_mount_t *mounts, size_t n, const char *path)
{
    int i = keel_mount_find(mounts, n, path);
    CHECK(i >= -1 && i < (int)n);
    if (i < 0)
        return;
    const char *m = mounts[i].mountpoint;
    size_t len = strlen(m);
    CHECK(len > 0 && strncmp(path, m, len) == 0);
    CHECK(m[len - 1] == '/' || path[len] == '\0' || path[len] == '/');
    /* Nothing longer also holds it. */
    for (size_t j = 0; j < n; j++) {
        size_t l = strlen(mounts[j].mountpoint);
        if (l > len && strncmp(path, mounts[j].mountpoint, l) == 0)
            CHECK(mounts[j].mountpoint[l - 1] != '/' && path[l] != '\0' && path[l] != '/');
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = dup_str(data, size);

    check_values(text);
    check_cgroup_path(text, 1);
    check_cgroup_path(text, 0);
    check_meminfo(text);
    check_cgroup_files(text);

    keel_mount_t *mounts = malloc(MAX_MOUNTS * sizeof(*mounts));
    CHECK(mounts != NULL);
    size_t n = check_mountinfo(data, size, mounts);
    for (size_t i = 0; i < n; i++) {
        /* A mount point is held by itself or by one mounted on the same
         * point later. */
        check_mount_find(mounts, n, mounts[i].mountpoint);
        int j = keel_mount_find(mounts, n, mounts[i].mountpoint);
        CHECK(j >= (int)i && strcmp(mounts[j].mountpoint, mounts[i].mountpoint) == 0);
        /* memory by type is memory whatever the others are */
        bool mem = keel_mount_is_memory(mounts, n, i);
        if (strcmp(mounts[i].fstype, "tmpfs") == 0 || strcmp(mounts[i].fstype, "ramfs") == 0)
            CHECK(mem);
        if (strcmp(mounts[i].fstype, "overlay") != 0 && strcmp(mounts[i].fstype, "rootfs") != 0 &&
            strcmp(mounts[i].fstype, "tmpfs") != 0 && strcmp(mounts[i].fstype, "ramfs") != 0)
            CHECK(!mem);
    }
    CHECK(!keel_mount_is_memory(mounts, n, n));
    check_mount_find(mounts, n, text);
    free(mounts);

    /* The whole decision, with a cgroup root that does not exist: the
     * input is /proc/self/cgroup and /proc/meminfo at once. */
    keel_mem_limit_t lim;
    memset(&lim, 'X', sizeof(lim));
    if (keel_mem_limit_read_from(&lim, text, "/nonexistent/keel-fuzz-cgroup", text) == 0) {
        CHECK(lim.limit > 0);
        CHECK(strcmp(lim.source, "physical memory") == 0);
        CHECK(lim.cgroup_dir[0] == '\0');
        CHECK(lim.current <= lim.limit);
    }
    CHECK(strnlen(lim.source, sizeof(lim.source)) < sizeof(lim.source));
    CHECK(strnlen(lim.cgroup_dir, sizeof(lim.cgroup_dir)) < sizeof(lim.cgroup_dir));

    free(text);
    return 0;
}
