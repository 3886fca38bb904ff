#include "front/memory.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/statm.h"
#include "common/units.h"
#include "ipc/queue.h"
#include "supervisor/dirwalk.h"

_Static_assert(sizeof(((keel_memory_mount_t *)0)->path) == sizeof(((keel_mount_t *)0)->mountpoint),
               "a mount's path is copied whole");
_Static_assert(sizeof(((keel_memory_mount_t *)0)->fstype) == sizeof(((keel_mount_t *)0)->fstype),
               "a mount's type is copied whole");

/* How often shared memory, mounts and precise figures are looked at. */
#define MEMORY_CHECK_MS 5000
/* Growth worth a warning: this much since the last one (or the low point). */
#define GROWTH_WARN_BYTES (16ull << 20)
/* A walk of a mount's directories: the time it may take on the event
 * loop, and the entries it may look at. The first one, the baseline, gets
 * less time: there is nothing to report yet. */
#define WALK_BUDGET_US          50000
#define WALK_BASELINE_BUDGET_US 20000
#define WALK_MAX_ENTRIES        200000
/* --max-workers auto: at most this many per CPU. */
#define AUTO_MAX_PER_CPU 4

static uint64_t
process_rss(pid_t pid)
{
    keel_statm_t m;
    return keel_statm_read(pid, -1, &m) == 0 ? m.resident : 0;
}

/* /proc/PID/status RssShmem: the shared memory a process has mapped and
 * resident (a zygote: its OPcache segment, and the claim slots). */
static uint64_t
process_shmem(pid_t pid)
{
    char path[64], text[4096];
    uint64_t v;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    if (pid <= 0 || keel_read_text(path, text, sizeof(text)) != 0 || keel_meminfo_field(text, "RssShmem", &v) != 0)
        return 0;
    return v;
}

void
keel_memory_init(keel_memory_t *m, keel_front_env_t *env, h2o_linklist_t *generations)
{
    memset(m, 0, sizeof(*m));
    m->env = env;
    for (int k = 0; k < KEEL_POOL_KINDS; k++)
        env->memory_now.room[k] = UINT_MAX;
    m->have_cgroup = keel_cgroup_locate_self(&m->cgroup, NULL) == 0;
    keel_memory_guard_start(&m->guard, env, m->have_cgroup ? &m->cgroup : NULL, generations);
}

void
keel_memory_dispose(keel_memory_t *m)
{
    keel_memory_guard_stop(&m->guard);
    for (unsigned i = 0; i < m->mount_count; i++) {
        free(m->mounts[i].walk);
        m->mounts[i].walk = NULL;
    }
    m->mount_count = 0;
}

/* --- shared memory: the cgroup's figure, and whose it is --- */

/* OPcache's resident shared memory in every generation that holds one:
 * what its workers report (used and wasted, less the free end of the
 * interned strings buffer, which is reserved at start but untouched), or
 * what its zygote has mapped, whichever is more. */
static uint64_t
opcache_resident(h2o_linklist_t *generations, uint64_t *keel_own)
{
    uint64_t total = 0;
    *keel_own = 0;
    for (h2o_linklist_t *l = generations->next; l != generations; l = l->next) {
        keel_generation_t *g = H2O_STRUCT_FROM_MEMBER(keel_generation_t, link, l);
        if (g->zygote_pid <= 0)
            continue;
        /* the claim slots: a memfd per generation, resident where written */
        uint64_t claims = keel_handoff_resident_bytes(&g->handoff);
        *keel_own += claims;
        if (!g->opcache)
            continue;
        uint64_t reported = 0;
        if (g->opcache_known) {
            const keel_opcache_stats_t *o = &g->opcache_stats;
            reported = o->used + o->wasted;
            reported -= o->interned_free < reported ? o->interned_free : reported;
        }
        uint64_t mapped = process_shmem(g->zygote_pid);
        mapped = mapped > claims ? mapped - claims : 0;
        total += reported > mapped ? reported : mapped;
    }
    return total;
}

