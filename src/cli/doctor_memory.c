/* keel doctor's memory checks: the budget against the limit, memory-backed
 * directories PHP writes to, and recycling. */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli/doctor_checks.h"
#include "common/text.h"
#include "common/units.h"
#include "supervisor/budget.h"

/* An ini size in MiB ("128"), as the zygote reads OPcache's; 0 when it is
 * not one. */
static uint64_t
mib_setting(const keel_php_facts_t *php, const char *name)
{
    const char *v = keel_php_facts_value(php, name);
    uint64_t n;
    return v != NULL && keel_parse_uint(v, 0, 1u << 20, &n) == 0 ? n << 20 : 0;
}

/* PHP's memory_limit in bytes; UINT64_MAX for -1 or what keel cannot
 * read (as the zygote reports it). */
static uint64_t
memory_limit(const keel_php_facts_t *php)
{
    const char *v = keel_php_facts_value(php, "memory_limit");
    uint64_t n;
    return v != NULL && keel_parse_size(v, &n) == 0 ? n : UINT64_MAX;
}

/* --- directories PHP writes to --- */

#define WRITE_DIRS 6

typedef struct {
    const char *what;
    char path[KEEL_PHP_FACTS_VALUE];
} write_dir_t;

static void
add_dir(write_dir_t *dirs, size_t *n, const char *what, const char *path, size_t len)
{
    if (len == 0 || path[0] != '/' || len >= sizeof(dirs[0].path))
        return;
    dirs[*n].what = what;
    memcpy(dirs[*n].path, path, len);
    dirs[*n].path[len] = '\0';
    (*n)++;
}

/* sys_get_temp_dir(), upload_tmp_dir and session.save_path (empty ones
 * fall back to the first, as PHP does), OPcache's file cache, the
 * error_log's directory, and the application itself (caches, logs). */
static size_t
write_dirs(const keel_doctor_facts_t *f, write_dir_t *dirs)
{
    const keel_php_facts_t *php = f->php;
    size_t n = 0;
    const char *tmp = php->temp_dir;
    add_dir(dirs, &n, "sys_get_temp_dir()", tmp, strlen(tmp));
    const char *v = keel_php_facts_value(php, "upload_tmp_dir");
    v = v && v[0] ? v : tmp;
    add_dir(dirs, &n, "upload_tmp_dir", v, strlen(v));
    const char *handler = keel_php_facts_value(php, "session.save_handler");
    if ((v = keel_php_facts_value(php, "session.save_path")) != NULL && handler && strcmp(handler, "files") == 0) {
        /* "N;/path" and "N;MODE;/path" name the directory last */
        const char *semi = strrchr(v, ';');
        v = semi ? semi + 1 : v;
        v = v[0] ? v : tmp;
        add_dir(dirs, &n, "session.save_path", v, strlen(v));
    }
    if ((v = keel_php_facts_value(php, "opcache.file_cache")) != NULL)
        add_dir(dirs, &n, "opcache.file_cache", v, strlen(v));
    if ((v = keel_php_facts_value(php, "error_log")) != NULL && v[0] == '/') {
        const char *slash = strrchr(v, '/');
        add_dir(dirs, &n, "error_log", v, slash == v ? 1 : (size_t)(slash - v));
    }
    add_dir(dirs, &n, "the application", f->app_dir, strlen(f->app_dir));
    return n;
}

/* For each memory-backed mount, whether a directory PHP writes to is on
 * it; returns the bytes used on those mounts. */
static uint64_t
tmpfs_in_use(const keel_doctor_facts_t *f, const write_dir_t *dirs, size_t n, int *mount_of)
{
    bool counted[KEEL_DOCTOR_MOUNTS] = {false};
    uint64_t used = 0;
    for (size_t i = 0; i < n; i++) {
        mount_of[i] = keel_mount_find(f->mounts, f->mount_count, dirs[i].path);
        if (mount_of[i] >= 0 && !counted[mount_of[i]]) {
            counted[mount_of[i]] = true;
            used += f->mount_used[mount_of[i]];
        }
    }
    return used;
}

