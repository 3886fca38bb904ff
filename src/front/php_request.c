/*
 * A PHP request in the front, laid out in the order things happen:
 * accepted (keel_php_handle) -> queued or dispatched -> response frames
 * from the worker -> pushed to the client with h2o's proceed/send
 * backpressure -> disposed with the request's memory pool.
 */
#include <signal.h>
#include <string.h>

#include "common/log.h"
#include "front/front.h"
#include "front/params.h"
#include "front/reason.h"

/* Response bytes buffered per request before the worker's socket stops
 * being read. In memory up to 1 MiB; beyond, the buffer moves to an
 * unlinked file in --spool-dir (as nginx spools to its temp path), so a
 * slow client does not hold a worker for large responses either. Without a
 * spool directory the limit stays at the memory part: bounded memory wins
 * and the worker waits for the client. */
#define RESPONSE_MEMORY_LIMIT (1024 * 1024)
#define RESPONSE_SPOOL_LIMIT  (1024ull * 1024 * 1024)

static size_t
response_limit(const keel_front_t *f)
{
    return f->spool.mmap_settings ? RESPONSE_SPOOL_LIMIT : RESPONSE_MEMORY_LIMIT;
}
/* Below this, the response waits for its end so it gets a Content-Length;
 * above it (or on flush()) it starts streaming. */
#define RESPONSE_START_THRESHOLD (64 * 1024)

static void send_pending(keel_php_request_t *pr);
static void stop_timers(keel_php_request_t *pr);

