#include "front/admin.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "common/log.h"
#include "front/admin_guard.h"
#include "front/health_path.h"
#include "front/listener.h"

typedef struct {
    h2o_handler_t super;
    keel_admin_t *admin;
} admin_handler_t;

/* A growing text buffer in the request's pool. */
typedef struct {
    h2o_mem_pool_t *pool;
    char *buf;
    size_t len, cap;
} text_t;

static void __attribute__((format(printf, 2, 3))) append(text_t *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = (t->cap + (size_t)n) * 2;
        char *nb = h2o_mem_alloc_pool(t->pool, cap);
        memcpy(nb, t->buf, t->len);
        t->buf = nb;
        t->cap = cap;
    }
}

static void
worker_json(text_t *t, const keel_worker_snapshot_t *w, int first)
{
    char growth[32] = "null";
    if (w->growth_known)
        snprintf(growth, sizeof(growth), "%.1f", w->growth_bytes_per_request);
    append(t,
           "%s\n    {\"id\": %u, \"pid\": %d, \"generation\": %u, \"mode\": \"%s\", \"state\": \"%s\", "
           "\"requests\": %llu, \"private_bytes\": %llu, \"private_precise_bytes\": %llu, \"zend_peak_bytes\": %llu, "
           "\"growth_bytes_per_request\": %s, \"growth_samples\": %zu, \"age_seconds\": %.1f}",
           first ? "" : ",", w->id, w->pid, w->generation, w->mode, w->state, (unsigned long long)w->requests,
           (unsigned long long)w->private_bytes, (unsigned long long)w->private_precise_bytes,
           (unsigned long long)w->zend_peak_bytes, growth, w->growth_samples, w->age_seconds);
}

/* A string from the front's own figures (paths, reasons) as JSON: quotes,
 * backslashes and control bytes escaped. */
static void
json_string(text_t *t, const char *s)
{
    append(t, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            append(t, "\\%c", c);
        else if (c < 0x20)
            append(t, "\\u%04x", c);
        else
            append(t, "%c", c);
    }
    append(t, "\"");
}

static void
memory_json(const keel_front_snapshot_t *s, text_t *t)
{
    const keel_shmem_snapshot_t *sh = &s->shmem;
    if (sh->known)
        append(
            t,
            ", \"shmem\": {\"source\": \"%s\", \"total_bytes\": %llu, \"opcache_bytes\": %llu, \"keel_bytes\": %llu, "
            "\"files_bytes\": %llu}",
            sh->source ? sh->source : "", (unsigned long long)sh->total, (unsigned long long)sh->opcache,
            (unsigned long long)sh->keel, (unsigned long long)sh->files);
    const keel_pressure_snapshot_t *p = &s->pressure;
    if (p->active) {
        append(t,
               ", \"pressure\": {\"level\": \"%s\", \"working_set_bytes\": %llu, \"limit_bytes\": %llu, "
               "\"percent\": %u.%u, \"psi_some_avg10\": ",
               p->level, (unsigned long long)p->working_set, (unsigned long long)p->limit, p->permille / 10,
               p->permille % 10);
        if (p->psi_some_centi >= 0)
            append(t, "%d.%02d", p->psi_some_centi / 100, p->psi_some_centi % 100);
        else
            append(t, "null");
        append(t, "}");
    }
    append(t, ", \"oom_kills\": %llu, \"shed_requests\": %llu", (unsigned long long)s->counters.oom_kills,
           (unsigned long long)s->counters.pressure_shed);
}

static void
tmpfs_json(const keel_front_snapshot_t *s, text_t *t)
{
    append(t, "  \"tmpfs\": [");
    for (unsigned i = 0; i < s->tmpfs_count; i++) {
        const keel_tmpfs_snapshot_t *m = &s->tmpfs[i];
        append(t, "%s{\"path\": ", i ? ", " : "");
        json_string(t, m->path);
        append(t, ", \"fstype\": ");
        json_string(t, m->fstype);
        append(t, ", \"used_bytes\": %llu, \"php_dir\": %s", (unsigned long long)m->used,
               m->php_dir ? "true" : "false");
        if (m->grew_bytes != 0) {
            append(
                t,
                ", \"last_growth\": {\"bytes\": %llu, \"over_seconds\": %.1f, \"seconds_ago\": %.1f, \"grew_most\": [",
                (unsigned long long)m->grew_bytes, m->grew_over_seconds, m->grew_seconds_ago);
            for (size_t k = 0; k < m->grew_count; k++) {
                append(t, "%s{\"path\": ", k ? ", " : "");
                json_string(t, m->grew[k].path);
                append(t, ", \"grew_bytes\": %llu, \"used_bytes\": %llu}", (unsigned long long)m->grew[k].grew,
                       (unsigned long long)m->grew[k].bytes);
            }
            append(t, "]}");
        }
        append(t, "}");
    }
    append(t, "],\n");
}

