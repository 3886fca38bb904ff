#include "supervisor/meminfo.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define V1_UNLIMITED_FLOOR ((uint64_t)1 << 62)

/* --- pure parsers --- */

/* Reads one or more decimal digits at *p, advancing it. -1 on no digits or
 * overflow. */
static int
read_u64(const char **p, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    if (*s < '0' || *s > '9')
        return -1;
    while (*s >= '0' && *s <= '9') {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
        s++;
    }
    *p = s;
    *out = v;
    return 0;
}

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Whether only whitespace is left: the kernel ends these files with "\n",
 * and anything else after the value means it is not the file we think. */
static bool
only_blanks(const char *s)
{
    while (is_blank(*s))
        s++;
    return *s == '\0';
}

int
keel_cgroup_parse_value(const char *text, uint64_t *out)
{
    if (text == NULL)
        return -1;
    if (strncmp(text, "max", 3) == 0) {
        if (!only_blanks(text + 3))
            return -1;
        *out = UINT64_MAX;
        return 0;
    }
    const char *p = text;
    uint64_t v;
    if (read_u64(&p, &v) < 0 || !only_blanks(p))
        return -1;
    *out = v;
    return 0;
}

int
keel_cgroup_v1_parse_limit(const char *text, uint64_t *out)
{
    if (text == NULL)
        return -1;
    const char *p = text;
    uint64_t v;
    if (read_u64(&p, &v) < 0 || !only_blanks(p))
        return -1;
    /* Writing -1 leaves LONG_MAX rounded down to a page, which depends on
     * the page size; anything this large is no limit in practice. */
    *out = v >= V1_UNLIMITED_FLOOR ? UINT64_MAX : v;
    return 0;
}

/* Whether the comma-separated list [s, s + len) holds `name`. */
static bool
list_has(const char *s, size_t len, const char *name)
{
    size_t nlen = strlen(name);
    const char *end = s + len;
    while (s <= end) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        const char *item_end = comma ? comma : end;
        if ((size_t)(item_end - s) == nlen && memcmp(s, name, nlen) == 0)
            return true;
        if (!comma)
            break;
        s = comma + 1;
    }
    return false;
}

int
keel_proc_cgroup_path(const char *text, int v2, char *out, size_t outlen)
{
    if (text == NULL || outlen == 0)
        return -1;
    out[0] = '\0';
    const char *line = text;
    while (*line != '\0') {
        const char *nl = strchr(line, '\n');
        const char *end = nl ? nl : line + strlen(line);
        /* hierarchy-ID:controller-list:cgroup-path; the path may itself
         * hold ':', so only the first two separate. */
        const char *c1 = memchr(line, ':', (size_t)(end - line));
        const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - (c1 + 1))) : NULL;
        if (c2 != NULL && c2 + 1 < end) {
            const char *ctl = c1 + 1;
            size_t ctl_len = (size_t)(c2 - ctl);
            bool match;
            if (v2)
                match = c1 - line == 1 && line[0] == '0' && ctl_len == 0;
            else
                match = ctl_len > 0 && list_has(ctl, ctl_len, "memory");
            if (match) {
                size_t plen = (size_t)(end - (c2 + 1));
                if (plen >= outlen)
                    return -1;
                memcpy(out, c2 + 1, plen);
                out[plen] = '\0';
                return 0;
            }
        }
        if (!nl)
            break;
        line = nl + 1;
    }
    return -1;
}

int
keel_meminfo_field(const char *text, const char *name, uint64_t *out)
{
    if (text == NULL || name == NULL)
        return -1;
    size_t nlen = strlen(name);
    if (nlen == 0)
        return -1;
    const char *line = text;
    while (*line != '\0') {
        if (strncmp(line, name, nlen) == 0 && line[nlen] == ':') {
            const char *p = line + nlen + 1;
            while (*p == ' ' || *p == '\t')
                p++;
            uint64_t v;
            if (read_u64(&p, &v) < 0)
                return -1;
            while (*p == ' ' || *p == '\t')
                p++;
            if (strncmp(p, "kB", 2) == 0) {
                if (v > UINT64_MAX / 1024)
                    return -1;
                v *= 1024;
                p += 2;
            }
            while (*p == ' ' || *p == '\t' || *p == '\r')
                p++;
            if (*p != '\n' && *p != '\0')
                return -1;
            *out = v;
            return 0;
        }
        const char *nl = strchr(line, '\n');
        if (!nl)
            break;
        line = nl + 1;
    }
    return -1;
}

