#include "front/admin.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "front/listener.h"
#include "supervisor/budget.h"
#include "supervisor/meminfo.h"

typedef struct {
    h2o_handler_t super;
    keel_front_t *front;
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

static const char *
state_name(keel_worker_state_t s)
{
    static const char *const names[] = {"starting", "booting", "idle", "busy", "leaving", "gone"};
    return names[s];
}

/* A free worker that took a request from the queue is busy already. */
static const char *
worker_state_name(const keel_front_worker_t *w)
{
    return w->state == KEEL_WORKER_IDLE && keel_handoff_busy(w) ? "busy" : state_name(w->state);
}

static const char *
gen_state_name(keel_gen_state_t s)
{
    static const char *const names[] = {"starting", "active", "draining", "stopping", "gone"};
    return names[s];
}

typedef void (*worker_fn)(text_t *, const keel_generation_t *, const keel_front_worker_t *, uint64_t now, int first,
                          int arg);

static int
each_worker(keel_front_t *f, text_t *t, worker_fn fn, int arg)
{
    uint64_t now = keel_now_ms();
    int n = 0;
    for (h2o_linklist_t *gl = f->generations.next; gl != &f->generations; gl = gl->next) {
        keel_generation_t *g = H2O_STRUCT_FROM_MEMBER(keel_generation_t, link, gl);
        for (h2o_linklist_t *l = g->workers.next; l != &g->workers; l = l->next) {
            keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, gen_link, l);
            if (w->pid <= 0)
                continue;
            fn(t, g, w, now, n == 0, arg);
            n++;
        }
    }
    return n;
}

static double
growth(const keel_front_worker_t *w)
{
    keel_leak_estimate_t e = keel_leak_estimate(&w->leak, 2);
    return e.valid ? e.bytes_per_request : 0.0;
}

static void
worker_json(text_t *t, const keel_generation_t *g, const keel_front_worker_t *w, uint64_t now, int first, int arg)
{
    (void)arg;
    append(t,
           "%s\n    {\"id\": %u, \"pid\": %d, \"generation\": %u, \"mode\": \"%s\", \"state\": \"%s\", "
           "\"requests\": %llu, \"private_bytes\": %llu, \"private_precise_bytes\": %llu, \"zend_peak_bytes\": %llu, "
           "\"growth_bytes_per_request\": %.1f, \"age_seconds\": %.1f}",
           first ? "" : ",", w->id, (int)w->pid, g->number, w->kind == KEEL_POOL_WORKER ? "worker" : "classic",
           worker_state_name(w), (unsigned long long)w->stats.requests, (unsigned long long)w->stats.rss_private,
           (unsigned long long)w->private_precise, (unsigned long long)w->stats.zend_peak, growth(w),
           w->started_ms ? (double)(now - w->started_ms) / 1000.0 : 0.0);
}