/* RFC 9110 9.2.2 */
static int
idempotent(const h2o_req_t *req)
{
    static const char *const methods[] = {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"};
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
        if (h2o_memis(req->method.base, req->method.len, methods[i], strlen(methods[i])))
            return 1;
    return 0;
}

/* --slow-request: ask the worker where it is (it logs a backtrace and
 * carries on). --request-timeout: the same, then the worker is ended and
 * the client gets 504. */
static void
on_slow(h2o_timeout_entry_t *entry)
{
    keel_php_request_t *pr = H2O_STRUCT_FROM_MEMBER(keel_php_request_t, slow_entry, entry);
    keel_front_worker_t *w = keel_handoff_runner(pr);
    if (w == NULL && pr->queued_in != NULL) {
        /* still waiting for a worker: not slow yet */
        h2o_timeout_link(pr->front->loop, &pr->front->slow_timeout, &pr->slow_entry);
        return;
    }
    if (w != NULL) {
        keel_warn("slow request (over --slow-request): worker %u (pid %d), %.*s %.*s", w->id, (int)w->pid,
                  pr->req ? (int)pr->req->method.len : 0, pr->req ? pr->req->method.base : "",
                  pr->req ? (int)pr->req->path.len : 0, pr->req ? pr->req->path.base : "");
        keel_generation_backtrace(w);
    }
}

static void
on_timeout(h2o_timeout_entry_t *entry)
{
    keel_php_request_t *pr = H2O_STRUCT_FROM_MEMBER(keel_php_request_t, timeout_entry, entry);
    keel_front_worker_t *w = keel_handoff_runner(pr);
    if (w == NULL && pr->queued_in != NULL) {
        /* still waiting for a worker: its time has not started */
        h2o_timeout_link(pr->front->loop, &pr->front->request_timeout, &pr->timeout_entry);
        return;
    }
    if (w == NULL)
        return;
    keel_error("request timeout (over --request-timeout): ending worker %u (pid %d), %.*s %.*s", w->id, (int)w->pid,
               pr->req ? (int)pr->req->method.len : 0, pr->req ? pr->req->method.base : "",
               pr->req ? (int)pr->req->path.len : 0, pr->req ? pr->req->path.base : "");
    pr->timed_out = true;
    keel_worker_end_slowly(w);
}

static void
stop_timers(keel_php_request_t *pr)
{
    if (h2o_timeout_is_linked(&pr->slow_entry))
        h2o_timeout_unlink(&pr->slow_entry);
    if (h2o_timeout_is_linked(&pr->timeout_entry))
        h2o_timeout_unlink(&pr->timeout_entry);
}

static int
no_body_status(int status)
{
    return (status >= 100 && status < 200) || status == 204 || status == 304;
}

static void
finish(keel_php_request_t *pr)
{
    if (pr->counted) {
        pr->counted = false;
        keel_front_request_finished(pr->front);
    }
}

/* Called when the request's memory pool is released: the client has the
 * whole response, or it went away. Never touch pr after this. */
static void
on_dispose(void *_pr)
{
    keel_php_request_t *pr = _pr;
    if (h2o_linklist_is_linked(&pr->queue_link))
        keel_dispatch_unqueue(pr->front, pr);
    /* Sent into a queue and not yet bound: taken back if no worker took it;
     * else the worker runs it for nobody (told, for connection_aborted()). */
    if (pr->queued_in != NULL) {
        keel_front_worker_t *w = keel_handoff_claimant(pr->queued_in, pr->stream);
        if (w != NULL) {
            keel_worker_send(w, KEEL_IPC_ABORT, 0, pr->stream, NULL, 0, NULL, 0);
            keel_worker_flush(w);
        }
        if (w != NULL || !keel_handoff_retract(pr->queued_in, pr->kind, pr))
            keel_handoff_forget(pr);
    }
    if (h2o_timeout_is_linked(&pr->wait_entry))
        h2o_timeout_unlink(&pr->wait_entry);
    stop_timers(pr);
    if (pr->worker != NULL) {
        keel_front_worker_t *w = pr->worker;
        /* The worker carries on (its output is dropped) until REQ_DONE;
         * tell it the client left so connection_aborted() can see it. */
        w->req = NULL;
        if (!pr->ended) {
            keel_worker_send(w, KEEL_IPC_ABORT, 0, pr->stream, NULL, 0, NULL, 0);
            keel_worker_flush(w);
        }
        keel_worker_resume_reading(w);
        pr->worker = NULL;
    }
    h2o_buffer_dispose(&pr->body);
    h2o_buffer_dispose(&pr->sending);
    pr->req = NULL;
    finish(pr);
}

static void
on_proceed(h2o_generator_t *gen, h2o_req_t *req)
{
    (void)req;
    keel_php_request_t *pr = (void *)gen;
    pr->sending_now = false;
    h2o_buffer_consume(&pr->sending, pr->sending->size);
    send_pending(pr);
    /* Drained below the limit: let the worker's output flow again. */
    keel_front_worker_t *w = pr->worker;
    if (w != NULL && pr->body->size < response_limit(pr->front) / 2)
        keel_worker_resume_reading(w);
}

static void
on_stop(h2o_generator_t *gen, h2o_req_t *req)
{
    (void)gen;
    (void)req;
    /* The client went away mid-response; on_dispose follows and cleans up. */
}

/* Hands buffered bytes to h2o when it is ready for more. */
static void
send_pending(keel_php_request_t *pr)
{
    if (!pr->started || pr->sending_now || pr->finished || pr->req == NULL)
        return;
    if (pr->broken) {
        pr->finished = true;
        h2o_send(pr->req, NULL, 0, H2O_SEND_STATE_ERROR);
        return;
    }
    if (pr->body->size == 0 && !pr->ended)
        return;
    /* swap: what was received becomes what is being sent */
    h2o_buffer_t *t = pr->sending;
    pr->sending = pr->body;
    pr->body = t;
    h2o_iovec_t buf = h2o_iovec_init(pr->sending->bytes, pr->sending->size);
    h2o_send_state_t state = pr->ended ? H2O_SEND_STATE_FINAL : H2O_SEND_STATE_IN_PROGRESS;
    if (state == H2O_SEND_STATE_FINAL)
        pr->finished = true;
    else
        pr->sending_now = true;
    h2o_send(pr->req, &buf, buf.len ? 1 : 0, state);
}

static void
start_response(keel_php_request_t *pr)
{
    h2o_req_t *req = pr->req;
    if (pr->started || req == NULL)
        return;
    pr->started = true;
    if (!pr->head_received) {
        req->res.status = 200;
        req->res.reason = "OK";
    }
    if (no_body_status(req->res.status)) {
        /* 1xx, 204 and 304 carry no body (RFC 9110 6.4.1): whatever PHP
         * printed is dropped rather than corrupting the connection. */
        pr->discard_body = true;
        h2o_buffer_consume(&pr->body, pr->body->size);
        req->res.content_length = SIZE_MAX;
        ssize_t ct;
        if (req->res.status == 304 && (ct = h2o_find_header(&req->res.headers, H2O_TOKEN_CONTENT_TYPE, -1)) != -1)
            h2o_delete_header(&req->res.headers, ct); /* as nginx: a 304 describes no body */
    } else if (pr->ended && req->res.content_length == SIZE_MAX) {
        req->res.content_length = pr->body->size;
    }
    h2o_start_response(req, &pr->super);
}

static void
on_resp_head(keel_php_request_t *pr, const uint8_t *payload, size_t len)
{
    h2o_req_t *req = pr->req;
    unsigned status;
    keel_ipc_kv_reader_t r;
    if (pr->head_received || keel_ipc_resp_head_get(payload, len, &status, &r) != KEEL_IPC_OK) {
        keel_warn("malformed response head from worker");
        return;
    }
    pr->head_received = true;
    req->res.status = (int)status;
    req->res.reason = keel_http_reason(status);
    const char *n, *v;
    size_t nl, vl;
    while (keel_ipc_kv_next(&r, &n, &nl, &v, &vl) == KEEL_IPC_OK) {
        if (nl == 7 && memcmp(n, ":reason", 7) == 0) {
            req->res.reason = h2o_strdup(&req->pool, v, vl).base;
            continue;
        }
        h2o_iovec_t name = h2o_strdup(&req->pool, n, nl);
        h2o_strtolower(name.base, name.len);
        const h2o_token_t *tok = h2o_lookup_token(name.base, name.len);
        if (tok == H2O_TOKEN_CONTENT_LENGTH) {
            /* h2o writes the framing itself; take the length from PHP. */
            size_t cl = h2o_strtosize(v, vl);
            if (cl != SIZE_MAX)
                req->res.content_length = cl;
            continue;
        }
        if (tok == H2O_TOKEN_TRANSFER_ENCODING || tok == H2O_TOKEN_CONNECTION)
            continue; /* hop-by-hop: h2o owns the connection */
        h2o_iovec_t value = h2o_strdup(&req->pool, v, vl);
        if (tok != NULL)
            h2o_add_header(&req->pool, &req->res.headers, tok, h2o_strdup(&req->pool, n, nl).base, value.base,
                           value.len);
        else
            h2o_add_header_by_str(&req->pool, &req->res.headers, name.base, name.len, 0,
                                  h2o_strdup(&req->pool, n, nl).base, value.base, value.len);
    }
}

void
keel_php_request_on_frame(keel_php_request_t *pr, const keel_ipc_header_t *hdr, const uint8_t *payload)
{
    if (pr->req == NULL || pr->finished)
        return;
    switch (hdr->type) {
    case KEEL_IPC_RESP_HEAD:
        on_resp_head(pr, payload, hdr->length);
        break;
    case KEEL_IPC_RESP_BODY:
        if (pr->ended)
            break;
        if (hdr->length && !pr->discard_body) {
            h2o_iovec_t dst = h2o_buffer_reserve(&pr->body, hdr->length);
            if (dst.base == NULL) {
                /* no memory, or the spool file could not be made: the
                 * response cannot be kept whole, so it ends in error */
                keel_error("cannot buffer the response to %.*s %.*s", (int)pr->req->method.len, pr->req->method.base,
                           (int)pr->req->path.len, pr->req->path.base);
                keel_php_request_on_worker_lost(pr, 502);
                break;
            }
            memcpy(dst.base, payload, hdr->length);
            pr->body->size += hdr->length;
        }
        if (!pr->started && ((hdr->flags & KEEL_IPC_FLAG_FLUSH) || pr->body->size >= RESPONSE_START_THRESHOLD))
            start_response(pr);
        send_pending(pr);
        if (pr->body->size >= response_limit(pr->front) && pr->worker != NULL)
            keel_worker_pause_reading(pr->worker);
        break;
    case KEEL_IPC_RESP_END:
        pr->ended = true;
        start_response(pr);
        send_pending(pr);
        break;
    default:
        break;
    }
}

void
keel_php_request_on_worker_lost(keel_php_request_t *pr, int status)
{
    pr->worker = NULL;
    stop_timers(pr);
    if (pr->req == NULL || pr->finished)
        return;
    if (!pr->started && status == 502 && !pr->retried && pr->front->cfg.retry_idempotent && idempotent(pr->req)) {
        /* Nothing was sent and repeating the request is harmless: once,
         * on another worker. */
        h2o_req_t *req = pr->req;
        pr->retried = true;
        pr->head_received = pr->ended = false;
        pr->discard_body = false;
        h2o_buffer_consume(&pr->body, pr->body->size);
        req->res.status = 0;
        req->res.reason = NULL;
        req->res.content_length = SIZE_MAX;
        memset(&req->res.headers, 0, sizeof(req->res.headers));
        keel_info("retrying %.*s %.*s on another worker", (int)req->method.len, req->method.base, (int)req->path.len,
                  req->path.base);
        keel_dispatch_submit(pr->front, pr);
        return;
    }
    if (!pr->started) {
        /* Nothing reached the client yet: a clean 502 (504 after a timeout). */
        if (pr->timed_out)
            status = 504;
        pr->finished = true;
        h2o_req_t *req = pr->req;
        req->res.content_length = SIZE_MAX;
        if (status == 503)
            h2o_send_error_generic(req, 503, "Service Unavailable", "Service Unavailable\n", 0);
        else if (status == 504)
            h2o_send_error_generic(req, 504, "Gateway Timeout", "Gateway Timeout\n", 0);
        else
            h2o_send_error_generic(req, 502, "Bad Gateway", "Bad Gateway\n", 0);
        return;
    }
    /* Part of the response is out: the client must see it truncated. */
    pr->broken = true;
    send_pending(pr);
}

void
keel_php_request_reject(keel_php_request_t *pr, int status, const char *reason, const char *retry_after)
{
    h2o_req_t *req = pr->req;
    if (req == NULL || pr->finished)
        return;
    pr->finished = true;
    if (retry_after)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL, retry_after, strlen(retry_after));
    char body[64];
    snprintf(body, sizeof(body), "%s\n", reason);
    h2o_send_error_generic(req, status, reason, h2o_strdup(&req->pool, body, SIZE_MAX).base,
                           H2O_SEND_ERROR_KEEP_HEADERS);
}