int
keel_meminfo_total(const char *text, uint64_t *out)
{
    return keel_meminfo_field(text, "MemTotal", out);
}

/* Splits the next space-separated field off *p (the kernel separates with
 * exactly one space). Returns its length, 0 at the end of the line or on an
 * empty field. */
static size_t
next_field(const char **p, const char *end, const char **field)
{
    const char *s = *p;
    if (s >= end)
        return 0;
    const char *sp = memchr(s, ' ', (size_t)(end - s));
    const char *fe = sp ? sp : end;
    *field = s;
    *p = sp ? sp + 1 : end;
    return (size_t)(fe - s);
}

static bool
all_digits(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static bool
is_octal(char c)
{
    return c >= '0' && c <= '7';
}

/* Undoes the kernel's mangling of " \t\n\\" as \ooo. -1 on a stray
 * backslash, an escaped NUL, or no room. */
static int
unescape(const char *s, size_t len, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '\\') {
            if (len - i < 4 || !is_octal(s[i + 1]) || !is_octal(s[i + 2]) || !is_octal(s[i + 3]))
                return -1;
            unsigned v = (unsigned)(s[i + 1] - '0') * 64 + (unsigned)(s[i + 2] - '0') * 8 + (unsigned)(s[i + 3] - '0');
            if (v == 0 || v > 0xff)
                return -1;
            c = (char)v;
            i += 3;
        }
        if (o + 1 >= outlen)
            return -1;
        out[o++] = c;
    }
    out[o] = '\0';
    return 0;
}

static bool
field_is(const char *f, size_t len, const char *lit)
{
    return len == strlen(lit) && memcmp(f, lit, len) == 0;
}

/* Decimal digits as an unsigned; -1 when empty, not digits, or too large. */
static int
parse_unsigned(const char *s, size_t len, unsigned *out)
{
    unsigned v = 0;
    if (!all_digits(s, len))
        return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* The item of the comma-separated list [s, s + len) that starts with
 * `prefix` ("upperdir="): its value's start and length, or NULL. */
static const char *
list_item(const char *s, size_t len, const char *prefix, size_t *value_len)
{
    size_t plen = strlen(prefix);
    const char *end = s + len;
    while (s < end) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        const char *item_end = comma ? comma : end;
        if ((size_t)(item_end - s) >= plen && memcmp(s, prefix, plen) == 0) {
            *value_len = (size_t)(item_end - s) - plen;
            return s + plen;
        }
        if (!comma)
            break;
        s = comma + 1;
    }
    return NULL;
}

static void
clear_mount(keel_mount_t *out)
{
    out->mountpoint[0] = '\0';
    out->fstype[0] = '\0';
    out->upperdir[0] = '\0';
    out->dev_major = out->dev_minor = 0;
    out->read_only = false;
    out->upperdir_seen = false;
}