static void
render_status(keel_front_t *f, text_t *t)
{
    keel_mem_limit_t lim;
    int have_lim = keel_mem_limit_read(&lim, NULL) == 0;
    append(t, "{\n  \"version\": \"%s\",\n  \"state\": \"%s\",\n", KEEL_VERSION,
           f->state == KEEL_FRONT_SERVING    ? "serving"
           : f->state == KEEL_FRONT_STARTING ? "starting"
                                             : "stopping");
    append(t, "  \"generation\": %u,\n", f->active ? f->active->number : 0);
    append(t, "  \"generations\": [");
    int first = 1;
    for (h2o_linklist_t *gl = f->generations.next; gl != &f->generations; gl = gl->next) {
        keel_generation_t *g = H2O_STRUCT_FROM_MEMBER(keel_generation_t, link, gl);
        append(t, "%s{\"number\": %u, \"state\": \"%s\", \"zygote_pid\": %d, \"opcache\": %s}", first ? "" : ", ",
               g->number, gen_state_name(g->state), (int)g->zygote_pid, g->opcache ? "true" : "false");
        first = 0;
    }
    append(t, "],\n  \"requests_total\": %llu,\n  \"in_flight\": %zu,\n", (unsigned long long)f->requests_total,
           f->in_flight);
    /* Waiting for a worker: in the front, or in a generation's queue
     * untaken. */
    size_t waiting[KEEL_POOL_KINDS];
    for (int k = 0; k < KEEL_POOL_KINDS; k++) {
        waiting[k] = f->queues[k].queue_len;
        for (h2o_linklist_t *gl = f->generations.next; gl != &f->generations; gl = gl->next) {
            keel_generation_t *g = H2O_STRUCT_FROM_MEMBER(keel_generation_t, link, gl);
            for (h2o_linklist_t *l = g->queued[k].next; l != &g->queued[k]; l = l->next)
                waiting[k] += keel_handoff_runner(H2O_STRUCT_FROM_MEMBER(keel_php_request_t, handoff_link, l)) == NULL;
        }
    }
    append(t, "  \"queue\": {\"classic\": %zu, \"worker\": %zu},\n", waiting[KEEL_POOL_CLASSIC],
           waiting[KEEL_POOL_WORKER]);
    append(t, "  \"recycles\": {");
    for (int r = 1; r < KEEL_RECYCLE_REASONS; r++)
        append(t, "%s\"%s\": %llu", r == 1 ? "" : ", ", keel_recycle_reason_name((keel_recycle_reason_t)r),
               (unsigned long long)f->recycles[r]);
    append(t, "},\n  \"worker_crashes\": %llu,\n", (unsigned long long)f->worker_crashes);
    append(t, "  \"reloads\": {\"ok\": %llu, \"failed\": %llu},\n", (unsigned long long)f->reloads_ok,
           (unsigned long long)f->reloads_failed);
    if (have_lim) {
        append(t, "  \"memory\": {\"limit_bytes\": %llu, \"limit_source\": \"%s\", \"current_bytes\": %llu",
               lim.limit == UINT64_MAX ? 0ull : (unsigned long long)lim.limit, lim.source,
               (unsigned long long)lim.current);
        if (f->budget_known)
            append(t, ", \"budget_bytes\": %llu, \"budget_fits\": %s, \"budget_max_workers\": %u",
                   (unsigned long long)f->budget.needed, f->budget.fits ? "true" : "false", f->budget.max_workers);
        append(t, "},\n");
    }
    if (f->active && f->active->opcache_known) {
        const keel_opcache_stats_t *o = &f->active->opcache_stats;
        append(t,
               "  \"opcache\": {\"used_bytes\": %llu, \"free_bytes\": %llu, \"wasted_bytes\": %llu, "
               "\"interned_used_bytes\": %llu, \"interned_free_bytes\": %llu, \"cached_keys\": %llu, "
               "\"max_cached_keys\": %llu, \"restarts\": %llu, \"hits\": %llu, \"misses\": %llu, "
               "\"generation_swaps\": %llu},\n",
               (unsigned long long)o->used, (unsigned long long)o->free, (unsigned long long)o->wasted,
               (unsigned long long)o->interned_used, (unsigned long long)o->interned_free, (unsigned long long)o->keys,
               (unsigned long long)o->max_keys,
               (unsigned long long)(o->oom_restarts + o->hash_restarts + o->manual_restarts),
               (unsigned long long)f->active->opcache_hits, (unsigned long long)f->active->opcache_misses,
               (unsigned long long)f->opcache_swaps);
    }
    append(t, "  \"tmpfs\": [");
    for (unsigned i = 0; i < f->tmpfs_count; i++)
        append(t, "%s{\"path\": \"%s\", \"used_bytes\": %llu}", i ? ", " : "", f->tmpfs[i].path,
               (unsigned long long)f->tmpfs[i].used);
    append(t, "],\n");
    append(t, "  \"workers\": [");
    int n = each_worker(f, t, worker_json, 0);
    append(t, "%s]\n}\n", n ? "\n  " : "");
}

/* One per-worker metric (arg selects which): its samples must form one
 * group (Prometheus text format), so each metric walks every worker. */
static void
metric_worker(text_t *t, const keel_generation_t *g, const keel_front_worker_t *w, uint64_t now, int first,
              int metric_index)
{
    (void)first;
    static const char *const names[] = {"keel_worker_requests_total", "keel_worker_private_memory_bytes",
                                        "keel_worker_zend_peak_memory_bytes",
                                        "keel_worker_memory_growth_bytes_per_request", "keel_worker_age_seconds"};
    double values[] = {(double)w->stats.requests, (double)w->stats.rss_private, (double)w->stats.zend_peak, growth(w),
                       w->started_ms ? (double)(now - w->started_ms) / 1000.0 : 0.0};
    append(t, "%s{pid=\"%d\",generation=\"%u\",mode=\"%s\",state=\"%s\"} %.1f\n", names[metric_index], (int)w->pid,
           g->number, w->kind == KEEL_POOL_WORKER ? "worker" : "classic", worker_state_name(w), values[metric_index]);
}

