#include "front/front_snapshot.h"

#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "supervisor/leak.h"

static const char *
front_state_name(keel_front_state_t s)
{
    return s == KEEL_FRONT_SERVING ? "serving" : s == KEEL_FRONT_STARTING ? "starting" : "stopping";
}

/* A free worker whose claim slot names a queued request runs it already. */
static const char *
worker_state_name(const keel_pool_t *p, const keel_front_worker_t *w)
{
    keel_worker_state_t s = w->life.state;
    if (keel_worker_state_is_free(s) && w->stream == 0) {
        uint32_t claim = keel_handoff_claim(p->handoff, w->claim_slot);
        if (claim != 0 && keel_handoff_find(p->handoff, claim) != NULL)
            s = s == KEEL_WORKER_IDLE            ? KEEL_WORKER_BUSY
                : s == KEEL_WORKER_HANDOVER_IDLE ? KEEL_WORKER_HANDOVER_BUSY
                                                 : KEEL_WORKER_LEAVING_BUSY;
    }
    return keel_worker_state_name(s);
}

static void
memory_parts(keel_front_t *f, h2o_mem_pool_t *pool, keel_front_snapshot_t *s, uint64_t now)
{
    const keel_memory_t *m = &f->memory;
    if (m->shmem_known)
        s->shmem = (keel_shmem_snapshot_t){.known = true,
                                           .source = m->sample.shmem_source,
                                           .total = m->shmem.total,
                                           .opcache = m->shmem.opcache,
                                           .keel = m->shmem.keel,
                                           .files = m->shmem.files};
    const keel_memory_guard_t *g = &m->guard;
    if (g->started && g->last.limit != UINT64_MAX)
        s->pressure = (keel_pressure_snapshot_t){.active = true,
                                                 .level = keel_pressure_level_name(g->state.level),
                                                 .working_set = g->working_set,
                                                 .limit = g->last.limit,
                                                 .permille = g->permille,
                                                 .psi_some_centi = g->last.psi_some_centi};
    for (unsigned i = 0; i < m->mount_count && i < KEEL_SNAPSHOT_TMPFS; i++) {
        const keel_memory_mount_t *mt = &m->mounts[i];
        keel_tmpfs_snapshot_t *t = &s->tmpfs[s->tmpfs_count++];
        t->path = h2o_strdup(pool, mt->path, SIZE_MAX).base;
        t->fstype = h2o_strdup(pool, mt->fstype, SIZE_MAX).base;
        t->used = mt->used;
        t->php_dir = mt->php_dir;
        if (mt->warned_ms == 0)
            continue;
        t->grew_bytes = mt->grew_bytes;
        t->grew_over_seconds = (double)mt->grew_over_ms / 1000.0;
        t->grew_seconds_ago = now > mt->warned_ms ? (double)(now - mt->warned_ms) / 1000.0 : 0.0;
        for (size_t k = 0; k < mt->grew_count && k < KEEL_SNAPSHOT_GREW; k++) {
            size_t len = strlen(mt->path) + strlen(mt->grew[k].path) + 2;
            char *full = h2o_mem_alloc_pool(pool, len);
            snprintf(full, len, "%s%s%s", mt->path, mt->grew[k].path[0] && strcmp(mt->path, "/") != 0 ? "/" : "",
                     mt->grew[k].path);
            t->grew[k].path = full;
            t->grew[k].grew = mt->grew[k].grew;
            t->grew[k].bytes = mt->grew[k].bytes;
            t->grew_count++;
        }
    }
}

