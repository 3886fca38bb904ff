/*
 * The front's memory governance glue: the budget check at startup (from
 * the limit that applies and PHP's own settings), memory-backed
 * filesystems the application writes to, and precise private-memory
 * figures. The decisions are pure functions in src/supervisor/; this file
 * observes and logs.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/statm.h"
#include "common/units.h"
#include "front/front.h"
#include "ipc/control.h"

/* Headroom kept free under the limit. */
#define RESERVE_BYTES (64ull << 20)
/* How often tmpfs usage and precise figures are looked at. */
#define MEMORY_CHECK_MS 5000
/* tmpfs growth worth a warning: this much since the last one. */
#define TMPFS_GROWTH_WARN_BYTES (16ull << 20)

void
keel_memory_php_info(keel_generation_t *g, const uint8_t *payload, size_t len)
{
    keel_ipc_php_info_t info;
    g->php.memory_limit = UINT64_MAX;
    g->php.max_wasted_percentage = 5.0; /* OPcache's default */
    g->php.opcache_bytes = 0;
    if (keel_ipc_php_info_get(payload, len, &info) != KEEL_IPC_OK) {
        keel_error("malformed PHP_INFO from the zygote of generation %u", g->number);
        return;
    }
    g->php.memory_limit = info.memory_limit;
    g->php.max_wasted_percentage = info.opcache_max_wasted_percentage;
    g->php.opcache_bytes =
        info.opcache_enabled ? info.opcache_memory_consumption + info.opcache_interned_strings_buffer : 0;
    snprintf(g->php.temp_dir, sizeof(g->php.temp_dir), "%.*s", (int)info.temp_dir.len, info.temp_dir.base);
    snprintf(g->php.upload_tmp_dir, sizeof(g->php.upload_tmp_dir), "%.*s", (int)info.upload_tmp_dir.len,
             info.upload_tmp_dir.base);
    snprintf(g->php.session_save_path, sizeof(g->php.session_save_path), "%.*s", (int)info.session_save_dir.len,
             info.session_save_dir.base);
}

static uint64_t
process_rss(pid_t pid)
{
    keel_statm_t m;
    return keel_statm_read(pid, -1, &m) == 0 ? m.resident : 0;
}

/* The memory-backed filesystems holding the directories PHP writes to. */
static void
find_tmpfs(keel_front_t *f, keel_generation_t *g)
{
    keel_mount_t mounts[64];
    int n = keel_tmpfs_mounts_read(mounts, 64, NULL);
    if (n <= 0)
        return;
    const char *dirs[] = {g->php.temp_dir, g->php.upload_tmp_dir, g->php.session_save_path};
    f->tmpfs_count = 0;
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        if (dirs[i][0] != '/')
            continue;
        int m = keel_mount_find(mounts, (size_t)n, dirs[i]);
        if (m < 0)
            continue;
        bool seen = false;
        for (unsigned k = 0; k < f->tmpfs_count; k++)
            seen |= strcmp(f->tmpfs[k].path, mounts[m].mountpoint) == 0;
        if (seen || f->tmpfs_count == sizeof(f->tmpfs) / sizeof(f->tmpfs[0]))
            continue;
        snprintf(f->tmpfs[f->tmpfs_count].path, sizeof(f->tmpfs[0].path), "%s", mounts[m].mountpoint);
        f->tmpfs[f->tmpfs_count].used = f->tmpfs[f->tmpfs_count].warned = keel_fs_used_bytes(mounts[m].mountpoint);
        char used[32];
        keel_info("tmpfs: %s (%s) is memory-backed and counts against the memory limit; %s used", mounts[m].mountpoint,
                  dirs[i], keel_format_bytes(used, sizeof(used), f->tmpfs[f->tmpfs_count].used));
        f->tmpfs_count++;
    }
}