static bool
limit_is_the_groups(const keel_memory_t *m)
{
    return m->limit.cgroup_dir[0] != '\0';
}

/* Reads the group's figures and splits its shared memory. */
static void
sample_cgroup(keel_memory_t *m, h2o_linklist_t *generations)
{
    if (!m->have_cgroup)
        return;
    keel_cgroup_sample_t s;
    if (keel_cgroup_sample(&m->cgroup, KEEL_CGROUP_USAGE | KEEL_CGROUP_STAT | KEEL_CGROUP_EVENTS, &s) != 0)
        return;
    m->sample = s;
    m->sample_known = true;
    if (!s.have_stat)
        return;
    uint64_t keel_own;
    uint64_t opcache = opcache_resident(generations, &keel_own);
    m->shmem = keel_shmem_split(s.shmem, opcache, keel_own);
    m->shmem_known = true;
    m->guard.shmem_files = m->shmem.files;
}

/* --- the mounts --- */

static const char *
limit_words(const keel_memory_t *m)
{
    return limit_is_the_groups(m) ? "the container's memory limit" : "the machine's memory";
}

/* Walks mount mt now; keeps the result as its last walk. */
static keel_dir_table_t *
walk(keel_memory_mount_t *mt, uint64_t budget_us)
{
    keel_dir_table_t *t = malloc(sizeof(*t));
    if (t == NULL)
        return NULL;
    if (keel_dirwalk(mt->path, budget_us, WALK_MAX_ENTRIES, t) != 0) {
        free(t);
        return NULL;
    }
    return t;
}

/* A mount grew past the threshold: where, and how fast. */
static void
report_mount_growth(keel_memory_t *m, keel_memory_mount_t *mt, const keel_growth_t *g, uint64_t now)
{
    char to[32], from[32], span[32], grew[64];
    keel_warn("%s %s grew to %s (from %s in %s): files there count against %s", mt->fstype, mt->path,
              keel_format_bytes(to, sizeof(to), mt->used), keel_format_bytes(from, sizeof(from), g->from),
              keel_span_format(span, sizeof(span), g->over_ms), limit_words(m));
    mt->warned_ms = now;
    mt->grew_bytes = g->grew;
    mt->grew_over_ms = g->over_ms;
    mt->grew_count = 0;
    keel_dir_table_t *after = walk(mt, WALK_BUDGET_US);
    if (after == NULL)
        return;
    uint64_t over = mt->walk != NULL && now > mt->walked_ms ? now - mt->walked_ms : g->over_ms;
    keel_dir_growth_t top[KEEL_MEMORY_GREW];
    size_t n = keel_dir_growth_top(mt->walk, after, top, KEEL_MEMORY_GREW);
    for (size_t i = 0; i < n; i++) {
        char dir[sizeof(mt->path) + KEEL_DIR_PATH + 2], holds[32];
        snprintf(dir, sizeof(dir), "%s%s%s", mt->path, top[i].path[0] ? (strcmp(mt->path, "/") ? "/" : "") : "",
                 top[i].path);
        keel_growth_format(grew, sizeof(grew), top[i].grew, over);
        keel_warn("%s %s: files on %s count against %s (it holds %s%s%s)", dir, grew, mt->fstype, limit_words(m),
                  keel_format_bytes(holds, sizeof(holds), top[i].bytes), top[i].path[0] ? "" : " in files of its own",
                  after->truncated ? "; the walk was cut short, so figures are low" : "");
        snprintf(mt->grew[i].path, sizeof(mt->grew[i].path), "%s", top[i].path);
        mt->grew[i].grew = top[i].grew;
        mt->grew[i].bytes = top[i].bytes;
        mt->grew[i].over_ms = over;
    }
    mt->grew_count = n;
    free(mt->walk);
    mt->walk = after;
    mt->walked_ms = now;
}

/* Reads the memory-backed mounts again: new ones are added (their usage
 * and directories are the baseline growth is measured from), gone ones
 * dropped, the rest keep what they know. */