int
keel_mountinfo_parse_line(const char *line, keel_mount_t *out)
{
    clear_mount(out);
    if (line == NULL)
        return -1;
    const char *nl = strchr(line, '\n');
    const char *end = nl ? nl : line + strlen(line);
    const char *p = line, *f = NULL;
    size_t n;

    /* (1) mount ID, (2) parent ID, (3) major:minor */
    if ((n = next_field(&p, end, &f)) == 0 || !all_digits(f, n))
        return -1;
    if ((n = next_field(&p, end, &f)) == 0 || !all_digits(f, n))
        return -1;
    if ((n = next_field(&p, end, &f)) == 0)
        return -1;
    const char *colon = memchr(f, ':', n);
    if (colon == NULL || parse_unsigned(f, (size_t)(colon - f), &out->dev_major) < 0 ||
        parse_unsigned(colon + 1, n - (size_t)(colon - f) - 1, &out->dev_minor) < 0) {
        out->dev_major = out->dev_minor = 0;
        return -1;
    }
    /* (4) root, (5) mount point, (6) mount options */
    if (next_field(&p, end, &f) == 0)
        return -1;
    if ((n = next_field(&p, end, &f)) == 0 || f[0] != '/')
        return -1;
    if (unescape(f, n, out->mountpoint, sizeof(out->mountpoint)) < 0) {
        out->mountpoint[0] = '\0';
        return -1;
    }
    if ((n = next_field(&p, end, &f)) == 0)
        goto malformed;
    out->read_only = list_has(f, n, "ro");
    /* (7) optional fields up to the (8) "-" separator */
    for (;;) {
        if ((n = next_field(&p, end, &f)) == 0)
            goto malformed;
        if (field_is(f, n, "-"))
            break;
    }
    /* (9) fstype, (10) source, (11) super options; later kernels may
     * append more, which is no reason to miss a tmpfs. */
    const char *fstype;
    size_t fstype_len = next_field(&p, end, &fstype);
    if (fstype_len == 0 || next_field(&p, end, &f) == 0 || (n = next_field(&p, end, &f)) == 0)
        goto malformed;
    size_t copy = fstype_len < sizeof(out->fstype) - 1 ? fstype_len : sizeof(out->fstype) - 1;
    memcpy(out->fstype, fstype, copy);
    out->fstype[copy] = '\0';
    /* overlay's upper layer, escaped as the mount point is; one that does
     * not fit stays unknown (seen, but "") rather than cut short */
    size_t ulen;
    const char *upper = list_item(f, n, "upperdir=", &ulen);
    if (upper != NULL) {
        out->upperdir_seen = true;
        if (ulen == 0 || unescape(upper, ulen, out->upperdir, sizeof(out->upperdir)) < 0)
            out->upperdir[0] = '\0';
    }
    return field_is(fstype, fstype_len, "tmpfs") || field_is(fstype, fstype_len, "ramfs") ? 1 : 0;

malformed:
    clear_mount(out);
    return -1;
}

bool
keel_mount_is_memory(const keel_mount_t *mounts, size_t count, size_t i)
{
    if (i >= count)
        return false;
    const char *t = mounts[i].fstype;
    if (strcmp(t, "tmpfs") == 0 || strcmp(t, "ramfs") == 0 || strcmp(t, "rootfs") == 0)
        return true;
    if (strcmp(t, "overlay") != 0)
        return false;
    if (!mounts[i].upperdir_seen)
        return true;
    if (mounts[i].upperdir[0] != '/')
        return false;
    /* The mount holding the upper layer, among the others: an overlay on
     * an overlay is not followed (it could go round in circles). */
    int k = keel_mount_find(mounts, count, mounts[i].upperdir);
    if (k < 0 || (size_t)k == i)
        return false;
    t = mounts[k].fstype;
    return strcmp(t, "tmpfs") == 0 || strcmp(t, "ramfs") == 0;
}

int
keel_mount_find(const keel_mount_t *mounts, size_t count, const char *path)
{
    int best = -1;
    size_t best_len = 0;
    if (path == NULL)
        return -1;
    for (size_t i = 0; i < count; i++) {
        const char *m = mounts[i].mountpoint;
        size_t len = strnlen(m, sizeof(mounts[i].mountpoint));
        if (len == 0 || len == sizeof(mounts[i].mountpoint) || strncmp(path, m, len) != 0)
            continue;
        /* "/run" holds "/run" and "/run/x" but not "/running". */
        if (m[len - 1] != '/' && path[len] != '\0' && path[len] != '/')
            continue;
        if (best < 0 || len >= best_len) {
            best = (int)i;
            best_len = len;
        }
    }
    return best;
}

int
keel_smaps_rollup_private(const char *text, uint64_t *out)
{
    uint64_t clean, dirty;
    if (keel_meminfo_field(text, "Private_Clean", &clean) < 0 || keel_meminfo_field(text, "Private_Dirty", &dirty) < 0)
        return -1;
    if (clean > UINT64_MAX - dirty)
        return -1;
    *out = clean + dirty;
    return 0;
}

/* --- readers --- */

#define DEFAULT_CGROUP_ROOT "/sys/fs/cgroup"