void
keel_front_snapshot(keel_front_t *f, h2o_mem_pool_t *pool, keel_front_snapshot_t *s)
{
    memset(s, 0, sizeof(*s));
    uint64_t now = keel_now_ms();
    s->state = front_state_name(f->state);
    s->generation = f->active ? f->active->number : 0;
    s->in_flight = f->php.in_flight;
    s->counters = f->env.counters;
    s->events = &f->env.events;
    size_t gens = 0, workers = 0;
    for (h2o_linklist_t *gl = f->generations.next; gl != &f->generations; gl = gl->next) {
        keel_generation_t *g = H2O_STRUCT_FROM_MEMBER(keel_generation_t, link, gl);
        gens++;
        for (h2o_linklist_t *l = g->pool.workers.next; l != &g->pool.workers; l = l->next)
            workers += H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, pool_link, l)->pid > 0;
    }
    s->generations = h2o_mem_alloc_pool(pool, (gens ? gens : 1) * sizeof(*s->generations));
    s->pools = h2o_mem_alloc_pool(pool, (gens ? gens : 1) * KEEL_POOL_KINDS * sizeof(*s->pools));
    s->workers = h2o_mem_alloc_pool(pool, (workers ? workers : 1) * sizeof(*s->workers));
    for (int k = 0; k < KEEL_POOL_KINDS; k++)
        s->waiting[k] = f->dispatch.queues[k].len;
    for (h2o_linklist_t *gl = f->generations.next; gl != &f->generations; gl = gl->next) {
        keel_generation_t *g = H2O_STRUCT_FROM_MEMBER(keel_generation_t, link, gl);
        s->generations[s->generation_count++] = (keel_generation_snapshot_t){
            .number = g->number,
            .state = keel_gen_state_name(g->state),
            .zygote_pid = (int)g->zygote_pid,
            .opcache = g->opcache,
        };
        for (int k = 0; k < KEEL_POOL_KINDS; k++)
            for (h2o_linklist_t *l = g->handoff.queued[k].next; l != &g->handoff.queued[k]; l = l->next)
                s->waiting[k] += !keel_pool_is_claimed(&g->pool, H2O_STRUCT_FROM_MEMBER(keel_job_t, link, l)->stream);
        for (int k = 0; k < KEEL_POOL_KINDS; k++) {
            unsigned min = keel_pool_target(&f->cfg, (keel_pool_kind_t)k);
            if (min == 0)
                continue;
            keel_pool_sizes_t n;
            keel_pool_sizes(&g->pool, (keel_pool_kind_t)k, &n);
            const char *why = g->pool.change[k].why;
            uint64_t at = g->pool.change[k].at_ms;
            s->pools[s->pool_count++] = (keel_pool_snapshot_t){
                .generation = g->number,
                .mode = k == KEEL_POOL_WORKER ? "worker" : "classic",
                .size = n.live,
                .min = min,
                .max = keel_pool_ceiling(&f->cfg, (keel_pool_kind_t)k),
                .starting = n.starting,
                .idle = n.idle,
                .busy = n.busy,
                .last_change = why[0] ? h2o_strdup(pool, why, SIZE_MAX).base : NULL,
                .last_change_seconds_ago = at && now > at ? (double)(now - at) / 1000.0 : 0.0,
            };
        }
        for (h2o_linklist_t *l = g->pool.workers.next; l != &g->pool.workers; l = l->next) {
            const keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, pool_link, l);
            if (w->pid <= 0)
                continue;
            keel_leak_estimate_t e = keel_leak_published(&w->leak);
            s->workers[s->worker_count++] = (keel_worker_snapshot_t){
                .id = w->id,
                .pid = (int)w->pid,
                .generation = g->number,
                .mode = w->kind == KEEL_POOL_WORKER ? "worker" : "classic",
                .state = worker_state_name(&g->pool, w),
                .requests = w->stats.requests,
                .private_bytes = w->stats.rss_private,
                .private_precise_bytes = w->private_precise,
                .zend_peak_bytes = w->stats.zend_peak,
                .growth_known = e.valid,
                .growth_bytes_per_request = e.valid ? e.bytes_per_request : 0.0,
                .growth_samples = e.samples,
                .age_seconds = w->started_ms ? (double)(now - w->started_ms) / 1000.0 : 0.0,
            };
        }
    }
    s->have_limit = keel_mem_limit_read(&s->limit, NULL) == 0;
    s->budget_known = f->memory.budget_known;
    s->budget = f->memory.budget;
    if (f->active != NULL && f->active->opcache_known) {
        s->opcache_known = true;
        s->opcache = f->active->opcache_stats;
        s->opcache_hits = f->active->opcache_hits;
        s->opcache_misses = f->active->opcache_misses;
    }
    memory_parts(f, pool, s, now);
    if (f->active != NULL)
        for (int k = 0; k < KEEL_POOL_KINDS; k++) {
            keel_leak_pool_estimate_t e = keel_pool_leak(&f->active->pool, (keel_pool_kind_t)k);
            s->leak[k] = (keel_leak_snapshot_t){e.valid, e.bytes_per_request, e.workers};
        }
}