static void
refresh_mounts(keel_memory_t *m)
{
    keel_mount_t found[KEEL_MEMORY_MOUNTS];
    int n = keel_memory_mounts_read(found, KEEL_MEMORY_MOUNTS, NULL);
    if (n < 0)
        return;
    keel_memory_mount_t next[KEEL_MEMORY_MOUNTS];
    unsigned count = 0;
    bool kept[KEEL_MEMORY_MOUNTS] = {false};
    for (int i = 0; i < n; i++) {
        keel_memory_mount_t *mt = &next[count++];
        int old = -1;
        for (unsigned j = 0; j < m->mount_count && old < 0; j++)
            if (strcmp(m->mounts[j].path, found[i].mountpoint) == 0 && m->mounts[j].dev_major == found[i].dev_major &&
                m->mounts[j].dev_minor == found[i].dev_minor)
                old = (int)j;
        if (old >= 0) {
            *mt = m->mounts[old];
            kept[old] = true;
            continue;
        }
        memset(mt, 0, sizeof(*mt));
        /* the same sizes as keel_mount_t's, NUL-terminated there */
        memcpy(mt->path, found[i].mountpoint, sizeof(mt->path));
        memcpy(mt->fstype, found[i].fstype, sizeof(mt->fstype));
        mt->dev_major = found[i].dev_major;
        mt->dev_minor = found[i].dev_minor;
        mt->used = keel_fs_used_bytes(mt->path);
        /* growth counts from its first sighting */
        keel_growth_check(&mt->watch, mt->used, keel_now_ms(), GROWTH_WARN_BYTES);
        mt->walk = walk(mt, WALK_BASELINE_BUDGET_US);
        mt->walked_ms = keel_now_ms();
    }
    for (unsigned j = 0; j < m->mount_count; j++)
        if (!kept[j])
            free(m->mounts[j].walk);
    memcpy(m->mounts, next, count * sizeof(next[0]));
    m->mount_count = count;
}

/* Marks the mounts holding PHP's directories, and says so once. */
static void
find_php_dirs(keel_memory_t *m, const keel_generation_t *g)
{
    keel_mount_t points[KEEL_MEMORY_MOUNTS];
    for (unsigned i = 0; i < m->mount_count; i++)
        memcpy(points[i].mountpoint, m->mounts[i].path, sizeof(points[i].mountpoint));
    const char *dirs[] = {g->php.temp_dir, g->php.upload_tmp_dir, g->php.session_save_path};
    for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
        if (dirs[d][0] != '/')
            continue;
        int k = keel_mount_find(points, m->mount_count, dirs[d]);
        if (k < 0 || m->mounts[k].php_dir)
            continue;
        m->mounts[k].php_dir = true;
        char used[32];
        keel_info("tmpfs: %s (%s) is memory-backed and counts against the memory limit; %s used", m->mounts[k].path,
                  dirs[d], keel_format_bytes(used, sizeof(used), m->mounts[k].used));
    }
}

/* What files on memory take now, for the budget: the cgroup's own figure
 * when its limit is the one that applies (it holds exactly what is
 * charged to the container), else the mounts' usage. */
static uint64_t
files_in_memory(const keel_memory_t *m)
{
    if (limit_is_the_groups(m) && m->shmem_known)
        return m->shmem.files;
    uint64_t sum = 0;
    for (unsigned i = 0; i < m->mount_count; i++)
        sum += m->mounts[i].used;
    return sum;
}

/* Workers of each kind the budget has room for, with the figures of now. */
static void
update_room(keel_memory_t *m)
{
    const keel_config_t *cfg = m->env->cfg;
    if (!m->budget_known)
        return;
    keel_budget_input_t in = m->budget_in;
    in.tmpfs_bytes = files_in_memory(m);
    keel_budget_t b = keel_budget_compute(&in, m->limit.limit);
    for (int k = 0; k < KEEL_POOL_KINDS; k++) {
        unsigned others = 0;
        /* the other pool keeps its workers: they come off this one's room */
        if (cfg->worker_script != NULL)
            others = k == KEEL_POOL_WORKER ? cfg->classic_workers : cfg->workers;
        m->env->memory_now.room[k] = b.max_workers == UINT_MAX ? UINT_MAX
                                     : b.max_workers > others  ? b.max_workers - others
                                                               : 0;
    }
}