void
keel_doctor_check_budget(const keel_doctor_facts_t *f, keel_findings_t *out)
{
    static const char topic[] = "memory budget";
    const keel_config_t *cfg = f->cfg;
    if (!f->php->started)
        return;
    if (!f->have_limit) {
        keel_finding_add(out, KEEL_FINDING_WARN, topic,
                         "cannot read the memory limit (cgroup files or /proc/meminfo); keel serve will run without "
                         "a budget check: size --workers by hand");
        return;
    }
    write_dir_t dirs[WRITE_DIRS];
    int mount_of[WRITE_DIRS];
    size_t ndirs = write_dirs(f, dirs);
    uint64_t limit_php = memory_limit(f->php);
    uint64_t per_worker = cfg->max_worker_memory ? cfg->max_worker_memory : limit_php;
    unsigned classic = cfg->worker_script ? cfg->classic_workers : 0;
    keel_budget_input_t in = {
        .opcache_bytes = f->php->opcache_enabled ? mib_setting(f->php, "opcache.memory_consumption") +
                                                       mib_setting(f->php, "opcache.interned_strings_buffer")
                                                 : 0,
        .front_bytes = f->front_bytes,
        .zygote_bytes = f->php->resident_bytes,
        .per_worker_bytes = per_worker == UINT64_MAX ? 0 : per_worker,
        .reserve_bytes = KEEL_BUDGET_RESERVE_BYTES,
        .tmpfs_bytes = tmpfs_in_use(f, dirs, ndirs, mount_of),
        .workers = cfg->workers + classic,
    };
    char autonote[128] = "";
    if (cfg->workers == 0) {
        /* --workers auto, decided the way the front decides it */
        keel_budget_input_t fixed = in;
        fixed.workers = classic;
        unsigned n = keel_workers_auto(f->cpus ? f->cpus : 1, &fixed, f->limit.limit);
        unsigned workers = n > classic ? n - classic : 1;
        in.workers = workers + classic;
        snprintf(autonote, sizeof(autonote), " (--workers auto: %u for %u CPUs)", workers, f->cpus);
    }
    keel_budget_t b = keel_budget_compute(&in, f->limit.limit);
    char text[1024];
    keel_budget_format(text, sizeof(text), &in, &b, f->limit.source);
    /* the topic says it already */
    static const char prefix[] = "memory budget: ";
    const char *line = strncmp(text, prefix, sizeof(prefix) - 1) == 0 ? text + sizeof(prefix) - 1 : text;
    if (!b.fits)
        keel_finding_add(out, KEEL_FINDING_ERROR, topic,
                         "%s%s; keel serve refuses this pool (exit 2), and with --allow-overcommit the container can "
                         "be OOM-killed: lower --workers or --max-worker-memory (or memory_limit), or raise the limit",
                         line, autonote);
    else if (per_worker == UINT64_MAX)
        keel_finding_add(out, KEEL_FINDING_WARN, topic,
                         "%s%s; memory_limit is -1 and --max-worker-memory is not set, so a worker has no ceiling "
                         "and counts as 0 here: set -d memory_limit=... or --max-worker-memory",
                         line, autonote);
    else
        keel_finding_add(out, KEEL_FINDING_OK, topic, "%s%s", line, autonote);
}

