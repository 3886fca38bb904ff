#include "front/admin_dashboard.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"
#include "front/dashboard_assets.h"
#include "front/dashboard_data.h"
#include "front/dashboard_query.h"

/* The page loads its own files and data and nothing else: no inline
 * script or style, no other origin, no frame around it, no form target. */
#define CSP "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

static void
sample(keel_dashboard_t *d)
{
    h2o_mem_pool_t pool;
    h2o_mem_init_pool(&pool);
    keel_front_snapshot_t snap;
    d->snapshot(d->owner, &pool, &snap);
    if (d->ring.cap == 0 && !d->ring_failed &&
        keel_sample_ring_init(&d->ring, KEEL_DASHBOARD_SAMPLES, keel_dashboard_workers_per_sample(&snap)) != 0) {
        d->ring_failed = true;
        keel_warn("dashboard: no memory for its history; it shows the present only");
    }
    keel_dashboard_sample(&d->ring, &snap, keel_now_ms());
    h2o_mem_clear_pool(&pool);
}

static void
on_sample(h2o_timeout_entry_t *entry)
{
    keel_dashboard_t *d = H2O_STRUCT_FROM_MEMBER(keel_dashboard_t, entry, entry);
    sample(d);
    h2o_timeout_link(d->loop, &d->timeout, &d->entry);
}

void
keel_dashboard_init(keel_dashboard_t *d, h2o_loop_t *loop, keel_dashboard_snapshot_fn snapshot, void *owner)
{
    memset(d, 0, sizeof(*d));
    d->loop = loop;
    d->snapshot = snapshot;
    d->owner = owner;
    h2o_timeout_init(loop, &d->timeout, KEEL_DASHBOARD_INTERVAL_MS);
    d->entry.cb = on_sample;
}

void
keel_dashboard_start(keel_dashboard_t *d)
{
    if (d->loop == NULL || h2o_timeout_is_linked(&d->entry))
        return;
    sample(d);
    h2o_timeout_link(d->loop, &d->timeout, &d->entry);
}

static void
add_header(h2o_req_t *req, const h2o_token_t *token, const char *name, const char *value)
{
    if (token != NULL)
        h2o_add_header(&req->pool, &req->res.headers, token, NULL, value, strlen(value));
    else
        h2o_add_header_by_str(&req->pool, &req->res.headers, name, strlen(name), 0, NULL, value, strlen(value));
}

/* What every answer of the dashboard carries: see the file comment. */
static void
respond(h2o_req_t *req, int status, const char *reason, const char *type, const char *body, size_t len)
{
    req->res.status = status;
    req->res.reason = reason;
    add_header(req, H2O_TOKEN_CONTENT_TYPE, NULL, type);
    add_header(req, H2O_TOKEN_CACHE_CONTROL, NULL, "no-store");
    add_header(req, NULL, "x-content-type-options", "nosniff");
    add_header(req, NULL, "content-security-policy", CSP);
    add_header(req, NULL, "referrer-policy", "no-referrer");
    add_header(req, NULL, "x-frame-options", "DENY");
    req->res.content_length = len;
    h2o_send_inline(req, body, len);
}

static void
send_text(h2o_req_t *req, int status, const char *reason, const char *body)
{
    respond(req, status, reason, "text/plain; charset=utf-8", body, strlen(body));
}

/* The raw path without its query. */
static h2o_iovec_t
path_of(const h2o_req_t *req)
{
    size_t n = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    return h2o_iovec_init(req->path.base, n);
}

void
keel_dashboard_page(keel_dashboard_t *d, h2o_req_t *req)
{
    (void)d;
    static const char prefix[] = "/assets/";
    h2o_iovec_t path = path_of(req);
    const keel_dashboard_asset_t *a = NULL;
    if (h2o_memis(path.base, path.len, H2O_STRLIT("/")))
        a = keel_dashboard_asset(H2O_STRLIT("index.html"));
    else if (path.len > sizeof(prefix) - 1 && memcmp(path.base, prefix, sizeof(prefix) - 1) == 0)
        a = keel_dashboard_asset(path.base + sizeof(prefix) - 1, path.len - (sizeof(prefix) - 1));
    if (a == NULL) {
        send_text(req, 404, "Not Found", "Not Found\n");
        return;
    }
    respond(req, 200, "OK", a->type, (const char *)a->data, a->len);
}

static int64_t
wall_now_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
keel_dashboard_data(keel_dashboard_t *d, h2o_req_t *req)
{
    keel_dashboard_query_t q;
    size_t qlen = req->query_at != SIZE_MAX ? req->path.len - req->query_at - 1 : 0;
    const char *qs = req->query_at != SIZE_MAX ? req->path.base + req->query_at + 1 : "";
    if (keel_dashboard_query_parse(qs, qlen, &q) != 0) {
        send_text(req, 400, "Bad Request", "Bad Request: samples_after and events_after take a sequence number\n");
        return;
    }
    keel_front_snapshot_t snap;
    d->snapshot(d->owner, &req->pool, &snap);
    keel_dashboard_clock_t c = {
        .now_ms = keel_now_ms(), .wall_now_ms = wall_now_ms(), .interval_ms = KEEL_DASHBOARD_INTERVAL_MS};
    json_t *doc = keel_dashboard_json(&snap, &d->ring, &q, &c);
    char *text = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (text == NULL) {
        send_text(req, 500, "Internal Server Error", "Internal Server Error: out of memory\n");
        return;
    }
    respond(req, 200, "OK", "application/json", text, strlen(text));
    free(text);
}
