#include "supervisor/cgroup.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "supervisor/meminfo.h"

#define DEFAULT_CGROUP_ROOT "/sys/fs/cgroup"

/* --- pure parsers --- */

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Decimal digits at *p up to the end of the line; -1 on none, overflow or
 * anything else on the line. */
static int
line_u64(const char *p, uint64_t *out)
{
    uint64_t v = 0;
    if (!is_digit(*p))
        return -1;
    for (; is_digit(*p); p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    while (*p == ' ' || *p == '\t' || *p == '\r')
        p++;
    if (*p != '\n' && *p != '\0')
        return -1;
    *out = v;
    return 0;
}

int
keel_cgroup_kv(const char *text, const char *key, uint64_t *out)
{
    if (text == NULL || key == NULL || key[0] == '\0')
        return -1;
    size_t klen = strlen(key);
    for (const char *line = text; *line != '\0';) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ' ')
            return line_u64(line + klen + 1, out);
        const char *nl = strchr(line, '\n');
        if (nl == NULL)
            break;
        line = nl + 1;
    }
    return -1;
}

int
keel_psi_avg10(const char *text, const char *kind, unsigned *out_centi)
{
    if (text == NULL || kind == NULL || kind[0] == '\0')
        return -1;
    size_t klen = strlen(kind);
    for (const char *line = text; *line != '\0';) {
        if (strncmp(line, kind, klen) == 0 && strncmp(line + klen, " avg10=", 7) == 0) {
            const char *p = line + klen + 7;
            unsigned whole = 0, frac = 0, digits = 0;
            if (!is_digit(*p))
                return -1;
            /* a share of time: at most 100.00 */
            for (; is_digit(*p); p++) {
                whole = whole * 10 + (unsigned)(*p - '0');
                if (whole > 100)
                    return -1;
            }
            if (*p == '.') {
                for (p++; is_digit(*p); p++) {
                    if (digits < 2)
                        frac = frac * 10 + (unsigned)(*p - '0');
                    digits++;
                }
                if (digits == 0)
                    return -1;
            }
            if (digits == 1)
                frac *= 10;
            if (*p != ' ' && *p != '\n' && *p != '\0')
                return -1;
            if (whole * 100 + frac > 10000)
                return -1;
            *out_centi = whole * 100 + frac;
            return 0;
        }
        const char *nl = strchr(line, '\n');
        if (nl == NULL)
            break;
        line = nl + 1;
    }
    return -1;
}

/* --- locating the group --- */

static bool
exists(const char *dir, const char *file)
{
    char path[600];
    int n = snprintf(path, sizeof(path), "%s/%s", dir, file);
    return n > 0 && (size_t)n < sizeof(path) && access(path, F_OK) == 0;
}

/* Whether a cgroup path climbs out of the namespace root. */
static bool
leaves_root(const char *path)
{
    for (const char *s = path; *s != '\0';) {
        while (*s == '/')
            s++;
        const char *e = strchr(s, '/');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len == 2 && s[0] == '.' && s[1] == '.')
            return true;
        s += len;
    }
    return false;
}

/* <top><group>, or <top> itself, whichever holds `probe`. */
static int
pick_dir(keel_cgroup_t *cg, int version, const char *top, const char *group, const char *probe)
{
    char dir[sizeof(cg->dir)];
    if (strcmp(group, "/") == 0)
        group = "";
    for (int attempt = 0; attempt < 2; attempt++) {
        const char *g = attempt == 0 ? group : "";
        if (attempt == 0 && leaves_root(g))
            continue;
        int n = snprintf(dir, sizeof(dir), "%s%s", top, g);
        if (n < 0 || (size_t)n >= sizeof(dir) || !exists(dir, probe))
            continue;
        cg->version = version;
        memcpy(cg->dir, dir, sizeof(cg->dir));
        cg->top_len = strlen(top);
        return 0;
    }
    return -1;
}

int
keel_cgroup_locate(keel_cgroup_t *cg, const char *proc_self_cgroup_text, const char *cgroup_root)
{
    const char *root = cgroup_root ? cgroup_root : DEFAULT_CGROUP_ROOT;
    char group[sizeof(cg->dir)], top[sizeof(cg->dir)];
    memset(cg, 0, sizeof(*cg));
    if (proc_self_cgroup_text == NULL)
        return -1;
    /* v2 first: on a hybrid machine the memory controller stays bound to
     * v1, and the unified group then has no memory.current. */
    if (keel_proc_cgroup_path(proc_self_cgroup_text, 1, group, sizeof(group)) == 0 &&
        pick_dir(cg, 2, root, group, "memory.current") == 0)
        return 0;
    int n = snprintf(top, sizeof(top), "%s/memory", root);
    if (n > 0 && (size_t)n < sizeof(top) &&
        keel_proc_cgroup_path(proc_self_cgroup_text, 0, group, sizeof(group)) == 0 &&
        pick_dir(cg, 1, top, group, "memory.usage_in_bytes") == 0)
        return 0;
    memset(cg, 0, sizeof(*cg));
    return -1;
}

int
keel_cgroup_locate_self(keel_cgroup_t *cg, const char *cgroup_root)
{
    char text[16384];
    if (keel_read_text("/proc/self/cgroup", text, sizeof(text)) != 0) {
        memset(cg, 0, sizeof(*cg));
        return -1;
    }
    return keel_cgroup_locate(cg, text, cgroup_root);
}

