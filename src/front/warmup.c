#include "front/warmup.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"

static void
finish(keel_warmup_t *wu, unsigned status)
{
    if (!wu->running)
        return;
    wu->running = false;
    keel_job_move(&wu->job, KEEL_REQ_EV_ANSWER);
    wu->done(wu->owner, status);
}

static void
on_bound(keel_job_t *job, keel_front_worker_t *w)
{
    (void)job;
    (void)w; /* named in crash logs once it is sent, below */
}

static void
on_frame(keel_job_t *job, const keel_ipc_header_t *hdr, const uint8_t *payload)
{
    keel_warmup_t *wu = (keel_warmup_t *)job;
    unsigned status;
    keel_ipc_kv_reader_t r;
    if (hdr->type == KEEL_IPC_RESP_HEAD && keel_ipc_resp_head_get(payload, hdr->length, &status, &r) == KEEL_IPC_OK)
        wu->status = status;
}

static void
on_done(keel_job_t *job)
{
    keel_warmup_t *wu = (keel_warmup_t *)job;
    /* A script that sent no headers answered 200, as PHP would. */
    finish(wu, wu->status ? wu->status : 200);
}

static void
on_lost(keel_job_t *job, int status)
{
    (void)status;
    finish((keel_warmup_t *)job, 0);
}

static void
on_refused(keel_job_t *job, int status, unsigned retry_after_s)
{
    (void)status;
    (void)retry_after_s;
    finish((keel_warmup_t *)job, 0);
}

static const keel_job_ops_t warmup_ops = {
    .bound = on_bound, .frame = on_frame, .done = on_done, .lost = on_lost, .refused = on_refused};

bool
keel_warmup_start(keel_warmup_t *wu, keel_front_env_t *env, const keel_router_t *router, keel_pool_t *pool,
                  void (*done)(void *owner, unsigned status), void *owner)
{
    const char *path = env->cfg->warmup;
    const char *q = strchr(path, '?');
    size_t plen = q ? (size_t)(q - path) : strlen(path);
    keel_route_t route;
    keel_route(router, path, plen, &route);
    if (route.kind != KEEL_ROUTE_PHP && route.kind != KEEL_ROUTE_WORKER)
        return false;
    memset(wu, 0, sizeof(*wu));
    h2o_mem_init_pool(&wu->mem);
    const keel_params_ctx_t *ctx = env->params;
    /* As a client on the same machine would ask it: keel's own user agent,
     * the listening address as Host, from 127.0.0.1. */
    h2o_headers_t headers;
    memset(&headers, 0, sizeof(headers));
    h2o_add_header(&wu->mem, &headers, H2O_TOKEN_USER_AGENT, NULL, H2O_STRLIT("keel-warmup"));
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    keel_params_request_t in = {
        .method = h2o_iovec_init(H2O_STRLIT("GET")),
        .path = h2o_iovec_init(path, strlen(path)),
        .query_at = q ? (size_t)(q - path) : SIZE_MAX,
        .version = 0x101,
        .authority = h2o_iovec_init(ctx->fallback_name, strlen(ctx->fallback_name)),
        .headers = &headers,
        .peer = (const struct sockaddr *)&peer,
        .peer_len = sizeof(peer),
        .local = (const struct sockaddr *)&ctx->listen_addr,
        .local_len = ctx->listen_addr_len,
    };
    wu->job = (keel_job_t){
        .ops = &warmup_ops,
        .stream = keel_env_new_stream(env),
        .kind = route.kind == KEEL_ROUTE_WORKER ? KEEL_POOL_WORKER : KEEL_POOL_CLASSIC,
        .phase = KEEL_REQ_NEW,
        .params = keel_params_build(&wu->mem, &in, ctx, &route),
    };
    wu->done = done;
    wu->owner = owner;
    wu->running = true;
    keel_front_worker_t *w = keel_pool_run_direct(pool, &wu->job);
    /* the parameters are copied into the worker's output by now */
    h2o_mem_clear_pool(&wu->mem);
    wu->job.params = h2o_iovec_init(NULL, 0);
    if (w == NULL) {
        wu->running = false;
        return false;
    }
    snprintf(w->last_request, sizeof(w->last_request), "GET %.100s (warm-up)", path);
    keel_info("generation %u: warm-up request GET %s", pool->generation, path);
    return true;
}

void
keel_warmup_dispose(keel_warmup_t *wu)
{
    if (wu->job.worker != NULL) {
        /* its worker runs it for nobody now */
        wu->job.worker->job = NULL;
        wu->job.worker = NULL;
    }
    wu->running = false;
}
