#include "front/memory.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/statm.h"
#include "common/units.h"

/* How often tmpfs usage and precise figures are looked at. */
#define MEMORY_CHECK_MS 5000
/* tmpfs growth worth a warning: this much since the last one. */
#define TMPFS_GROWTH_WARN_BYTES (16ull << 20)

static uint64_t
process_rss(pid_t pid)
{
    keel_statm_t m;
    return keel_statm_read(pid, -1, &m) == 0 ? m.resident : 0;
}

/* The memory-backed filesystems holding the directories PHP writes to. */
static void
find_tmpfs(keel_memory_t *m, const keel_generation_t *g)
{
    keel_mount_t mounts[64];
    int n = keel_tmpfs_mounts_read(mounts, 64, NULL);
    if (n <= 0)
        return;
    const char *dirs[] = {g->php.temp_dir, g->php.upload_tmp_dir, g->php.session_save_path};
    m->tmpfs_count = 0;
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        if (dirs[i][0] != '/')
            continue;
        int k = keel_mount_find(mounts, (size_t)n, dirs[i]);
        if (k < 0)
            continue;
        bool seen = false;
        for (unsigned j = 0; j < m->tmpfs_count; j++)
            seen |= strcmp(m->tmpfs[j].path, mounts[k].mountpoint) == 0;
        if (seen || m->tmpfs_count == KEEL_TMPFS_WATCHED)
            continue;
        snprintf(m->tmpfs[m->tmpfs_count].path, sizeof(m->tmpfs[0].path), "%s", mounts[k].mountpoint);
        m->tmpfs[m->tmpfs_count].used = m->tmpfs[m->tmpfs_count].warned = keel_fs_used_bytes(mounts[k].mountpoint);
        char used[32];
        keel_info("tmpfs: %s (%s) is memory-backed and counts against the memory limit; %s used", mounts[k].mountpoint,
                  dirs[i], keel_format_bytes(used, sizeof(used), m->tmpfs[m->tmpfs_count].used));
        m->tmpfs_count++;
    }
}

int
keel_memory_budget(keel_memory_t *m, keel_config_t *cfg, const keel_generation_t *g, char *err, size_t errlen)
{
    if (keel_mem_limit_read(&m->limit, NULL) != 0) {
        keel_warn("cannot read the memory limit; no budget check");
        return 0;
    }
    find_tmpfs(m, g);
    uint64_t tmpfs = 0;
    for (unsigned i = 0; i < m->tmpfs_count; i++)
        tmpfs += m->tmpfs[i].used;
    uint64_t per_worker = cfg->max_worker_memory ? cfg->max_worker_memory : g->php.memory_limit;
    unsigned classic = cfg->worker_script ? cfg->classic_workers : 0;
    m->budget_in = (keel_budget_input_t){
        .opcache_bytes = g->php.opcache_bytes,
        .front_bytes = process_rss(getpid()),
        .zygote_bytes = process_rss(g->zygote_pid),
        .per_worker_bytes = per_worker == UINT64_MAX ? 0 : per_worker,
        .reserve_bytes = KEEL_BUDGET_RESERVE_BYTES,
        .tmpfs_bytes = tmpfs,
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
    char line[1024];
    keel_budget_format(line, sizeof(line), &m->budget_in, &m->budget, m->limit.source);
    if (per_worker == UINT64_MAX)
        keel_warn("memory_limit is -1 and --max-worker-memory is not set: a worker's memory has no ceiling, so "
                  "the budget counts none for it");
    keel_info("%s", line);
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

void
keel_memory_tick(keel_memory_t *m, keel_generation_t *active)
{
    uint64_t now = keel_now_ms();
    if (now - m->last_check_ms < MEMORY_CHECK_MS)
        return;
    m->last_check_ms = now;
    for (unsigned i = 0; i < m->tmpfs_count; i++) {
        m->tmpfs[i].used = keel_fs_used_bytes(m->tmpfs[i].path);
        if (m->tmpfs[i].used > m->tmpfs[i].warned + TMPFS_GROWTH_WARN_BYTES) {
            char a[32], b[32];
            keel_warn("tmpfs %s grew to %s (from %s): files there count against the memory limit", m->tmpfs[i].path,
                      keel_format_bytes(a, sizeof(a), m->tmpfs[i].used),
                      keel_format_bytes(b, sizeof(b), m->tmpfs[i].warned));
            m->tmpfs[i].warned = m->tmpfs[i].used;
        }
    }
    if (keel_mem_limit_read(&m->limit, NULL) != 0)
        m->limit.current = 0;
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