int
keel_read_text(const char *path, char *buf, size_t cap)
{
    if (cap == 0)
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t len = 0;
    int rc = 0;
    for (;;) {
        if (len + 1 >= cap) {
            rc = -1;
            break;
        }
        ssize_t r = read(fd, buf + len, cap - 1 - len);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = -1;
            break;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    if (close(fd) < 0)
        rc = -1;
    buf[rc == 0 ? len : 0] = '\0';
    return rc;
}

/* Whether a cgroup path climbs out of the namespace root: joining it to
 * the mount point would leave the cgroup filesystem. */
static bool
has_dotdot(const char *path)
{
    const char *s = path;
    while (*s != '\0') {
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

typedef struct {
    const char *subdir;     /* under the cgroup root: "" for v2, "/memory" for v1 */
    const char *limit_file; /* memory.max, memory.limit_in_bytes */
    const char *usage_file; /* memory.current, memory.usage_in_bytes */
    const char *source;
    int (*parse_limit)(const char *, uint64_t *);
} cgroup_flavour_t;

/* Fills out from the group's files when they set a limit. Returns 1 then,
 * 0 when there is no limit here (missing files, "max", unreadable). */
static int
read_group(keel_mem_limit_t *out, const cgroup_flavour_t *fl, const char *root, const char *group)
{
    char dir[sizeof(out->cgroup_dir)], file[sizeof(out->cgroup_dir) + 32], text[64];
    int n;

    /* "/" is the hierarchy's root itself. */
    if (group[0] == '/' && group[1] == '\0')
        group = "";
    for (int attempt = 0; attempt < 2; attempt++) {
        /* First the group, then the root of the hierarchy. */
        const char *g = attempt == 0 ? group : "";
        if (attempt == 0 && has_dotdot(g))
            continue;
        if (attempt == 1 && group[0] == '\0')
            break;
        n = snprintf(dir, sizeof(dir), "%s%s%s", root, fl->subdir, g);
        if (n < 0 || (size_t)n >= sizeof(dir))
            continue;
        n = snprintf(file, sizeof(file), "%s/%s", dir, fl->limit_file);
        if (n < 0 || (size_t)n >= sizeof(file))
            continue;
        if (keel_read_text(file, text, sizeof(text)) < 0)
            continue;
        /* The file exists: its answer stands, limit or not. */
        uint64_t limit;
        if (fl->parse_limit(text, &limit) < 0 || limit == UINT64_MAX)
            return 0;
        out->limit = limit;
        out->current = 0;
        n = snprintf(file, sizeof(file), "%s/%s", dir, fl->usage_file);
        uint64_t current;
        if (n >= 0 && (size_t)n < sizeof(file) && keel_read_text(file, text, sizeof(text)) == 0 &&
            keel_cgroup_parse_value(text, &current) == 0 && current != UINT64_MAX)
            out->current = current;
        snprintf(out->source, sizeof(out->source), "%s", fl->source);
        memcpy(out->cgroup_dir, dir, sizeof(out->cgroup_dir));
        return 1;
    }
    return 0;
}

static void
set_physical(keel_mem_limit_t *out, uint64_t total, const char *meminfo_text)
{
    uint64_t avail;
    out->limit = total;
    out->current = 0;
    /* MemAvailable counts reclaimable cache as free; kernels before 3.14
     * only have MemFree. */
    if (keel_meminfo_field(meminfo_text, "MemAvailable", &avail) == 0 ||
        keel_meminfo_field(meminfo_text, "MemFree", &avail) == 0)
        out->current = avail <= total ? total - avail : 0;
    snprintf(out->source, sizeof(out->source), "physical memory");
    out->cgroup_dir[0] = '\0';
}

int
keel_mem_limit_read_from(keel_mem_limit_t *out, const char *proc_self_cgroup_text, const char *cgroup_root,
                         const char *meminfo_text)
{
    static const cgroup_flavour_t v2 = {"", "memory.max", "memory.current", "cgroup v2 memory.max",
                                        keel_cgroup_parse_value};
    static const cgroup_flavour_t v1 = {"/memory", "memory.limit_in_bytes", "memory.usage_in_bytes",
                                        "cgroup v1 memory.limit_in_bytes", keel_cgroup_v1_parse_limit};
    const char *root = cgroup_root ? cgroup_root : DEFAULT_CGROUP_ROOT;
    char group[sizeof(out->cgroup_dir)];
    uint64_t total = 0;
    bool have_total = meminfo_text != NULL && keel_meminfo_total(meminfo_text, &total) == 0 && total > 0;

    memset(out, 0, sizeof(*out));
    /* v2 first: on a hybrid machine the memory controller is bound to v1,
     * and the unified group then has no memory.max to find. */
    int found = 0;
    if (proc_self_cgroup_text != NULL && keel_proc_cgroup_path(proc_self_cgroup_text, 1, group, sizeof(group)) == 0)
        found = read_group(out, &v2, root, group);
    if (!found && proc_self_cgroup_text != NULL &&
        keel_proc_cgroup_path(proc_self_cgroup_text, 0, group, sizeof(group)) == 0)
        found = read_group(out, &v1, root, group);
    if (found && !(have_total && total < out->limit))
        return 0;
    if (have_total) {
        set_physical(out, total, meminfo_text);
        return 0;
    }
    memset(out, 0, sizeof(*out));
    return -1;
}

int
keel_mem_limit_read(keel_mem_limit_t *out, const char *cgroup_root)
{
    char cgroup[16384], meminfo[16384];
    const char *cg = keel_read_text("/proc/self/cgroup", cgroup, sizeof(cgroup)) == 0 ? cgroup : NULL;
    const char *mi = keel_read_text("/proc/meminfo", meminfo, sizeof(meminfo)) == 0 ? meminfo : NULL;
    return keel_mem_limit_read_from(out, cg, cgroup_root, mi);
}

/* Under a path that holds kernel interfaces, not files anyone writes. */
static bool
kernel_interface(const char *mountpoint)
{
    static const char *const roots[] = {"/proc", "/sys"};
    for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
        size_t n = strlen(roots[i]);
        if (strncmp(mountpoint, roots[i], n) == 0 && (mountpoint[n] == '\0' || mountpoint[n] == '/'))
            return true;
    }
    return false;
}

#define MOUNTS_SCRATCH 1024

int
keel_memory_mounts_read(keel_mount_t *out, size_t max, const char *path)
{
    FILE *f = fopen(path ? path : "/proc/self/mountinfo", "re");
    if (f == NULL)
        return -1;
    keel_mount_t *all = malloc(MOUNTS_SCRATCH * sizeof(*all));
    if (all == NULL) {
        fclose(f);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0, n = 0;
    while (getline(&line, &cap, f) >= 0 && n < MOUNTS_SCRATCH)
        if (keel_mountinfo_parse_line(line, &all[n]) >= 0)
            n++;
    int failed = ferror(f);
    free(line);
    if (fclose(f) != 0 || failed) {
        free(all);
        return -1;
    }
    size_t stored = 0;
    for (size_t i = 0; i < n; i++) {
        const keel_mount_t *m = &all[i];
        if (m->read_only || kernel_interface(m->mountpoint) || !keel_mount_is_memory(all, n, i))
            continue;
        /* hidden under a later mount on the same point */
        bool hidden = false;
        for (size_t j = i + 1; j < n && !hidden; j++)
            hidden = strcmp(all[j].mountpoint, m->mountpoint) == 0;
        /* the same filesystem once (tmpfs and ramfs have their own device each) */
        bool seen = false;
        for (size_t j = 0; j < stored && !seen; j++)
            seen = out[j].dev_major == m->dev_major && out[j].dev_minor == m->dev_minor;
        if (hidden || seen || stored == max)
            continue;
        out[stored++] = *m;
    }
    free(all);
    return stored > (size_t)INT_MAX ? INT_MAX : (int)stored;
}

uint64_t
keel_fs_used_bytes(const char *mountpoint)
{
    struct statvfs st;
    if (statvfs(mountpoint, &st) < 0)
        return 0;
    uint64_t blocks = st.f_blocks > st.f_bfree ? (uint64_t)(st.f_blocks - st.f_bfree) : 0;
    uint64_t frsize = st.f_frsize ? st.f_frsize : st.f_bsize;
    if (frsize != 0 && blocks > UINT64_MAX / frsize)
        return UINT64_MAX;
    return blocks * frsize;
}

int
keel_private_precise_read(pid_t pid, uint64_t *out)
{
    char path[64], text[4096];
    snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, text, sizeof(text) - 1);
    if (close(fd) != 0 || n <= 0)
        return -1;
    text[n] = '\0';
    return keel_smaps_rollup_private(text, out);
}