static void
render_metrics(keel_front_t *f, text_t *t)
{
    append(t, "# HELP keel_requests_total PHP requests completed.\n# TYPE keel_requests_total counter\n");
    append(t, "keel_requests_total %llu\n", (unsigned long long)f->requests_total);
    append(t, "# HELP keel_queue_depth Requests waiting for a worker.\n# TYPE keel_queue_depth gauge\n");
    append(t, "keel_queue_depth{mode=\"classic\"} %zu\nkeel_queue_depth{mode=\"worker\"} %zu\n",
           f->queues[KEEL_POOL_CLASSIC].queue_len, f->queues[KEEL_POOL_WORKER].queue_len);
    append(t, "# HELP keel_worker_recycles_total Workers recycled, by reason.\n"
              "# TYPE keel_worker_recycles_total counter\n");
    for (int r = 1; r < KEEL_RECYCLE_REASONS; r++)
        append(t, "keel_worker_recycles_total{reason=\"%s\"} %llu\n",
               keel_recycle_reason_name((keel_recycle_reason_t)r), (unsigned long long)f->recycles[r]);
    append(t,
           "# HELP keel_worker_crashes_total Workers killed by a signal.\n"
           "# TYPE keel_worker_crashes_total counter\nkeel_worker_crashes_total %llu\n",
           (unsigned long long)f->worker_crashes);
    append(t,
           "# HELP keel_reloads_total Generation reloads, by outcome.\n# TYPE keel_reloads_total counter\n"
           "keel_reloads_total{outcome=\"ok\"} %llu\nkeel_reloads_total{outcome=\"failed\"} %llu\n",
           (unsigned long long)f->reloads_ok, (unsigned long long)f->reloads_failed);
    append(t,
           "# HELP keel_generation The generation serving new requests.\n# TYPE keel_generation gauge\n"
           "keel_generation %u\n",
           f->active ? f->active->number : 0);
    keel_mem_limit_t lim;
    if (keel_mem_limit_read(&lim, NULL) == 0) {
        append(t,
               "# HELP keel_memory_limit_bytes The memory limit that applies (0: none).\n"
               "# TYPE keel_memory_limit_bytes gauge\nkeel_memory_limit_bytes %llu\n",
               lim.limit == UINT64_MAX ? 0ull : (unsigned long long)lim.limit);
        append(t,
               "# HELP keel_memory_used_bytes Memory in use under that limit.\n"
               "# TYPE keel_memory_used_bytes gauge\nkeel_memory_used_bytes %llu\n",
               (unsigned long long)lim.current);
    }
    append(t,
           "# HELP keel_opcache_generation_swaps_total Generations started for OPcache's sake.\n"
           "# TYPE keel_opcache_generation_swaps_total counter\nkeel_opcache_generation_swaps_total %llu\n",
           (unsigned long long)f->opcache_swaps);
    if (f->active && f->active->opcache_known) {
        const keel_opcache_stats_t *o = &f->active->opcache_stats;
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
    if (f->budget_known)
        append(t,
               "# HELP keel_memory_budget_bytes Memory the configured pool may need.\n"
               "# TYPE keel_memory_budget_bytes gauge\nkeel_memory_budget_bytes %llu\n",
               (unsigned long long)f->budget.needed);
    append(t, "# HELP keel_tmpfs_used_bytes Bytes used on memory-backed filesystems the application writes to.\n"
              "# TYPE keel_tmpfs_used_bytes gauge\n");
    for (unsigned i = 0; i < f->tmpfs_count; i++)
        append(t, "keel_tmpfs_used_bytes{path=\"%s\"} %llu\n", f->tmpfs[i].path, (unsigned long long)f->tmpfs[i].used);
    static const char *const help[][3] = {
        {"keel_worker_requests_total", "counter", "Requests served by each worker."},
        {"keel_worker_private_memory_bytes", "gauge", "Resident memory private to each worker."},
        {"keel_worker_zend_peak_memory_bytes", "gauge", "memory_get_peak_usage() after the last request."},
        {"keel_worker_memory_growth_bytes_per_request", "gauge", "Estimated private memory growth."},
        {"keel_worker_age_seconds", "gauge", "Time since the worker became ready."},
    };
    for (int metric_index = 0; metric_index < 5; metric_index++) {
        append(t, "# HELP %s %s\n# TYPE %s %s\n", help[metric_index][0], help[metric_index][2], help[metric_index][0],
               help[metric_index][1]);
        each_worker(f, t, metric_worker, metric_index);
    }
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
    keel_front_t *front;
    h2o_req_t *req; /* NULL once the client has gone */
} reload_wait_t;

static void
on_reload_wait_dispose(void *p)
{
    reload_wait_t *rw = p;
    /* The client left before the outcome: forget it. */
    if (rw->front->reload_data == rw) {
        rw->front->reload_cb = NULL;
        rw->front->reload_data = NULL;
    }
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

static int
on_admin_req(h2o_handler_t *self, h2o_req_t *req)
{
    keel_front_t *f = ((admin_handler_t *)self)->front;
    text_t t = {.pool = &req->pool, .buf = h2o_mem_alloc_pool(&req->pool, 4096), .cap = 4096};
    int get = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET"));
    int post = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("POST"));
    if (h2o_memis(req->path_normalized.base, req->path_normalized.len, H2O_STRLIT("/status")) && get) {
        render_status(f, &t);
        send_text(req, 200, "OK", "application/json", &t);
    } else if (h2o_memis(req->path_normalized.base, req->path_normalized.len, H2O_STRLIT("/metrics")) && get) {
        render_metrics(f, &t);
        send_text(req, 200, "OK", "text/plain; version=0.0.4", &t);
    } else if (h2o_memis(req->path_normalized.base, req->path_normalized.len, H2O_STRLIT("/reload")) && post) {
        reload_wait_t *rw = h2o_mem_alloc_shared(&req->pool, sizeof(*rw), on_reload_wait_dispose);
        rw->front = f;
        rw->req = req;
        keel_front_reload(f, "admin request", on_reload_done, rw);
    } else {
        h2o_send_error_404(req, "Not Found", "Not Found: try GET /status, GET /metrics or POST /reload\n", 0);
    }
    return 0;
}

/* The admin listener has its own h2o configuration, so its paths exist
 * only there. Process-wide like the front it serves. */
static struct {
    h2o_globalconf_t conf;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    h2o_socket_t *listener;
} admin;

static void
on_admin_accept(h2o_socket_t *listener, const char *err)
{
    if (err != NULL)
        return;
    h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
    if (sock != NULL)
        h2o_accept(&admin.accept_ctx, sock);
}

int
keel_admin_start(keel_front_t *f, char *err, size_t errlen)
{
    if (f->cfg.admin == NULL)
        return 0;
    char host[64];
    int port;
    int fd = keel_listen(f->cfg.admin, host, sizeof(host), &port, err, errlen);
    if (fd < 0) {
        if (f->cfg.admin_explicit)
            return -1;
        keel_warn("admin listener off: %s (use --admin to choose another address)", err);
        return 0;
    }
    h2o_config_init(&admin.conf);
    h2o_hostconf_t *hc = h2o_config_register_host(&admin.conf, h2o_iovec_init(H2O_STRLIT("admin")), 65535);
    h2o_pathconf_t *pc = h2o_config_register_path(hc, "/", 0);
    admin_handler_t *h = (void *)h2o_create_handler(pc, sizeof(*h));
    h->super.on_req = on_admin_req;
    h->front = f;
    h2o_context_init(&admin.ctx, f->loop, &admin.conf);
    admin.accept_ctx.ctx = &admin.ctx;
    admin.accept_ctx.hosts = admin.conf.hosts;
    admin.listener = h2o_evloop_socket_create(f->loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    keel_info("admin: http://%s%s%s:%d (/status, /metrics, POST /reload)", strchr(host, ':') ? "[" : "", host,
              strchr(host, ':') ? "]" : "", port);
    return 0;
}

void
keel_admin_accept(keel_front_t *f)
{
    (void)f;
    if (admin.listener != NULL)
        h2o_socket_read_start(admin.listener, on_admin_accept);
}