/* --- sampling --- */

static int
read_file(const keel_cgroup_t *cg, const char *dir, const char *file, char *buf, size_t cap)
{
    char path[sizeof(cg->dir) + 64];
    int n = snprintf(path, sizeof(path), "%s/%s", dir, file);
    if (n < 0 || (size_t)n >= sizeof(path))
        return -1;
    return keel_read_text(path, buf, cap);
}

/* The smallest limit on the way from the group up to the hierarchy's
 * root: a parent's limit binds its children too. */
static uint64_t
read_limit(const keel_cgroup_t *cg)
{
    const char *file = cg->version == 2 ? "memory.max" : "memory.limit_in_bytes";
    int (*parse)(const char *, uint64_t *) = cg->version == 2 ? keel_cgroup_parse_value : keel_cgroup_v1_parse_limit;
    char dir[sizeof(cg->dir)], text[64];
    uint64_t limit = UINT64_MAX;
    memcpy(dir, cg->dir, sizeof(dir));
    size_t len = strnlen(dir, sizeof(dir));
    for (;;) {
        uint64_t v;
        if (read_file(cg, dir, file, text, sizeof(text)) == 0 && parse(text, &v) == 0 && v < limit)
            limit = v;
        if (len <= cg->top_len)
            break;
        while (len > cg->top_len && dir[len - 1] != '/')
            len--;
        if (len > cg->top_len)
            len--; /* the '/' before the last component */
        dir[len] = '\0';
    }
    return limit;
}

static void
read_stat(const keel_cgroup_t *cg, keel_cgroup_sample_t *out)
{
    char text[8192];
    if (read_file(cg, cg->dir, "memory.stat", text, sizeof(text)) != 0)
        return;
    /* v1 counts the group alone in "shmem" and with its children in
     * "total_shmem"; v2's figures include the children already. */
    const char *shmem = cg->version == 1 ? "total_shmem" : "shmem";
    const char *inactive = cg->version == 1 ? "total_inactive_file" : "inactive_file";
    if (keel_cgroup_kv(text, shmem, &out->shmem) == 0) {
        out->shmem_source = cg->version == 1 ? "cgroup v1 memory.stat total_shmem" : "cgroup v2 memory.stat shmem";
    } else if (cg->version == 1 && keel_cgroup_kv(text, "shmem", &out->shmem) == 0) {
        out->shmem_source = "cgroup v1 memory.stat shmem";
    } else {
        return;
    }
    if (keel_cgroup_kv(text, inactive, &out->inactive_file) != 0 &&
        keel_cgroup_kv(text, "inactive_file", &out->inactive_file) != 0)
        out->inactive_file = 0;
    uint64_t hier;
    if (cg->version == 1 && keel_cgroup_kv(text, "hierarchical_memory_limit", &hier) == 0) {
        uint64_t v;
        char num[32];
        snprintf(num, sizeof(num), "%llu", (unsigned long long)hier);
        if (keel_cgroup_v1_parse_limit(num, &v) == 0 && v < out->limit)
            out->limit = v;
    }
    out->have_stat = true;
}

static void
read_events(const keel_cgroup_t *cg, keel_cgroup_sample_t *out)
{
    char text[1024];
    if (cg->version == 2) {
        if (read_file(cg, cg->dir, "memory.events", text, sizeof(text)) == 0 &&
            keel_cgroup_kv(text, "oom_kill", &out->oom_kills) == 0) {
            if (keel_cgroup_kv(text, "max", &out->max_events) != 0)
                out->max_events = 0;
            out->have_events = true;
        }
        unsigned centi;
        if (read_file(cg, cg->dir, "memory.pressure", text, sizeof(text)) == 0 &&
            keel_psi_avg10(text, "some", &centi) == 0)
            out->psi_some_centi = (int)centi;
        return;
    }
    /* v1 counts OOM kills since 4.13; PSI there is the machine's, not
     * the group's, so it is not used. */
    if (read_file(cg, cg->dir, "memory.oom_control", text, sizeof(text)) == 0 &&
        keel_cgroup_kv(text, "oom_kill", &out->oom_kills) == 0)
        out->have_events = true;
}

int
keel_cgroup_sample(const keel_cgroup_t *cg, unsigned what, keel_cgroup_sample_t *out)
{
    memset(out, 0, sizeof(*out));
    out->limit = UINT64_MAX;
    out->psi_some_centi = -1;
    if (cg == NULL || (cg->version != 1 && cg->version != 2))
        return -1;
    if (what & KEEL_CGROUP_USAGE) {
        char text[64];
        uint64_t v;
        out->limit = read_limit(cg);
        if (read_file(cg, cg->dir, cg->version == 2 ? "memory.current" : "memory.usage_in_bytes", text, sizeof(text)) ==
                0 &&
            keel_cgroup_parse_value(text, &v) == 0 && v != UINT64_MAX) {
            out->usage = v;
            out->have_usage = true;
        }
    }
    if (what & KEEL_CGROUP_STAT)
        read_stat(cg, out);
    if (what & KEEL_CGROUP_EVENTS)
        read_events(cg, out);
    return (what & KEEL_CGROUP_USAGE) && !out->have_usage ? -1 : 0;
}

uint64_t
keel_cgroup_working_set(const keel_cgroup_sample_t *s)
{
    return s->usage > s->inactive_file ? s->usage - s->inactive_file : 0;
}