void
keel_php_request_queued(keel_php_request_t *pr)
{
    keel_front_t *f = pr->front;
    if (f->cfg.slow_request_ms && !h2o_timeout_is_linked(&pr->slow_entry)) {
        pr->slow_entry.cb = on_slow;
        h2o_timeout_link(f->loop, &f->slow_timeout, &pr->slow_entry);
    }
    if (f->cfg.request_timeout_ms && !h2o_timeout_is_linked(&pr->timeout_entry)) {
        pr->timeout_entry.cb = on_timeout;
        h2o_timeout_link(f->loop, &f->request_timeout, &pr->timeout_entry);
    }
}

void
keel_php_request_attach(keel_php_request_t *pr, keel_front_worker_t *w)
{
    h2o_req_t *req = pr->req;
    pr->worker = w;
    w->req = pr;
    w->stream = pr->stream;
    /* "METHOD /path" for crash logs, on every request: copied, not
     * formatted (snprintf was a percent of the front's time). */
    size_t m = req->method.len < 20 ? req->method.len : 20, n = req->path.len < 100 ? req->path.len : 100;
    _Static_assert(sizeof(w->last_request) > 20 + 1 + 100, "room for method, space and path");
    memcpy(w->last_request, req->method.base, m);
    w->last_request[m] = ' ';
    memcpy(w->last_request + m + 1, req->path.base, n);
    w->last_request[m + 1 + n] = '\0';
}

