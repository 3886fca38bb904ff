#include "front/health_path.h"

#include <stdio.h>
#include <string.h>

#include "front/http1_parse.h"

typedef struct {
    h2o_handler_t super;
    h2o_iovec_t path;
    keel_readiness_fn readiness;
    void *owner;
} health_handler_t;

void
keel_health_answer(h2o_req_t *req, const keel_readiness_t *r)
{
    char *body = h2o_mem_alloc_pool(&req->pool, sizeof(r->reason) + 16);
    int n = snprintf(body, sizeof(r->reason) + 16, "%s: %s\n", r->ready ? "ready" : "not ready", r->reason);
    req->res.status = r->ready ? 200 : 503;
    req->res.reason = r->ready ? "OK" : "Service Unavailable";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("text/plain; charset=utf-8"));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL, H2O_STRLIT("no-store"));
    req->res.content_length = n > 0 ? (size_t)n : 0;
    h2o_send_inline(req, body, req->res.content_length);
}

static int
on_req(h2o_handler_t *self, h2o_req_t *req)
{
    health_handler_t *h = (health_handler_t *)self;
    size_t plen = req->query_at == SIZE_MAX ? req->path.len : req->query_at;
    if (!h2o_memis(req->path.base, plen, h->path.base, h->path.len))
        return -1;
    /* a request the HTTP/1 parser hook refused is answered by http.c */
    if (h2o_find_header_by_str(&req->headers, H2O_STRLIT(KEEL_HTTP1_VERDICT_HEADER), -1) != -1)
        return -1;
    if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) &&
        !h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"))) {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, H2O_STRLIT("GET, HEAD"));
        h2o_send_error_405(req, "Method Not Allowed", "Method Not Allowed\n", H2O_SEND_ERROR_KEEP_HEADERS);
        return 0;
    }
    keel_readiness_t r;
    h->readiness(h->owner, &r);
    keel_health_answer(req, &r);
    return 0;
}

void
keel_health_path_register(h2o_pathconf_t *path, const char *health_path, keel_readiness_fn readiness, void *owner)
{
    health_handler_t *h = (void *)h2o_create_handler(path, sizeof(*h));
    h->super.on_req = on_req;
    h->path = h2o_iovec_init(health_path, strlen(health_path));
    h->readiness = readiness;
    h->owner = owner;
}