/* A Prometheus label value: backslash, quote and newline escaped. */
static void
label_value(text_t *t, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            append(t, "\\%c", *s);
        else if (*s == '\n')
            append(t, "\\n");
        else
            append(t, "%c", *s);
    }
}

static void
pools_json(const keel_front_snapshot_t *s, text_t *t)
{
    append(t, "  \"pools\": [");
    for (size_t i = 0; i < s->pool_count; i++) {
        const keel_pool_snapshot_t *p = &s->pools[i];
        append(t,
               "%s{\"generation\": %u, \"mode\": \"%s\", \"size\": %u, \"min\": %u, \"max\": %u, \"starting\": %u, "
               "\"idle\": %u, \"busy\": %u, \"last_change\": ",
               i ? ", " : "", p->generation, p->mode, p->size, p->min, p->max, p->starting, p->idle, p->busy);
        if (p->last_change != NULL) {
            append(t, "{\"what\": ");
            json_string(t, p->last_change);
            append(t, ", \"seconds_ago\": %.1f}", p->last_change_seconds_ago);
        } else {
            append(t, "null");
        }
        append(t, "}");
    }
    append(t, "],\n  \"leak\": {");
    for (int k = 0; k < KEEL_POOL_KINDS; k++) {
        const keel_leak_snapshot_t *l = &s->leak[k];
        append(t, "%s\"%s\": ", k ? ", " : "", k == KEEL_POOL_WORKER ? "worker" : "classic");
        if (l->valid)
            append(t, "{\"growth_bytes_per_request\": %.1f, \"workers\": %zu}", l->bytes_per_request, l->workers);
        else
            append(t, "null");
    }
    append(t, "},\n");
}

static void
render_status(const keel_front_snapshot_t *s, text_t *t)
{
    append(t, "{\n  \"version\": \"%s\",\n  \"state\": \"%s\",\n", KEEL_VERSION, s->state);
    append(t, "  \"generation\": %u,\n", s->generation);
    append(t, "  \"generations\": [");
    for (size_t i = 0; i < s->generation_count; i++) {
        const keel_generation_snapshot_t *g = &s->generations[i];
        append(t, "%s{\"number\": %u, \"state\": \"%s\", \"zygote_pid\": %d, \"opcache\": %s}", i ? ", " : "",
               g->number, g->state, g->zygote_pid, g->opcache ? "true" : "false");
    }
    append(t, "],\n  \"requests_total\": %llu,\n  \"in_flight\": %zu,\n",
           (unsigned long long)s->counters.requests_total, s->in_flight);
    append(t, "  \"queue\": {\"classic\": %zu, \"worker\": %zu},\n", s->waiting[KEEL_POOL_CLASSIC],
           s->waiting[KEEL_POOL_WORKER]);
    append(t, "  \"recycles\": {");
    for (int r = 1; r < KEEL_RECYCLE_REASONS; r++)
        append(t, "%s\"%s\": %llu", r == 1 ? "" : ", ", keel_recycle_reason_name((keel_recycle_reason_t)r),
               (unsigned long long)s->counters.recycles[r]);
    append(t, "},\n  \"worker_crashes\": %llu,\n", (unsigned long long)s->counters.worker_crashes);
    append(t, "  \"reloads\": {\"ok\": %llu, \"failed\": %llu},\n", (unsigned long long)s->counters.reloads_ok,
           (unsigned long long)s->counters.reloads_failed);
    if (s->have_limit) {
        append(t, "  \"memory\": {\"limit_bytes\": %llu, \"limit_source\": \"%s\", \"current_bytes\": %llu",
               s->limit.limit == UINT64_MAX ? 0ull : (unsigned long long)s->limit.limit, s->limit.source,
               (unsigned long long)s->limit.current);
        if (s->budget_known)
            append(t, ", \"budget_bytes\": %llu, \"budget_fits\": %s, \"budget_max_workers\": %u",
                   (unsigned long long)s->budget.needed, s->budget.fits ? "true" : "false", s->budget.max_workers);
        memory_json(s, t);
        append(t, "},\n");
    }
    if (s->opcache_known) {
        const keel_opcache_stats_t *o = &s->opcache;
        append(t,
               "  \"opcache\": {\"used_bytes\": %llu, \"free_bytes\": %llu, \"wasted_bytes\": %llu, "
               "\"interned_used_bytes\": %llu, \"interned_free_bytes\": %llu, \"cached_keys\": %llu, "
               "\"max_cached_keys\": %llu, \"restarts\": %llu, \"hits\": %llu, \"misses\": %llu, "
               "\"generation_swaps\": %llu},\n",
               (unsigned long long)o->used, (unsigned long long)o->free, (unsigned long long)o->wasted,
               (unsigned long long)o->interned_used, (unsigned long long)o->interned_free, (unsigned long long)o->keys,
               (unsigned long long)o->max_keys,
               (unsigned long long)(o->oom_restarts + o->hash_restarts + o->manual_restarts),
               (unsigned long long)s->opcache_hits, (unsigned long long)s->opcache_misses,
               (unsigned long long)s->counters.opcache_swaps);
    }
    tmpfs_json(s, t);
    pools_json(s, t);
    append(t, "  \"workers\": [");
    for (size_t i = 0; i < s->worker_count; i++)
        worker_json(t, &s->workers[i], i == 0);
    append(t, "%s]\n}\n", s->worker_count ? "\n  " : "");
}