/* --- the budget at startup --- */

static void
decide_ceiling(keel_memory_t *m, keel_config_t *cfg, unsigned classic)
{
    if (cfg->max_workers_auto) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        unsigned by_cpu = (unsigned)(cpus > 0 ? cpus : 1) * AUTO_MAX_PER_CPU;
        unsigned room = m->budget.max_workers == UINT_MAX ? UINT_MAX
                        : m->budget.max_workers > classic ? m->budget.max_workers - classic
                                                          : 0;
        unsigned n = by_cpu < room ? by_cpu : room;
        if (n > KEEL_MAX_WORKERS - classic)
            n = KEEL_MAX_WORKERS - classic;
        cfg->max_workers = n > cfg->workers ? n : cfg->workers;
        keel_info("--max-workers auto: %u (%ld CPUs x %d, room for %s in the memory budget)", cfg->max_workers, cpus,
                  AUTO_MAX_PER_CPU, room == UINT_MAX ? "any number" : "fewer");
    }
    if (cfg->max_workers < cfg->workers)
        cfg->max_workers = cfg->workers;
}

/* The pool between its minimum and its ceiling, and whether the ceiling
 * fits the budget (the minimum had to). */
static void
log_ceiling(const keel_memory_t *m, const keel_config_t *cfg, unsigned classic)
{
    if (cfg->max_workers <= cfg->workers)
        return;
    char per[32], idle[32];
    unsigned room = m->budget.max_workers == UINT_MAX ? UINT_MAX
                    : m->budget.max_workers > classic ? m->budget.max_workers - classic
                                                      : 0;
    if (cfg->max_idle_ms != 0)
        keel_span_format(idle, sizeof(idle), cfg->max_idle_ms);
    keel_info("pool: %u to %u %s workers: more start while requests wait, those above %u leave %s%s; %u x %s %s",
              cfg->workers, cfg->max_workers, cfg->worker_script ? "worker-mode" : "classic", cfg->workers,
              cfg->max_idle_ms != 0 ? "once idle for " : "never (--max-idle-time 0)", cfg->max_idle_ms != 0 ? idle : "",
              cfg->max_workers, keel_format_bytes(per, sizeof(per), m->budget_in.per_worker_bytes),
              room >= cfg->max_workers ? "fit the memory budget"
                                       : "do not fit the memory budget: the pool grows only as far as it allows");
}

