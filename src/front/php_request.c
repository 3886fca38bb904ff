#include "front/php_request.h"

#include <string.h>

#include "common/log.h"
#include "front/params.h"
#include "front/access_log.h"
#include "front/pool.h"
#include "front/proxy_params.h"
#include "front/reason.h"

/* Response bytes buffered per request before the worker's socket stops
 * being read. In memory up to 1 MiB; beyond, the buffer moves to an
 * unlinked file in --spool-dir (as nginx spools to its temp path), so a
 * slow client does not hold a worker for large responses either, up to
 * --spool-max per response (nginx's fastcgi_max_temp_file_size): past it
 * the worker waits for the client. Without a spool directory the limit
 * stays at the memory part: bounded memory wins. */
#define RESPONSE_MEMORY_LIMIT (1024 * 1024)
/* Below this, the response waits for its end so it gets a Content-Length;
 * above it (or on flush()) it starts streaming. */
#define RESPONSE_START_THRESHOLD (64 * 1024)

typedef struct {
    h2o_generator_t super; /* first: h2o hands back this pointer */
    keel_job_t job;
    keel_php_ctx_t *ctx;
    h2o_req_t *req;        /* NULL once disposed */
    h2o_buffer_t *body;    /* response bytes received, not yet handed to h2o */
    h2o_buffer_t *sending; /* bytes h2o is sending; valid until proceed */
    bool head_received;
    bool sending_now;  /* an h2o_send is in flight */
    bool ended;        /* RESP_END received */
    bool broken;       /* the worker died mid-response: end it in error */
    bool counted;      /* counted in ctx->in_flight */
    bool discard_body; /* a status that has no body: PHP's output is dropped */
    bool retried;      /* --retry-idempotent: already offered a second time */
    bool timed_out;    /* --request-timeout ended its worker: 504 */
    /* Framing: keel, not PHP, decides what reaches the client. */
    bool announced;       /* PHP set a Content-Length: */
    size_t announced_len; /* that length */
    size_t received;      /* body bytes kept: never more than announced_len */
    bool excess;          /* PHP sent more than it announced: the rest was dropped */
    bool short_body;      /* PHP ended before its announced length: the response ends in error */
    h2o_timeout_entry_t slow_entry, timeout_entry;
} keel_php_request_t;

#define FROM_JOB(j) H2O_STRUCT_FROM_MEMBER(keel_php_request_t, job, j)

static void send_pending(keel_php_request_t *pr);

static size_t
response_limit(const keel_php_request_t *pr)
{
    uint64_t spool_max = pr->ctx->env->cfg->spool_max;
    if (pr->ctx->spool->mmap_settings == NULL || spool_max <= RESPONSE_MEMORY_LIMIT)
        return RESPONSE_MEMORY_LIMIT;
    return spool_max < SIZE_MAX ? (size_t)spool_max : SIZE_MAX;
}

/* What the front holds of the response: received and not yet handed to
 * h2o, plus what h2o is sending (both may be spooled). */
static size_t
buffered(const keel_php_request_t *pr)
{
    return pr->body->size + pr->sending->size;
}

static bool
is_head(const h2o_req_t *req)
{
    return h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"));
}

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

static bool
waiting_for_worker(const keel_php_request_t *pr)
{
    return pr->job.phase == KEEL_REQ_WAITING || pr->job.phase == KEEL_REQ_QUEUED || pr->job.phase == KEEL_REQ_NEW;
}

/* --slow-request: ask the worker where it is (it logs a backtrace and
 * carries on). --request-timeout: the same, then the worker is ended and
 * the client gets 504. Both clocks run from the moment a worker is bound
 * to the request, as php-fpm's from a child's accept(): waiting for a
 * worker is not running (a request waits --max-wait at most). */
static void
on_slow(h2o_timeout_entry_t *entry)
{
    keel_php_request_t *pr = H2O_STRUCT_FROM_MEMBER(keel_php_request_t, slow_entry, entry);
    keel_front_worker_t *w = keel_dispatch_runner(pr->ctx->dispatch, &pr->job);
    if (w == NULL && waiting_for_worker(pr)) {
        h2o_timeout_link(pr->ctx->env->loop, &pr->ctx->env->slow_timeout, &pr->slow_entry);
        return;
    }
    if (w != NULL) {
        keel_warn("slow request (over --slow-request): worker %u (pid %d), %.*s %.*s", w->id, (int)w->pid,
                  pr->req ? (int)pr->req->method.len : 0, pr->req ? pr->req->method.base : "",
                  pr->req ? (int)pr->req->path.len : 0, pr->req ? pr->req->path.base : "");
        keel_pool_backtrace(keel_pool_of(w), w);
    }
}