/* One per-worker metric: its samples must form one group (Prometheus text
 * format), so each metric walks every worker. */
static void
metric_workers(text_t *t, const keel_front_snapshot_t *s, const char *name, const char *type, const char *help,
               size_t value_offset, bool is_double)
{
    append(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
    for (size_t i = 0; i < s->worker_count; i++) {
        const keel_worker_snapshot_t *w = &s->workers[i];
        /* no estimate yet: no sample, rather than a 0 that reads as no growth */
        if (value_offset == offsetof(keel_worker_snapshot_t, growth_bytes_per_request) && !w->growth_known)
            continue;
        const char *field = (const char *)w + value_offset;
        double v = is_double ? *(const double *)field : (double)*(const uint64_t *)field;
        append(t, "%s{pid=\"%d\",generation=\"%u\",mode=\"%s\",state=\"%s\"} %.1f\n", name, w->pid, w->generation,
               w->mode, w->state, v);
    }
}

static void
render_metrics(const keel_front_snapshot_t *s, text_t *t)
{
    append(t, "# HELP keel_requests_total PHP requests completed.\n# TYPE keel_requests_total counter\n");
    append(t, "keel_requests_total %llu\n", (unsigned long long)s->counters.requests_total);
    append(t, "# HELP keel_queue_depth Requests waiting for a worker.\n# TYPE keel_queue_depth gauge\n");
    append(t, "keel_queue_depth{mode=\"classic\"} %zu\nkeel_queue_depth{mode=\"worker\"} %zu\n",
           s->waiting[KEEL_POOL_CLASSIC], s->waiting[KEEL_POOL_WORKER]);
    append(t, "# HELP keel_worker_recycles_total Workers recycled, by reason.\n"
              "# TYPE keel_worker_recycles_total counter\n");
    for (int r = 1; r < KEEL_RECYCLE_REASONS; r++)
        append(t, "keel_worker_recycles_total{reason=\"%s\"} %llu\n",
               keel_recycle_reason_name((keel_recycle_reason_t)r), (unsigned long long)s->counters.recycles[r]);
    append(t,
           "# HELP keel_worker_crashes_total Workers killed by a signal.\n"
           "# TYPE keel_worker_crashes_total counter\nkeel_worker_crashes_total %llu\n",
           (unsigned long long)s->counters.worker_crashes);
    append(t,
           "# HELP keel_reloads_total Generation reloads, by outcome.\n# TYPE keel_reloads_total counter\n"
           "keel_reloads_total{outcome=\"ok\"} %llu\nkeel_reloads_total{outcome=\"failed\"} %llu\n",
           (unsigned long long)s->counters.reloads_ok, (unsigned long long)s->counters.reloads_failed);
    append(t,
           "# HELP keel_generation The generation serving new requests.\n# TYPE keel_generation gauge\n"
           "keel_generation %u\n",
           s->generation);
    if (s->have_limit) {
        append(t,
               "# HELP keel_memory_limit_bytes The memory limit that applies (0: none).\n"
               "# TYPE keel_memory_limit_bytes gauge\nkeel_memory_limit_bytes %llu\n",
               s->limit.limit == UINT64_MAX ? 0ull : (unsigned long long)s->limit.limit);
        append(t,
               "# HELP keel_memory_used_bytes Memory in use under that limit.\n"
               "# TYPE keel_memory_used_bytes gauge\nkeel_memory_used_bytes %llu\n",
               (unsigned long long)s->limit.current);
    }
    append(t,
           "# HELP keel_opcache_generation_swaps_total Generations started for OPcache's sake.\n"
           "# TYPE keel_opcache_generation_swaps_total counter\nkeel_opcache_generation_swaps_total %llu\n",
           (unsigned long long)s->counters.opcache_swaps);
    if (s->opcache_known) {
        const keel_opcache_stats_t *o = &s->opcache;
        append(t,
               "# HELP keel_opcache_memory_bytes OPcache shared memory of the serving generation.\n"
               "# TYPE keel_opcache_memory_bytes gauge\n"
               "keel_opcache_memory_bytes{state=\"used\"} %llu\nkeel_opcache_memory_bytes{state=\"free\"} %llu\n"
               "keel_opcache_memory_bytes{state=\"wasted\"} %llu\n",
               (unsigned long long)o->used, (unsigned long long)o->free, (unsigned long long)o->wasted);
        append(t,
               "# HELP keel_opcache_interned_strings_bytes OPcache interned strings buffer.\n"
               "# TYPE keel_opcache_interned_strings_bytes gauge\n"
               "keel_opcache_interned_strings_bytes{state=\"used\"} %llu\n"
               "keel_opcache_interned_strings_bytes{state=\"free\"} %llu\n",
               (unsigned long long)o->interned_used, (unsigned long long)o->interned_free);
        append(t,
               "# HELP keel_opcache_cached_keys Keys cached, and the maximum.\n"
               "# TYPE keel_opcache_cached_keys gauge\n"
               "keel_opcache_cached_keys{kind=\"cached\"} %llu\nkeel_opcache_cached_keys{kind=\"max\"} %llu\n",
               (unsigned long long)o->keys, (unsigned long long)o->max_keys);
        append(t,
               "# HELP keel_opcache_restarts_total Restarts OPcache did by itself in the serving generation.\n"
               "# TYPE keel_opcache_restarts_total counter\nkeel_opcache_restarts_total %llu\n",
               (unsigned long long)(o->oom_restarts + o->hash_restarts + o->manual_restarts));
    }
    if (s->budget_known)
        append(t,
               "# HELP keel_memory_budget_bytes Memory the configured pool may need.\n"
               "# TYPE keel_memory_budget_bytes gauge\nkeel_memory_budget_bytes %llu\n",
               (unsigned long long)s->budget.needed);
    append(t, "# HELP keel_tmpfs_used_bytes Bytes used on memory-backed filesystems the workers can write to.\n"
              "# TYPE keel_tmpfs_used_bytes gauge\n");
    for (unsigned i = 0; i < s->tmpfs_count; i++) {
        append(t, "keel_tmpfs_used_bytes{path=\"");
        label_value(t, s->tmpfs[i].path);
        append(t, "\"} %llu\n", (unsigned long long)s->tmpfs[i].used);
    }
    if (s->shmem.known)
        append(t,
               "# HELP keel_memory_shmem_bytes Shared memory charged to keel's cgroup, by whose it is.\n"
               "# TYPE keel_memory_shmem_bytes gauge\n"
               "keel_memory_shmem_bytes{part=\"total\"} %llu\nkeel_memory_shmem_bytes{part=\"opcache\"} %llu\n"
               "keel_memory_shmem_bytes{part=\"keel\"} %llu\nkeel_memory_shmem_bytes{part=\"files\"} %llu\n",
               (unsigned long long)s->shmem.total, (unsigned long long)s->shmem.opcache,
               (unsigned long long)s->shmem.keel, (unsigned long long)s->shmem.files);
    if (s->pressure.active)
        append(t,
               "# HELP keel_memory_working_set_bytes Usage of keel's cgroup less its inactive file cache.\n"
               "# TYPE keel_memory_working_set_bytes gauge\nkeel_memory_working_set_bytes %llu\n"
               "# HELP keel_memory_pressure_level 0 none, 1 recycle, 2 hold, 3 shed.\n"
               "# TYPE keel_memory_pressure_level gauge\nkeel_memory_pressure_level %d\n",
               (unsigned long long)s->pressure.working_set,
               strcmp(s->pressure.level, "shed") == 0      ? 3
               : strcmp(s->pressure.level, "hold") == 0    ? 2
               : strcmp(s->pressure.level, "recycle") == 0 ? 1
                                                           : 0);
    append(t,
           "# HELP keel_memory_oom_kills_total Processes the kernel's OOM killer killed in keel's cgroup.\n"
           "# TYPE keel_memory_oom_kills_total counter\nkeel_memory_oom_kills_total %llu\n"
           "# HELP keel_requests_shed_total PHP requests answered 503 under memory pressure.\n"
           "# TYPE keel_requests_shed_total counter\nkeel_requests_shed_total %llu\n",
           (unsigned long long)s->counters.oom_kills, (unsigned long long)s->counters.pressure_shed);
    append(t, "# HELP keel_pool_workers Workers of each pool that are not going.\n# TYPE keel_pool_workers gauge\n");
    for (size_t i = 0; i < s->pool_count; i++)
        append(t, "keel_pool_workers{generation=\"%u\",mode=\"%s\"} %u\n", s->pools[i].generation, s->pools[i].mode,
               s->pools[i].size);
    append(t,
           "# HELP keel_pool_changes_total Workers started beyond a pool's minimum, or let go above it.\n"
           "# TYPE keel_pool_changes_total counter\n"
           "keel_pool_changes_total{direction=\"grew\"} %llu\nkeel_pool_changes_total{direction=\"shrank\"} %llu\n",
           (unsigned long long)s->counters.workers_added, (unsigned long long)s->counters.workers_shrunk);
    append(t, "# HELP keel_memory_growth_bytes_per_request Private memory growth of each pool's workers, across "
              "recycling.\n# TYPE keel_memory_growth_bytes_per_request gauge\n");
    for (int k = 0; k < KEEL_POOL_KINDS; k++)
        if (s->leak[k].valid)
            append(t, "keel_memory_growth_bytes_per_request{mode=\"%s\"} %.1f\n",
                   k == KEEL_POOL_WORKER ? "worker" : "classic", s->leak[k].bytes_per_request);
    metric_workers(t, s, "keel_worker_requests_total", "counter", "Requests served by each worker.",
                   offsetof(keel_worker_snapshot_t, requests), false);
    metric_workers(t, s, "keel_worker_private_memory_bytes", "gauge", "Resident memory private to each worker.",
                   offsetof(keel_worker_snapshot_t, private_bytes), false);
    metric_workers(t, s, "keel_worker_zend_peak_memory_bytes", "gauge",
                   "memory_get_peak_usage() after the last request.", offsetof(keel_worker_snapshot_t, zend_peak_bytes),
                   false);
    metric_workers(t, s, "keel_worker_memory_growth_bytes_per_request", "gauge", "Estimated private memory growth.",
                   offsetof(keel_worker_snapshot_t, growth_bytes_per_request), true);
    metric_workers(t, s, "keel_worker_age_seconds", "gauge", "Time since the worker became ready.",
                   offsetof(keel_worker_snapshot_t, age_seconds), true);
}

static void
send_text(h2o_req_t *req, int status, const char *reason, const char *type, text_t *t)
{
    req->res.status = status;
    req->res.reason = reason;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, type, strlen(type));
    h2o_send_inline(req, t->buf, t->len);
}