int
keel_memory_budget(keel_front_t *f, keel_generation_t *g, char *err, size_t errlen)
{
    if (keel_mem_limit_read(&f->limit, NULL) != 0) {
        keel_warn("cannot read the memory limit; no budget check");
        return 0;
    }
    find_tmpfs(f, g);
    uint64_t tmpfs = 0;
    for (unsigned i = 0; i < f->tmpfs_count; i++)
        tmpfs += f->tmpfs[i].used;
    uint64_t per_worker = f->cfg.max_worker_memory ? f->cfg.max_worker_memory : g->php.memory_limit;
    unsigned classic = f->cfg.worker_script ? f->cfg.classic_workers : 0;
    f->budget_in = (keel_budget_input_t){
        .opcache_bytes = g->php.opcache_bytes,
        .front_bytes = process_rss(getpid()),
        .zygote_bytes = process_rss(g->zygote_pid),
        .per_worker_bytes = per_worker == UINT64_MAX ? 0 : per_worker,
        .reserve_bytes = RESERVE_BYTES,
        .tmpfs_bytes = tmpfs,
        .workers = f->cfg.workers + classic,
    };
    if (f->cfg.workers == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        keel_budget_input_t in = f->budget_in;
        in.workers = classic;
        unsigned n = keel_workers_auto(cpus > 0 ? (unsigned)cpus : 1, &in, f->limit.limit);
        f->cfg.workers = n > classic ? n - classic : 1;
        f->budget_in.workers = f->cfg.workers + classic;
        keel_info("--workers auto: %u (%ld CPUs, memory limit %s)", f->cfg.workers, cpus, f->limit.source);
    }
    f->budget = keel_budget_compute(&f->budget_in, f->limit.limit);
    f->budget_known = true;
    char line[1024];
    keel_budget_format(line, sizeof(line), &f->budget_in, &f->budget, f->limit.source);
    if (per_worker == UINT64_MAX)
        keel_warn("memory_limit is -1 and --max-worker-memory is not set: a worker's memory has no ceiling, so "
                  "the budget counts none for it");
    keel_info("%s", line);
    if (!f->budget.fits) {
        if (f->cfg.allow_overcommit) {
            keel_warn("the pool does not fit the memory limit; starting anyway (--allow-overcommit)");
            return 0;
        }
        snprintf(err, errlen, "%s; lower --workers or --max-worker-memory, or pass --allow-overcommit", line);
        return -1;
    }
    return 0;
}

void
keel_memory_tick(keel_front_t *f)
{
    uint64_t now = keel_now_ms();
    if (now - f->last_memory_check_ms < MEMORY_CHECK_MS)
        return;
    f->last_memory_check_ms = now;
    for (unsigned i = 0; i < f->tmpfs_count; i++) {
        f->tmpfs[i].used = keel_fs_used_bytes(f->tmpfs[i].path);
        if (f->tmpfs[i].used > f->tmpfs[i].warned + TMPFS_GROWTH_WARN_BYTES) {
            char a[32], b[32];
            keel_warn("tmpfs %s grew to %s (from %s): files there count against the memory limit", f->tmpfs[i].path,
                      keel_format_bytes(a, sizeof(a), f->tmpfs[i].used),
                      keel_format_bytes(b, sizeof(b), f->tmpfs[i].warned));
            f->tmpfs[i].warned = f->tmpfs[i].used;
        }
    }
    if (keel_mem_limit_read(&f->limit, NULL) != 0)
        f->limit.current = 0;
    /* The precise private figure (smaps_rollup walks every mapping, so it
     * is too costly per request): idle workers of the serving generation. */
    if (f->active == NULL)
        return;
    for (h2o_linklist_t *l = f->active->workers.next; l != &f->active->workers; l = l->next) {
        keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, gen_link, l);
        if (w->state != KEEL_WORKER_IDLE || w->pid <= 0)
            continue;
        char path[64], text[4096];
        snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)w->pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t n = read(fd, text, sizeof(text) - 1);
        close(fd);
        uint64_t priv;
        if (n > 0) {
            text[n] = '\0';
            if (keel_smaps_rollup_private(text, &priv) == 0)
                w->private_precise = priv;
        }
    }
}