void
keel_php_request_send_body(keel_php_request_t *pr, keel_front_worker_t *w)
{
    /* The body was buffered whole by h2o before the handler ran, so a slow
     * client never holds a worker. */
    h2o_req_t *req = pr->req;
    size_t off = 0, len = req != NULL && req->entity.base ? req->entity.len : 0;
    while (off < len) {
        size_t n = len - off < KEEL_IPC_MAX_PAYLOAD ? len - off : KEEL_IPC_MAX_PAYLOAD;
        keel_worker_send(w, KEEL_IPC_REQ_BODY, 0, pr->stream, req->entity.base + off, n, NULL, 0);
        off += n;
    }
    keel_worker_send(w, KEEL_IPC_REQ_END, 0, pr->stream, NULL, 0, NULL, 0);
    keel_worker_flush(w);
}

int
keel_php_handle(keel_front_t *f, h2o_req_t *req, const keel_route_t *route)
{
    keel_php_request_t *pr = h2o_mem_alloc_shared(&req->pool, sizeof(*pr), on_dispose);
    memset(pr, 0, sizeof(*pr));
    pr->super.proceed = on_proceed;
    pr->super.stop = on_stop;
    pr->front = f;
    pr->req = req;
    pr->stream = ++f->next_stream;
    h2o_buffer_init(&pr->body, &f->spool);
    h2o_buffer_init(&pr->sending, &f->spool);
    pr->kind = route->kind == KEEL_ROUTE_WORKER ? KEEL_POOL_WORKER : KEEL_POOL_CLASSIC;
    pr->params = keel_params_build(req, &f->params_ctx, route);
    /* The pool holds the only reference: on_dispose runs when h2o is done
     * with the request, whether the response completed or the client left. */
    pr->counted = true;
    f->in_flight++;
    keel_dispatch_submit(f, pr);
    return 0;
}