/* --- POST /reload: answered when the reload has succeeded or failed --- */

typedef struct {
    keel_admin_t *admin;
    h2o_req_t *req;
} reload_wait_t;

static void
on_reload_wait_dispose(void *p)
{
    reload_wait_t *rw = p;
    /* The client left before the outcome: forget it. */
    rw->admin->ops->forget_reload(rw->admin->owner, rw);
}

static void
on_reload_done(void *data, uint32_t generation, const char *error)
{
    reload_wait_t *rw = data;
    h2o_req_t *req = rw->req;
    text_t t = {.pool = &req->pool, .buf = h2o_mem_alloc_pool(&req->pool, 256), .cap = 256};
    if (error == NULL) {
        append(&t, "{\"generation\": %u}\n", generation);
        send_text(req, 200, "OK", "application/json", &t);
    } else {
        /* keep the message valid JSON: quotes and control bytes go */
        char clean[512];
        size_t n = 0;
        for (const char *p = error; *p && n < sizeof(clean) - 1; p++)
            clean[n++] = (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20) ? ' ' : *p;
        clean[n] = '\0';
        append(&t, "{\"error\": \"%s\"}\n", clean);
        send_text(req, 500, "Internal Server Error", "application/json", &t);
    }
}

static keel_admin_text_t
header_text(const h2o_req_t *req, const h2o_token_t *token, const char *name, size_t name_len)
{
    ssize_t i = token != NULL ? h2o_find_header(&req->headers, token, -1)
                              : h2o_find_header_by_str(&req->headers, name, name_len, -1);
    if (i == -1)
        return (keel_admin_text_t){NULL, 0};
    return (keel_admin_text_t){req->headers.entries[i].value.base, req->headers.entries[i].value.len};
}