static void
on_timeout(h2o_timeout_entry_t *entry)
{
    keel_php_request_t *pr = H2O_STRUCT_FROM_MEMBER(keel_php_request_t, timeout_entry, entry);
    keel_front_worker_t *w = keel_dispatch_runner(pr->ctx->dispatch, &pr->job);
    if (w == NULL && waiting_for_worker(pr)) {
        h2o_timeout_link(pr->ctx->env->loop, &pr->ctx->env->request_timeout, &pr->timeout_entry);
        return;
    }
    if (w == NULL)
        return;
    keel_error("request timeout (over --request-timeout): ending worker %u (pid %d), %.*s %.*s", w->id, (int)w->pid,
               pr->req ? (int)pr->req->method.len : 0, pr->req ? pr->req->method.base : "",
               pr->req ? (int)pr->req->path.len : 0, pr->req ? pr->req->path.base : "");
    pr->timed_out = true;
    keel_pool_timeout(keel_pool_of(w), w);
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

/* --- the h2o side --- */

/* Called when the request's memory pool is released: the client has the
 * whole response, or it went away. Never touch pr after this. */
static void
on_dispose(void *_pr)
{
    keel_php_request_t *pr = _pr;
    /* Still waiting for a worker: it waits no more. One that took it from
     * the queue already runs it for nobody, bound to it (below). */
    keel_dispatch_abandon(pr->ctx->dispatch, &pr->job);
    stop_timers(pr);
    keel_front_worker_t *w = pr->job.worker;
    if (w != NULL) {
        /* The worker carries on (its output is dropped) until REQ_DONE;
         * tell it the client left so connection_aborted() can see it. */
        w->job = NULL;
        pr->job.worker = NULL;
        if (!pr->ended) {
            keel_worker_send(w, KEEL_IPC_ABORT, 0, pr->job.stream, NULL, 0, NULL, 0);
            keel_worker_flush(w);
        }
        keel_worker_resume_reading(w);
    }
    h2o_buffer_dispose(&pr->body);
    h2o_buffer_dispose(&pr->sending);
    pr->req = NULL;
    if (pr->counted) {
        pr->counted = false;
        if (--pr->ctx->in_flight == 0)
            pr->ctx->idle(pr->ctx->owner);
    }
}

static void
on_proceed(h2o_generator_t *gen, h2o_req_t *req)
{
    (void)req;
    keel_php_request_t *pr = (void *)gen;
    pr->sending_now = false;
    h2o_buffer_consume(&pr->sending, pr->sending->size);
    /* Drained below the limit: let the worker's output flow again. */
    keel_front_worker_t *w = pr->job.worker;
    if (w != NULL && buffered(pr) < response_limit(pr) / 2)
        keel_worker_resume_reading(w);
    /* Last: a final send with nothing left to write completes at once,
     * and h2o then frees the request's pool, pr with it. */
    send_pending(pr);
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
    if (pr->job.phase != KEEL_REQ_STREAMING || pr->sending_now || pr->req == NULL)
        return;
    if (pr->broken) {
        keel_job_move(&pr->job, KEEL_REQ_EV_ANSWER);
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
    /* Shorter than announced: the client must see it truncated (the
     * connection closes), never take the next response as its tail. */
    h2o_send_state_t state = !pr->ended       ? H2O_SEND_STATE_IN_PROGRESS
                             : pr->short_body ? H2O_SEND_STATE_ERROR
                                              : H2O_SEND_STATE_FINAL;
    if (state != H2O_SEND_STATE_IN_PROGRESS)
        keel_job_move(&pr->job, KEEL_REQ_EV_ANSWER);
    else
        pr->sending_now = true;
    h2o_send(pr->req, &buf, buf.len ? 1 : 0, state);
}

/* A clean error answer, while nothing of the response reached the client. */
static void
answer_error(keel_php_request_t *pr, int status)
{
    h2o_req_t *req = pr->req;
    keel_job_move(&pr->job, KEEL_REQ_EV_ANSWER);
    req->res.content_length = SIZE_MAX;
    if (status == 503)
        h2o_send_error_generic(req, 503, "Service Unavailable", "Service Unavailable\n", 0);
    else if (status == 504)
        h2o_send_error_generic(req, 504, "Gateway Timeout", "Gateway Timeout\n", 0);
    else
        h2o_send_error_generic(req, 502, "Bad Gateway", "Bad Gateway\n", 0);
}

static void
log_framing(const keel_php_request_t *pr, const char *what)
{
    const h2o_req_t *req = pr->req;
    keel_warn("%.*s %.*s: %s", (int)req->method.len, req->method.base, (int)(req->path.len < 200 ? req->path.len : 200),
              req->path.base, what);
}

/* Whether PHP's body bytes go to the client at all: not for HEAD, not for
 * a status without a body, not for an invalid (1xx) one. */
static bool
keeps_body(const keel_php_request_t *pr)
{
    return !pr->discard_body && !is_head(pr->req) && !(pr->head_received && pr->req->res.status < 200);
}

/* Keeps what fits in the announced Content-Length of len new body bytes;
 * the rest is dropped, so it can never reach the client as the start of
 * another response. */
static size_t
within_length(keel_php_request_t *pr, size_t len)
{
    if (!pr->announced)
        return len;
    size_t room = pr->announced_len - pr->received;
    if (len > room) {
        if (!pr->excess) {
            pr->excess = true;
            log_framing(pr, "the script sent more than its Content-Length; the rest is dropped and the connection "
                            "closed");
            /* Nothing more is read from this client connection after it. */
            pr->req->http1_is_persistent = 0;
        }
        len = room;
    }
    pr->received += len;
    return len;
}

static void
start_response(keel_php_request_t *pr)
{
    h2o_req_t *req = pr->req;
    if (pr->job.phase != KEEL_REQ_BOUND || req == NULL)
        return;
    if (!pr->head_received) {
        req->res.status = 200;
        req->res.reason = "OK";
    }
    if (req->res.status < 200) {
        /* 1xx is interim (RFC 9110 15.2): as a final status the client
         * would wait for another response head, and take PHP's body for
         * it. An invalid upstream response, answered as a gateway does. */
        log_framing(pr, "the script set a 1xx status, which cannot end a response; answering 502");
        answer_error(pr, 502);
        return;
    }
    keel_job_move(&pr->job, KEEL_REQ_EV_START);
    if (no_body_status(req->res.status)) {
        /* 204 and 304 carry no body (RFC 9110 6.4.1): whatever PHP
         * printed is dropped rather than corrupting the connection. */
        pr->discard_body = true;
        h2o_buffer_consume(&pr->body, pr->body->size);
        req->res.content_length = SIZE_MAX;
        ssize_t ct;
        if (req->res.status == 304 && (ct = h2o_find_header(&req->res.headers, H2O_TOKEN_CONTENT_TYPE, -1)) != -1)
            h2o_delete_header(&req->res.headers, ct); /* as nginx: a 304 describes no body */
    } else if (is_head(req)) {
        /* PHP prints nothing for HEAD; the length a GET would have is
         * known only when the script announced it (as behind nginx). */
        pr->discard_body = true;
        h2o_buffer_consume(&pr->body, pr->body->size);
        req->res.content_length = pr->announced ? pr->announced_len : SIZE_MAX;
    } else if (pr->announced) {
        req->res.content_length = pr->announced_len;
    } else if (pr->ended) {
        req->res.content_length = pr->body->size;
    } else if (req->version < 0x101) {
        /* HTTP/1.0 has no chunked coding: the end of a response of
         * unknown length is the end of the connection. */
        req->http1_is_persistent = 0;
    }
    h2o_start_response(req, &pr->super);
}

/* A header line h2o would write as it is: no CR, LF or NUL, which would
 * end it early and start another. PHP's header() refuses them too. */
static bool
header_text_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0')
            return false;
    return true;
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
    if (pr->job.phase != KEEL_REQ_BOUND) {
        /* The response started (or was answered) without it: too late. */
        keel_warn("response head from worker after the response started: dropped");
        return;
    }
    req->res.status = (int)status;
    req->res.reason = keel_http_reason(status);
    const char *n, *v;
    size_t nl, vl;
    while (keel_ipc_kv_next(&r, &n, &nl, &v, &vl) == KEEL_IPC_OK) {
        if (!header_text_ok(n, nl) || !header_text_ok(v, vl)) {
            keel_warn("response header with a line break or NUL from worker: dropped");
            continue;
        }
        if (nl == 7 && memcmp(n, ":reason", 7) == 0) {
            req->res.reason = h2o_strdup(&req->pool, v, vl).base;
            continue;
        }
        h2o_iovec_t name = h2o_strdup(&req->pool, n, nl);
        h2o_strtolower(name.base, name.len);
        const h2o_token_t *tok = h2o_lookup_token(name.base, name.len);
        if (tok == H2O_TOKEN_CONTENT_LENGTH) {
            /* h2o writes the framing itself; PHP's length is checked
             * against what it sends (within_length, RESP_END). */
            size_t cl = h2o_strtosize(v, vl);
            if (cl != SIZE_MAX) {
                pr->announced = true;
                pr->announced_len = cl;
            }
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

/* --- the job side: what the pools report --- */

static void job_lost(keel_job_t *job, int status);

static void
start_clocks(keel_php_request_t *pr)
{
    keel_front_env_t *env = pr->ctx->env;
    if (env->cfg->slow_request_ms && !h2o_timeout_is_linked(&pr->slow_entry)) {
        pr->slow_entry.cb = on_slow;
        h2o_timeout_link(env->loop, &env->slow_timeout, &pr->slow_entry);
    }
    if (env->cfg->request_timeout_ms && !h2o_timeout_is_linked(&pr->timeout_entry)) {
        pr->timeout_entry.cb = on_timeout;
        h2o_timeout_link(env->loop, &env->request_timeout, &pr->timeout_entry);
    }
}

static void
job_bound(keel_job_t *job, keel_front_worker_t *w)
{
    keel_php_request_t *pr = FROM_JOB(job);
    h2o_req_t *req = pr->req;
    if (job->report != NULL) {
        job->report->pid = w->pid;
        job->report->generation = w->generation;
    }
    if (req == NULL)
        return;
    start_clocks(pr);
    /* "METHOD /path" for crash logs, on every request: copied, not
     * formatted (snprintf was a percent of the front's time). */
    size_t m = req->method.len < 20 ? req->method.len : 20, n = req->path.len < 100 ? req->path.len : 100;
    _Static_assert(sizeof(w->last_request) > 20 + 1 + 100, "room for method, space and path");
    memcpy(w->last_request, req->method.base, m);
    w->last_request[m] = ' ';
    memcpy(w->last_request + m + 1, req->path.base, n);
    w->last_request[m + 1 + n] = '\0';
}

static void
job_frame(keel_job_t *job, const keel_ipc_header_t *hdr, const uint8_t *payload)
{
    keel_php_request_t *pr = FROM_JOB(job);
    if (pr->req == NULL || job->phase == KEEL_REQ_FINISHED)
        return;
    switch (hdr->type) {
    case KEEL_IPC_RESP_HEAD:
        on_resp_head(pr, payload, hdr->length);
        break;
    case KEEL_IPC_RESP_BODY: {
        if (pr->ended)
            break;
        size_t keep = keeps_body(pr) ? within_length(pr, hdr->length) : 0;
        if (keep) {
            h2o_iovec_t dst = h2o_buffer_reserve(&pr->body, keep);
            if (dst.base == NULL) {
                /* no memory, or the spool file could not be made: the
                 * response cannot be kept whole, so it ends in error */
                keel_error("cannot buffer the response to %.*s %.*s", (int)pr->req->method.len, pr->req->method.base,
                           (int)pr->req->path.len, pr->req->path.base);
                job_lost(job, 502);
                break;
            }
            memcpy(dst.base, payload, keep);
            pr->body->size += keep;
        }
        /* A flush() before PHP sent its head starts nothing: the head
         * decides the status and the framing. */
        if (job->phase == KEEL_REQ_BOUND &&
            ((pr->head_received && (hdr->flags & KEEL_IPC_FLAG_FLUSH)) || pr->body->size >= RESPONSE_START_THRESHOLD))
            start_response(pr);
        send_pending(pr);
        if (buffered(pr) >= response_limit(pr) && job->worker != NULL)
            keel_worker_pause_reading(job->worker);
        break;
    }
    case KEEL_IPC_RESP_END:
        pr->ended = true;
        if (keeps_body(pr) && pr->announced && pr->received < pr->announced_len) {
            pr->short_body = true;
            pr->req->http1_is_persistent = 0;
            log_framing(pr, "the script sent less than its Content-Length; the response is cut short and the "
                            "connection closed");
        }
        start_response(pr);
        send_pending(pr);
        break;
    default:
        break;
    }
}

static void
job_done(keel_job_t *job)
{
    keel_php_request_t *pr = FROM_JOB(job);
    pr->ctx->env->counters.requests_total++;
    /* The worker ended without a response end (it should not): the client
     * must not hang. */
    if (!pr->ended)
        job_lost(job, 502);
}

static void
job_lost(keel_job_t *job, int status)
{
    keel_php_request_t *pr = FROM_JOB(job);
    job->worker = NULL;
    stop_timers(pr);
    if (pr->req == NULL || job->phase == KEEL_REQ_FINISHED)
        return;
    if (job->phase != KEEL_REQ_STREAMING && status == 502 && !pr->retried && pr->ctx->env->cfg->retry_idempotent &&
        idempotent(pr->req) && keel_job_move(job, KEEL_REQ_EV_RETRY)) {
        /* Nothing was sent and repeating the request is harmless: once,
         * on another worker. */
        h2o_req_t *req = pr->req;
        pr->retried = true;
        pr->head_received = pr->ended = false;
        pr->discard_body = pr->announced = pr->excess = pr->short_body = false;
        pr->received = 0;
        h2o_buffer_consume(&pr->body, pr->body->size);
        req->res.status = 0;
        req->res.reason = NULL;
        req->res.content_length = SIZE_MAX;
        memset(&req->res.headers, 0, sizeof(req->res.headers));
        keel_info("retrying %.*s %.*s on another worker", (int)req->method.len, req->method.base, (int)req->path.len,
                  req->path.base);
        /* A new stream: the dead worker's claim slot still names the old. */
        job->stream = keel_env_new_stream(pr->ctx->env);
        keel_dispatch_submit(pr->ctx->dispatch, job);
        return;
    }
    if (job->phase != KEEL_REQ_STREAMING) {
        /* Nothing reached the client yet: a clean 502 (504 after a timeout). */
        answer_error(pr, pr->timed_out ? 504 : status);
        return;
    }
    /* Part of the response is out: the client must see it truncated. */
    pr->broken = true;
    send_pending(pr);
}

static void
job_refused(keel_job_t *job, int status, unsigned retry_after_s)
{
    keel_php_request_t *pr = FROM_JOB(job);
    h2o_req_t *req = pr->req;
    stop_timers(pr);
    if (req == NULL || job->phase == KEEL_REQ_FINISHED)
        return;
    keel_job_move(job, KEEL_REQ_EV_ANSWER);
    if (retry_after_s != 0) {
        char *v = h2o_mem_alloc_pool(&req->pool, 12);
        int n = snprintf(v, 12, "%u", retry_after_s);
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL, v, (size_t)n);
    }
    const char *reason = keel_http_reason((unsigned)status);
    char body[64];
    snprintf(body, sizeof(body), "%s\n", reason);
    h2o_send_error_generic(req, status, reason, h2o_strdup(&req->pool, body, SIZE_MAX).base,
                           H2O_SEND_ERROR_KEEP_HEADERS);
}

static const keel_job_ops_t php_job_ops = {
    .bound = job_bound,
    .frame = job_frame,
    .done = job_done,
    .lost = job_lost,
    .refused = job_refused,
};

int
keel_php_handle(keel_php_ctx_t *ctx, h2o_req_t *req, const keel_route_t *route)
{
    keel_php_request_t *pr = h2o_mem_alloc_shared(&req->pool, sizeof(*pr), on_dispose);
    memset(pr, 0, sizeof(*pr));
    pr->super.proceed = on_proceed;
    pr->super.stop = on_stop;
    pr->ctx = ctx;
    pr->req = req;
    h2o_buffer_init(&pr->body, ctx->spool);
    h2o_buffer_init(&pr->sending, ctx->spool);
    struct sockaddr_storage peer, local;
    keel_params_request_t in;
    keel_params_from_h2o(req, ctx->env->params, &in, &peer, &local);
    keel_proxy_params_apply(req, ctx->env->params, &in, &peer);
    pr->job = (keel_job_t){
        .ops = &php_job_ops,
        .stream = keel_env_new_stream(ctx->env),
        .kind = route->kind == KEEL_ROUTE_WORKER ? KEEL_POOL_WORKER : KEEL_POOL_CLASSIC,
        .phase = KEEL_REQ_NEW,
        .params = keel_params_build(&req->pool, &in, ctx->env->params, route),
        .body = req->entity.base != NULL ? req->entity : h2o_iovec_init(NULL, 0),
    };
    if (ctx->access_log)
        pr->job.report = &keel_access_log_php(req, pr->job.kind)->report;
    /* The pool holds the only reference: on_dispose runs when h2o is done
     * with the request, whether the response completed or the client left. */
    pr->counted = true;
    ctx->in_flight++;
    keel_dispatch_submit(ctx->dispatch, &pr->job);
    return 0;
}
