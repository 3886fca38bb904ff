#include "front/dashboard_data.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "front/event_log.h"
#include "supervisor/recycle.h"

size_t
keel_dashboard_workers_per_sample(const keel_front_snapshot_t *s)
{
    size_t most = 0;
    for (size_t i = 0; i < s->pool_count; i++)
        if (s->pools[i].generation == s->generation)
            most += s->pools[i].max;
    size_t n = most * KEEL_DASHBOARD_WORKERS_PER_SLOT + 2;
    return n < KEEL_DASHBOARD_WORKERS_MIN   ? KEEL_DASHBOARD_WORKERS_MIN
           : n > KEEL_DASHBOARD_WORKERS_MAX ? KEEL_DASHBOARD_WORKERS_MAX
                                            : n;
}

void
keel_dashboard_sample(keel_sample_ring_t *r, const keel_front_snapshot_t *s, uint64_t at_ms)
{
    keel_sample_t *x = keel_sample_ring_push(r, at_ms);
    if (x == NULL)
        return;
    x->requests_total = s->counters.requests_total;
    x->waiting_classic = (uint32_t)s->waiting[KEEL_POOL_CLASSIC];
    x->waiting_worker = (uint32_t)s->waiting[KEEL_POOL_WORKER];
    x->in_flight = (uint32_t)s->in_flight;
    if (s->have_limit) {
        x->memory_bytes = s->limit.current;
        x->memory_limit = s->limit.limit == UINT64_MAX ? 0 : s->limit.limit;
    }
    for (unsigned i = 0; i < s->tmpfs_count; i++)
        x->tmpfs_bytes += s->tmpfs[i].used;
    if (s->shmem.known)
        x->shmem_bytes = s->shmem.total;
    for (size_t i = 0; i < s->worker_count; i++) {
        const keel_worker_snapshot_t *w = &s->workers[i];
        keel_sample_worker_t sw = {
            .pid = w->pid,
            .generation = w->generation,
            .worker_mode = w->mode != NULL && strcmp(w->mode, "worker") == 0,
            .private_bytes = w->private_bytes,
        };
        keel_sample_ring_add_worker(r, x, &sw);
    }
}

/* --- building blocks --- */

/* A string from the front's figures, from PHP or from a client: as it is
 * when well-formed, cleaned otherwise (jansson takes UTF-8 only). */
static json_t *
text(const char *s)
{
    if (s == NULL)
        return json_null();
    size_t len = strlen(s);
    if (keel_utf8_valid(s, len))
        return json_stringn(s, len);
    size_t cap = len * 3 + 1; /* each byte may become U+FFFD */
    char *clean = malloc(cap);
    if (clean == NULL)
        return NULL;
    size_t n = keel_utf8_clean(clean, cap, s, len);
    json_t *j = json_stringn(clean, n);
    free(clean);
    return j;
}

/* JSON integers are signed 64-bit; no figure here comes near, but a wrapped
 * one would read as negative. */