/* Logged at the 1st, 2nd, 4th, 8th... refusal: seen, without letting
 * whoever reaches the port fill the log. */
static void
refuse(keel_admin_t *a, h2o_req_t *req, int status, const char *reason, const char *body, const char *why)
{
    a->refused++;
    if (why != NULL && (a->refused & (a->refused - 1)) == 0)
        keel_warn("admin: refused a request %s (%llu refused so far)", why, (unsigned long long)a->refused);
    h2o_send_error_generic(req, status, reason, body, H2O_SEND_ERROR_KEEP_HEADERS);
}

static int
on_admin_req(h2o_handler_t *self, h2o_req_t *req)
{
    keel_admin_t *a = ((admin_handler_t *)self)->admin;
    /* The request as sent: h2o's normalised path would turn /x/../reload
     * and /%72eload into /reload. */
    keel_admin_request_t in = {
        .method = {req->method.base, req->method.len},
        .target = {req->path.base, req->path.len},
        .origin = header_text(req, NULL, H2O_STRLIT("origin")),
        .sec_fetch_site = header_text(req, NULL, H2O_STRLIT("sec-fetch-site")),
        .authorization = header_text(req, H2O_TOKEN_AUTHORIZATION, NULL, 0),
        .content_type = header_text(req, H2O_TOKEN_CONTENT_TYPE, NULL, 0),
    };
    if (req->authority.base != a->host->authority.hostport.base)
        in.host = (keel_admin_text_t){req->authority.base, req->authority.len};
    text_t t = {.pool = &req->pool, .buf = h2o_mem_alloc_pool(&req->pool, 4096), .cap = 4096};
    keel_front_snapshot_t snap;
    keel_admin_verdict_t verdict = a->read_only ? keel_admin_check_read_only(&in)
                                                : keel_admin_check(&in, a->token_len ? a->token : NULL, a->token_len);
    switch (verdict) {
    case KEEL_ADMIN_HEALTHZ: {
        /* answered at all: the loop runs */
        static const char live[] = "live\n";
        req->res.status = 200;
        req->res.reason = "OK";
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                       H2O_STRLIT("text/plain; charset=utf-8"));
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL, H2O_STRLIT("no-store"));
        req->res.content_length = sizeof(live) - 1;
        h2o_send_inline(req, live, sizeof(live) - 1);
        break;
    }
    case KEEL_ADMIN_READYZ: {
        keel_readiness_t r;
        a->ops->readiness(a->owner, &r);
        keel_health_answer(req, &r);
        break;
    }
    case KEEL_ADMIN_STATUS:
        a->ops->snapshot(a->owner, &req->pool, &snap);
        render_status(&snap, &t);
        send_text(req, 200, "OK", "application/json", &t);
        break;
    case KEEL_ADMIN_METRICS:
        a->ops->snapshot(a->owner, &req->pool, &snap);
        render_metrics(&snap, &t);
        send_text(req, 200, "OK", "text/plain; version=0.0.4", &t);
        break;
    case KEEL_ADMIN_PAGE:
        keel_dashboard_page(&a->dashboard, req);
        break;
    case KEEL_ADMIN_DASHBOARD:
        keel_dashboard_data(&a->dashboard, req);
        break;
    case KEEL_ADMIN_RELOAD: {
        reload_wait_t *rw = h2o_mem_alloc_shared(&req->pool, sizeof(*rw), on_reload_wait_dispose);
        rw->admin = a;
        rw->req = req;
        a->ops->reload(a->owner, on_reload_done, rw);
        break;
    }
    case KEEL_ADMIN_CROSS_SITE:
        refuse(a, req, 403, "Forbidden", "Forbidden: not from another site, and Host must name loopback\n",
               "from another site (Origin, Sec-Fetch-Site, or a Host that is not loopback)");
        break;
    case KEEL_ADMIN_UNAUTHORIZED:
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL,
                       H2O_STRLIT("Bearer realm=\"keel\""));
        refuse(a, req, 401, "Unauthorized",
               "Unauthorized: send Authorization: Bearer with the token of --admin-token\n",
               "without the token of --admin-token");
        break;
    case KEEL_ADMIN_BAD_METHOD: {
        int reload = h2o_memis(req->path.base, req->path.len < 7 ? req->path.len : 7, H2O_STRLIT("/reload"));
        h2o_iovec_t allow = reload ? h2o_iovec_init(H2O_STRLIT("POST")) : h2o_iovec_init(H2O_STRLIT("GET, HEAD"));
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, allow.base, allow.len);
        refuse(a, req, 405, "Method Not Allowed",
               a->read_only ? "Method Not Allowed: GET /metrics, /healthz or /readyz\n"
                            : "Method Not Allowed: GET /status, /metrics, /healthz, /readyz or POST /reload\n",
               NULL);
        break;
    }
    case KEEL_ADMIN_FORM_POST:
        refuse(a, req, 415, "Unsupported Media Type",
               "Unsupported Media Type: POST /reload needs a Content-Type a form cannot send, such as "
               "application/json\n",
               "that a web form could send (POST /reload without a Content-Type such as application/json)");
        break;
    case KEEL_ADMIN_NOT_FOUND:
    default:
        h2o_send_error_404(req, "Not Found",
                           a->read_only ? "Not Found: try GET /metrics, /healthz or /readyz\n"
                                        : "Not Found: try GET / (the dashboard), GET /status, /metrics, /healthz, "
                                          "/readyz or POST /reload\n",
                           0);
        break;
    }
    return 0;
}