int
keel_memory_budget(keel_memory_t *m, keel_config_t *cfg, const keel_generation_t *g, char *err, size_t errlen)
{
    if (keel_mem_limit_read(&m->limit, NULL) != 0) {
        keel_warn("cannot read the memory limit; no budget check");
        return 0;
    }
    refresh_mounts(m);
    find_php_dirs(m, g);
    /* the zygote's OPcache is all the shared memory keel has yet */
    if (m->have_cgroup) {
        keel_cgroup_sample_t s;
        if (keel_cgroup_sample(&m->cgroup, KEEL_CGROUP_USAGE | KEEL_CGROUP_STAT, &s) == 0 && s.have_stat) {
            uint64_t mapped = process_shmem(g->zygote_pid);
            uint64_t claims = keel_handoff_resident_bytes(&g->handoff);
            m->shmem = keel_shmem_split(s.shmem, g->opcache && mapped > claims ? mapped - claims : 0, claims);
            m->shmem_known = true;
            m->sample = s;
            m->sample_known = true;
            keel_growth_check(&m->shmem_watch, m->shmem.files, keel_now_ms(), GROWTH_WARN_BYTES);
        }
    }
    uint64_t per_worker = cfg->max_worker_memory ? cfg->max_worker_memory : g->php.memory_limit;
    unsigned classic = cfg->worker_script ? cfg->classic_workers : 0;
    m->budget_in = (keel_budget_input_t){
        .opcache_bytes = g->php.opcache_bytes,
        .front_bytes = process_rss(getpid()),
        .zygote_bytes = process_rss(g->zygote_pid),
        .per_worker_bytes = per_worker == UINT64_MAX ? 0 : per_worker,
        .reserve_bytes = KEEL_BUDGET_RESERVE_BYTES,
        .tmpfs_bytes = files_in_memory(m),
        .workers = cfg->workers + classic,
    };
    if (cfg->workers == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        keel_budget_input_t in = m->budget_in;
        in.workers = classic;
        unsigned n = keel_workers_auto(cpus > 0 ? (unsigned)cpus : 1, &in, m->limit.limit);
        cfg->workers = n > classic ? n - classic : 1;
        m->budget_in.workers = cfg->workers + classic;
        keel_info("--workers auto: %u (%ld CPUs, memory limit %s)", cfg->workers, cpus, m->limit.source);
    }
    m->budget = keel_budget_compute(&m->budget_in, m->limit.limit);
    m->budget_known = true;
    decide_ceiling(m, cfg, classic);
    update_room(m);
    char line[1024];
    keel_budget_format(line, sizeof(line), &m->budget_in, &m->budget, m->limit.source);
    if (per_worker == UINT64_MAX)
        keel_warn("memory_limit is -1 and --max-worker-memory is not set: a worker's memory has no ceiling, so "
                  "the budget counts none for it");
    keel_info("%s", line);
    log_ceiling(m, cfg, classic);
    if (!m->budget.fits) {
        if (cfg->allow_overcommit) {
            keel_warn("the pool does not fit the memory limit; starting anyway (--allow-overcommit)");
            return 0;
        }
        snprintf(err, errlen, "%s; lower --workers or --max-worker-memory, or pass --allow-overcommit", line);
        return -1;
    }
    return 0;
}

/* --- the periodic look --- */

static void
check_shmem_growth(keel_memory_t *m, uint64_t now)
{
    if (!m->shmem_known)
        return;
    keel_growth_t gr = keel_growth_check(&m->shmem_watch, m->shmem.files, now, GROWTH_WARN_BYTES);
    if (!gr.warn)
        return;
    char to[32], from[32], opcache[32], grew[64];
    keel_growth_format(grew, sizeof(grew), gr.grew, gr.over_ms);
    keel_warn("shared memory of the application (tmpfs files and shm charged to cgroup %s) %s to %s (from %s; %s, "
              "less OPcache's %s): it counts against %s",
              m->cgroup.dir, grew, keel_format_bytes(to, sizeof(to), m->shmem.files),
              keel_format_bytes(from, sizeof(from), gr.from), m->sample.shmem_source ? m->sample.shmem_source : "",
              keel_format_bytes(opcache, sizeof(opcache), m->shmem.opcache), limit_words(m));
}

void
keel_memory_tick(keel_memory_t *m, keel_generation_t *active)
{
    uint64_t now = keel_now_ms();
    if (now - m->last_check_ms < MEMORY_CHECK_MS)
        return;
    m->last_check_ms = now;
    sample_cgroup(m, m->guard.generations);
    check_shmem_growth(m, now);
    refresh_mounts(m);
    for (unsigned i = 0; i < m->mount_count; i++) {
        keel_memory_mount_t *mt = &m->mounts[i];
        mt->used = keel_fs_used_bytes(mt->path);
        keel_growth_t g = keel_growth_check(&mt->watch, mt->used, now, GROWTH_WARN_BYTES);
        if (g.warn)
            report_mount_growth(m, mt, &g, now);
    }
    if (keel_mem_limit_read(&m->limit, NULL) != 0)
        m->limit.current = 0;
    update_room(m);
    /* The precise private figure: idle workers of the serving generation. */
    if (active == NULL)
        return;
    for (h2o_linklist_t *l = active->pool.workers.next; l != &active->pool.workers; l = l->next) {
        keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, pool_link, l);
        uint64_t priv;
        if (w->life.state == KEEL_WORKER_IDLE && w->pid > 0 && keel_private_precise_read(w->pid, &priv) == 0)
            w->private_precise = priv;
    }
}