static json_t *
u64(uint64_t v)
{
    return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

/* 0 means "not known" or "none" for this figure. */
static json_t *
u64_or_null(uint64_t v)
{
    return v ? u64(v) : json_null();
}

/* The wall-clock time of a monotonic instant, for the page's axes. */
static json_t *
wall(const keel_dashboard_clock_t *c, uint64_t at_ms)
{
    int64_t ago = c->now_ms > at_ms ? (int64_t)(c->now_ms - at_ms) : 0;
    return json_integer(c->wall_now_ms - ago);
}

/* --- now --- */

static json_t *
generations_json(const keel_front_snapshot_t *s)
{
    json_t *a = json_array();
    for (size_t i = 0; i < s->generation_count; i++) {
        const keel_generation_snapshot_t *g = &s->generations[i];
        json_array_append_new(a, json_pack("{s:I, s:o, s:i, s:b}", "number", (json_int_t)g->number, "state",
                                           text(g->state), "zygote_pid", g->zygote_pid, "opcache", g->opcache));
    }
    return a;
}

static json_t *
workers_json(const keel_front_snapshot_t *s)
{
    json_t *a = json_array();
    for (size_t i = 0; i < s->worker_count; i++) {
        const keel_worker_snapshot_t *w = &s->workers[i];
        json_t *o = json_pack("{s:i, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:I, s:f}", "pid", w->pid, "id",
                              (json_int_t)w->id, "generation", (json_int_t)w->generation, "mode", text(w->mode),
                              "state", text(w->state), "requests", u64(w->requests), "private_bytes",
                              u64(w->private_bytes), "zend_peak_bytes", u64(w->zend_peak_bytes), "growth_samples",
                              (json_int_t)w->growth_samples, "age_seconds", w->age_seconds);
        json_object_set_new(o, "growth_bytes_per_request",
                            w->growth_known ? json_real(w->growth_bytes_per_request) : json_null());
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *
pools_json(const keel_front_snapshot_t *s)
{
    json_t *a = json_array();
    for (size_t i = 0; i < s->pool_count; i++) {
        const keel_pool_snapshot_t *p = &s->pools[i];
        json_t *o =
            json_pack("{s:I, s:o, s:I, s:I, s:I, s:I, s:I, s:I}", "generation", (json_int_t)p->generation, "mode",
                      text(p->mode), "size", (json_int_t)p->size, "min", (json_int_t)p->min, "max", (json_int_t)p->max,
                      "starting", (json_int_t)p->starting, "idle", (json_int_t)p->idle, "busy", (json_int_t)p->busy);
        json_object_set_new(o, "last_change",
                            p->last_change ? json_pack("{s:o, s:f}", "what", text(p->last_change), "seconds_ago",
                                                       p->last_change_seconds_ago)
                                           : json_null());
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *
leak_json(const keel_front_snapshot_t *s)
{
    json_t *o = json_object();
    for (int k = 0; k < KEEL_POOL_KINDS; k++) {
        const keel_leak_snapshot_t *l = &s->leak[k];
        json_object_set_new(o, k == KEEL_POOL_WORKER ? "worker" : "classic",
                            l->valid ? json_pack("{s:f, s:I}", "growth_bytes_per_request", l->bytes_per_request,
                                                 "workers", (json_int_t)l->workers)
                                     : json_null());
    }
    return o;
}

static json_t *
memory_json(const keel_front_snapshot_t *s)
{
    json_t *o = json_object();
    if (s->have_limit) {
        json_object_set_new(o, "limit_bytes", s->limit.limit == UINT64_MAX ? json_null() : u64(s->limit.limit));
        json_object_set_new(o, "limit_source", text(s->limit.source));
        json_object_set_new(o, "current_bytes", u64(s->limit.current));
    }
    if (s->budget_known)
        json_object_set_new(
            o, "budget",
            json_pack("{s:o, s:b, s:o}", "needed_bytes", u64(s->budget.needed), "fits", s->budget.fits, "max_workers",
                      s->budget.max_workers == UINT_MAX ? json_null() : json_integer(s->budget.max_workers)));
    const keel_shmem_snapshot_t *sh = &s->shmem;
    if (sh->known)
        json_object_set_new(o, "shmem",
                            json_pack("{s:o, s:o, s:o, s:o, s:o}", "source", text(sh->source), "total_bytes",
                                      u64(sh->total), "opcache_bytes", u64(sh->opcache), "keel_bytes", u64(sh->keel),
                                      "files_bytes", u64(sh->files)));
    const keel_pressure_snapshot_t *p = &s->pressure;
    if (p->active)
        json_object_set_new(o, "pressure",
                            json_pack("{s:o, s:o, s:o, s:f}", "level", text(p->level), "working_set_bytes",
                                      u64(p->working_set), "limit_bytes", u64(p->limit), "percent",
                                      (double)p->permille / 10.0));
    json_object_set_new(o, "oom_kills", u64(s->counters.oom_kills));
    json_object_set_new(o, "shed_requests", u64(s->counters.pressure_shed));
    return o;
}

static json_t *
opcache_json(const keel_front_snapshot_t *s)
{
    if (!s->opcache_known)
        return json_null();
    const keel_opcache_stats_t *o = &s->opcache;
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "used_bytes", u64(o->used), "free_bytes",
                     u64(o->free), "wasted_bytes", u64(o->wasted), "interned_used_bytes", u64(o->interned_used),
                     "interned_free_bytes", u64(o->interned_free), "cached_keys", u64(o->keys), "max_cached_keys",
                     u64(o->max_keys), "hits", u64(s->opcache_hits), "misses", u64(s->opcache_misses), "restarts",
                     u64(o->oom_restarts + o->hash_restarts + o->manual_restarts));
}

static json_t *
tmpfs_json(const keel_front_snapshot_t *s)
{
    json_t *a = json_array();
    for (unsigned i = 0; i < s->tmpfs_count; i++) {
        const keel_tmpfs_snapshot_t *m = &s->tmpfs[i];
        json_t *o = json_pack("{s:o, s:o, s:o, s:b}", "path", text(m->path), "fstype", text(m->fstype), "used_bytes",
                              u64(m->used), "php_dir", m->php_dir);
        if (m->grew_bytes != 0) {
            json_t *most = json_array();
            for (size_t k = 0; k < m->grew_count; k++)
                json_array_append_new(most, json_pack("{s:o, s:o, s:o}", "path", text(m->grew[k].path), "grew_bytes",
                                                      u64(m->grew[k].grew), "used_bytes", u64(m->grew[k].bytes)));
            json_object_set_new(o, "last_growth",
                                json_pack("{s:o, s:f, s:f, s:o}", "bytes", u64(m->grew_bytes), "over_seconds",
                                          m->grew_over_seconds, "seconds_ago", m->grew_seconds_ago, "grew_most", most));
        }
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *
recycles_json(const keel_front_snapshot_t *s)
{
    json_t *o = json_object();
    for (int r = 1; r < KEEL_RECYCLE_REASONS; r++)
        json_object_set_new(o, keel_recycle_reason_name((keel_recycle_reason_t)r), u64(s->counters.recycles[r]));
    return o;
}

/* --- the last minutes --- */

static json_t *
sample_json(const keel_sample_ring_t *r, const keel_sample_t *x, const keel_dashboard_clock_t *c)
{
    /* requests per second since the sample before, while the ring has it */
    const keel_sample_t *prev = keel_sample_ring_get(r, x->seq - 1);
    json_t *rps = json_null();
    if (prev != NULL && x->at_ms > prev->at_ms && x->requests_total >= prev->requests_total)
        rps = json_real((double)(x->requests_total - prev->requests_total) * 1000.0 / (double)(x->at_ms - prev->at_ms));
    json_t *workers = json_array();
    const keel_sample_worker_t *w = keel_sample_ring_workers(r, x);
    for (uint32_t i = 0; i < x->worker_count; i++)
        json_array_append_new(workers, json_pack("[i, I, s, o]", w[i].pid, (json_int_t)w[i].generation,
                                                 w[i].worker_mode ? "worker" : "classic", u64(w[i].private_bytes)));
    return json_pack("{s:o, s:o, s:o, s:o, s:{s:I, s:I}, s:I, s:o, s:o, s:o, s:o, s:o, s:I}", "seq", u64(x->seq), "t",
                     wall(c, x->at_ms), "requests_total", u64(x->requests_total), "rps", rps, "waiting", "classic",
                     (json_int_t)x->waiting_classic, "worker", (json_int_t)x->waiting_worker, "in_flight",
                     (json_int_t)x->in_flight, "memory_bytes", u64_or_null(x->memory_bytes), "memory_limit_bytes",
                     u64_or_null(x->memory_limit), "tmpfs_bytes", u64(x->tmpfs_bytes), "shmem_bytes",
                     u64_or_null(x->shmem_bytes), "workers", workers, "workers_left_out",
                     (json_int_t)x->workers_left_out);
}

static json_t *
samples_json(const keel_sample_ring_t *r, uint64_t after, const keel_dashboard_clock_t *c)
{
    json_t *items = json_array();
    uint64_t first = keel_sample_ring_first(r), last = keel_sample_ring_last(r);
    for (uint64_t seq = after + 1 > first ? after + 1 : first; seq <= last; seq++)
        json_array_append_new(items, sample_json(r, keel_sample_ring_get(r, seq), c));
    return json_pack("{s:o, s:o, s:o, s:o, s:o}", "interval_ms", u64(c->interval_ms), "capacity", u64(r->cap), "first",
                     u64(first <= last ? first : 0), "last", u64(last), "items", items);
}

static json_t *
events_json(const keel_event_log_t *log, uint64_t after, const keel_dashboard_clock_t *c)
{
    json_t *items = json_array();
    uint64_t last = 0;
    if (log != NULL) {
        const keel_event_t *e[KEEL_EVENT_CAP];
        size_t n = keel_event_since(log, after, e, KEEL_EVENT_CAP);
        for (size_t i = 0; i < n; i++)
            json_array_append_new(items, json_pack("{s:o, s:o, s:s, s:o, s:o, s:o, s:o}", "seq", u64(e[i]->seq), "t",
                                                   wall(c, e[i]->at_ms), "kind", keel_event_kind_name(e[i]->kind),
                                                   "what", text(e[i]->what), "generation",
                                                   e[i]->generation ? json_integer(e[i]->generation) : json_null(),
                                                   "pid", e[i]->pid > 0 ? json_integer(e[i]->pid) : json_null(), "text",
                                                   text(e[i]->text)));
        last = log->last_seq;
    }
    return json_pack("{s:o, s:o}", "last", u64(last), "items", items);
}

json_t *
keel_dashboard_json(const keel_front_snapshot_t *s, const keel_sample_ring_t *r, const keel_dashboard_query_t *q,
                    const keel_dashboard_clock_t *c)
{
    json_t *root = json_object();
    if (root == NULL)
        return NULL;
    json_object_set_new(root, "version", json_string(KEEL_VERSION));
    json_object_set_new(root, "now", json_integer(c->wall_now_ms));
    json_object_set_new(root, "state", text(s->state));
    json_object_set_new(root, "generation", s->generation ? json_integer(s->generation) : json_null());
    json_object_set_new(root, "generations", generations_json(s));
    json_object_set_new(root, "requests_total", u64(s->counters.requests_total));
    json_object_set_new(root, "in_flight", u64(s->in_flight));
    json_object_set_new(root, "queue",
                        json_pack("{s:o, s:o}", "classic", u64(s->waiting[KEEL_POOL_CLASSIC]), "worker",
                                  u64(s->waiting[KEEL_POOL_WORKER])));
    json_object_set_new(root, "recycles", recycles_json(s));
    json_object_set_new(root, "worker_crashes", u64(s->counters.worker_crashes));
    json_object_set_new(
        root, "reloads",
        json_pack("{s:o, s:o}", "ok", u64(s->counters.reloads_ok), "failed", u64(s->counters.reloads_failed)));
    json_object_set_new(root, "opcache_swaps", u64(s->counters.opcache_swaps));
    json_object_set_new(root, "memory", memory_json(s));
    json_object_set_new(root, "opcache", opcache_json(s));
    json_object_set_new(root, "tmpfs", tmpfs_json(s));
    json_object_set_new(root, "pools", pools_json(s));
    json_object_set_new(root, "leak", leak_json(s));
    json_object_set_new(root, "workers", workers_json(s));
    json_object_set_new(root, "samples", samples_json(r, q->samples_after, c));
    json_object_set_new(root, "events", events_json(s->events, q->events_after, c));
    return root;
}