static void
on_admin_accept(h2o_socket_t *listener, const char *err)
{
    if (err != NULL)
        return;
    keel_admin_t *a = listener->data;
    h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
    if (sock != NULL)
        h2o_accept(&a->accept_ctx, sock);
}

/* Whether fd's address is loopback only (127.0.0.0/8, ::1, or 127.x as
 * an IPv4-mapped address); an unknown family counts as beyond. */
static bool
bound_to_loopback(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return false;
    if (ss.ss_family == AF_INET)
        return (ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) == 127;
    if (ss.ss_family == AF_INET6) {
        const struct in6_addr *a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
    }
    return false;
}

/* Its own h2o configuration on fd, so its paths exist only there. */
static void
serve_on(keel_admin_t *a, h2o_loop_t *loop, int fd)
{
    h2o_config_init(&a->conf);
    a->host = h2o_config_register_host(&a->conf, h2o_iovec_init(H2O_STRLIT("admin")), 65535);
    h2o_pathconf_t *pc = h2o_config_register_path(a->host, "/", 0);
    admin_handler_t *h = (void *)h2o_create_handler(pc, sizeof(*h));
    h->super.on_req = on_admin_req;
    h->admin = a;
    h2o_context_init(&a->ctx, loop, &a->conf);
    a->accept_ctx.ctx = &a->ctx;
    a->accept_ctx.hosts = a->conf.hosts;
    a->listener = h2o_evloop_socket_create(loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    a->listener->data = a;
}

static void
init(keel_admin_t *a, const keel_admin_ops_t *ops, void *owner)
{
    a->ops = ops;
    a->owner = owner;
    a->listener = NULL;
    a->token_len = 0;
    a->refused = 0;
    a->read_only = false;
}

int
keel_admin_start(keel_admin_t *a, h2o_loop_t *loop, const keel_config_t *cfg, const keel_admin_ops_t *ops, void *owner,
                 char *err, size_t errlen)
{
    init(a, ops, owner);
    if (cfg->admin == NULL)
        return 0;
    if (cfg->admin_token_file != NULL) {
        int loose = 0;
        long n = keel_token_file_read(cfg->admin_token_file, a->token, sizeof(a->token), &loose, err, errlen);
        if (n < 0)
            return -1;
        a->token_len = (size_t)n;
        if (loose)
            keel_warn("--admin-token %s can be read by other users than its owner (chmod 600 it)",
                      cfg->admin_token_file);
    }
    char host[64];
    int port;
    keel_listen_addr_t addr; /* checked when the option was parsed */
    if (keel_listen_addr_parse(cfg->admin, strlen(cfg->admin), 0, "--admin", &addr, err, errlen) != 0)
        return -1;
    int fd = keel_listen(&addr, "--admin", host, sizeof(host), &port, err, errlen);
    if (fd < 0) {
        /* The default taken is most often another keel: `keel reload`
         * without --admin would reload that one (docs/decisions.md, "One
         * instance, one admin address"). */
        if (!cfg->admin_explicit) {
            char why[256];
            snprintf(why, sizeof(why), "%s", err);
            snprintf(err, errlen,
                     "%s (the default; another keel may hold it, and `keel reload` would reach that one): give this "
                     "instance its own --admin HOST:PORT, or --admin off",
                     why);
        }
        return -1;
    }
    /* Beyond loopback anyone who reaches the port could reload or read
     * /status: only with a token, and said loudly. */
    if (!bound_to_loopback(fd)) {
        if (a->token_len == 0) {
            snprintf(err, errlen,
                     "%s is reachable beyond this machine: give --admin-token FILE, or bind it to 127.0.0.1",
                     cfg->admin);
            close(fd);
            return -1;
        }
        keel_warn("admin listener %s is reachable beyond this machine: every request needs the token of "
                  "--admin-token, which plain HTTP carries in clear; keep the port on a private network",
                  cfg->admin);
    }
    serve_on(a, loop, fd);
    keel_dashboard_init(&a->dashboard, loop, ops->snapshot, owner);
    keel_info("admin: http://%s%s%s:%d (dashboard at /, /status, /metrics, /healthz, /readyz, POST /reload%s)",
              strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", port,
              a->token_len ? "; bearer token required but for probes and the page" : "");
    return 0;
}

int
keel_admin_start_metrics(keel_admin_t *a, h2o_loop_t *loop, const keel_config_t *cfg, const keel_admin_ops_t *ops,
                         void *owner, char *err, size_t errlen)
{
    init(a, ops, owner);
    a->read_only = true;
    if (cfg->metrics == NULL)
        return 0;
    char host[64];
    int port;
    keel_listen_addr_t addr; /* checked when the option was parsed */
    if (keel_listen_addr_parse(cfg->metrics, strlen(cfg->metrics), 0, "--metrics", &addr, err, errlen) != 0)
        return -1;
    int fd = keel_listen(&addr, "--metrics", host, sizeof(host), &port, err, errlen);
    if (fd < 0)
        return -1;
    serve_on(a, loop, fd);
    keel_info("metrics: http://%s%s%s:%d (/metrics, /healthz, /readyz; read-only, no token)",
              strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", port);
    return 0;
}

void
keel_admin_accept(keel_admin_t *a)
{
    if (a->listener != NULL) {
        h2o_socket_read_start(a->listener, on_admin_accept);
        if (!a->read_only)
            keel_dashboard_start(&a->dashboard);
    }
}