void
keel_doctor_check_tmpfs(const keel_doctor_facts_t *f, keel_findings_t *out)
{
    static const char topic[] = "tmpfs";
    if (!f->php->started)
        return;
    write_dir_t dirs[WRITE_DIRS];
    int mount_of[WRITE_DIRS];
    size_t n = write_dirs(f, dirs);
    tmpfs_in_use(f, dirs, n, mount_of);
    bool any = false;
    /* one finding per memory-backed mount, naming what PHP writes there */
    for (size_t m = 0; m < f->mount_count; m++) {
        char list[1024] = "";
        size_t len = 0;
        bool sessions = false;
        for (size_t i = 0; i < n; i++) {
            if (mount_of[i] != (int)m)
                continue;
            int w = snprintf(list + len, sizeof(list) - len, "%s%s %s", len ? ", " : "", dirs[i].what, dirs[i].path);
            if (w > 0 && (size_t)w < sizeof(list) - len)
                len += (size_t)w;
            sessions |= strcmp(dirs[i].what, "session.save_path") == 0;
        }
        if (len == 0)
            continue;
        any = true;
        char used[32];
        const char *gc = keel_php_facts_value(f->php, "session.gc_probability");
        keel_finding_add(out, KEEL_FINDING_WARN, topic,
                         "%s is memory-backed (%s, %s used) and holds %s: what PHP writes there is RAM, counts "
                         "against the memory limit, outlives worker recycling and shows in no process's memory; "
                         "point these at a disk-backed directory (e.g. -d sys_temp_dir=/var/tmp -d "
                         "upload_tmp_dir=/var/tmp) or leave room for them in the limit%s",
                         f->mounts[m].mountpoint, f->mounts[m].fstype,
                         keel_format_bytes(used, sizeof(used), f->mount_used[m]), list,
                         sessions && gc && strcmp(gc, "0") == 0
                             ? "; session.gc_probability is 0, so expired sessions stay until a cron job removes "
                               "them (containers rarely have one)"
                             : "");
    }
    if (!any) {
        char list[1024] = "";
        size_t len = 0;
        for (size_t i = 0; i < n; i++) {
            int w = snprintf(list + len, sizeof(list) - len, "%s%s %s", len ? ", " : "", dirs[i].what, dirs[i].path);
            if (w > 0 && (size_t)w < sizeof(list) - len)
                len += (size_t)w;
        }
        keel_finding_add(out, KEEL_FINDING_OK, topic, "nothing PHP writes to is memory-backed (%s)", list);
    }
}

void
keel_doctor_check_recycling(const keel_doctor_facts_t *f, keel_findings_t *out)
{
    static const char topic[] = "recycling";
    const keel_config_t *cfg = f->cfg;
    bool ceiling = cfg->max_worker_memory || cfg->max_worker_memory_hard;
    unsigned total = cfg->workers + (cfg->worker_script ? cfg->classic_workers : 0);
    if (cfg->worker_script && !ceiling && !cfg->max_requests) {
        keel_finding_add(out, KEEL_FINDING_WARN, topic,
                         "worker mode without --max-requests or a memory ceiling: a worker that leaks grows until "
                         "memory_limit kills a request with a fatal error, and its memory is never given back; set "
                         "--max-worker-memory (measure the growth with keel leakcheck first), and --max-requests "
                         "with --max-requests-jitter if the app holds other resources");
        return;
    }
    if (cfg->max_requests && !cfg->max_requests_jitter && total != 1) {
        keel_finding_add(out, KEEL_FINDING_WARN, topic,
                         "--max-requests %" PRIu64 " without --max-requests-jitter: workers started together reach "
                         "it together and restart at once, a dip in capacity under load; add "
                         "--max-requests-jitter %" PRIu64,
                         cfg->max_requests, cfg->max_requests / 10 ? cfg->max_requests / 10 : 1);
        return;
    }
    if (!cfg->worker_script)
        keel_finding_add(out, KEEL_FINDING_OK, topic, "classic mode: PHP frees a request's memory at its end%s",
                         ceiling || cfg->max_requests ? "; workers are also recycled by the limits given" : "");
    else
        keel_finding_add(out, KEEL_FINDING_OK, topic, "worker mode with %s%s%s", ceiling ? "a memory ceiling" : "",
                         ceiling && cfg->max_requests ? " and " : "", cfg->max_requests ? "--max-requests" : "");
}
