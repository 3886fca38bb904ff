#include "front/tls_http.h"

#include <stdio.h>
#include <string.h>

#include "front/https_redirect.h"
#include "front/params.h"

#define CHALLENGE_PREFIX "/.well-known/acme-challenge/"

typedef struct {
    h2o_filter_t super;
    h2o_iovec_t value; /* "max-age=N" */
} hsts_filter_t;

static int
is_https(const h2o_req_t *req)
{
    return keel_params_conn_is_tls(req->conn);
}

static int
answer_challenge(const keel_http_tls_t *t, h2o_req_t *req)
{
    const char *token, *body = NULL;
    size_t len;
    if (!keel_acme_http01_token(req->path_normalized.base, req->path_normalized.len, &token, &len))
        return 0;
    if (*t->acme != NULL)
        body = keel_acme_http01_response(*t->acme, token, len);
    if (body == NULL) {
        h2o_send_error_404(req, "Not Found", "Not Found\n", 0);
        return 1;
    }
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, H2O_STRLIT("application/octet-stream"));
    h2o_send_inline(req, body, strlen(body));
    return 1;
}

int
keel_tls_http_handle(const keel_http_tls_t *t, h2o_req_t *req, const char *fallback_host)
{
    if (is_https(req))
        return 0;
    /* the CA asks over cleartext HTTP, and gets its answer before any
     * redirect (RFC 8555 8.3 allows following one; keel need not ask it to) */
    if (t->acme != NULL && *t->acme != NULL && answer_challenge(t, req))
        return 1;
    if (!t->redirect_https || t->https_port == 0)
        return 0;
    if (h2o_memis(req->path_normalized.base,
                  req->path_normalized.len < sizeof(CHALLENGE_PREFIX) - 1 ? req->path_normalized.len
                                                                          : sizeof(CHALLENGE_PREFIX) - 1,
                  H2O_STRLIT(CHALLENGE_PREFIX)))
        return 0;
    size_t size = req->authority.len + strlen(fallback_host) + req->path.len + KEEL_HTTPS_LOCATION_EXTRA;
    char *url = h2o_mem_alloc_pool(&req->pool, size);
    size_t len = keel_https_location(req->authority.base, req->authority.len, fallback_host, t->https_port,
                                     req->path.base, req->path.len, url, size);
    if (len == 0)
        return 0;
    /* 308 keeps the method and body, where 301 lets clients turn a POST
     * into a GET */
    h2o_send_redirect(req, 308, "Permanent Redirect", url, len);
    return 1;
}

static void
on_setup_ostream(h2o_filter_t *self, h2o_req_t *req, h2o_ostream_t **slot)
{
    hsts_filter_t *f = (hsts_filter_t *)self;
    if (is_https(req) && h2o_find_header(&req->res.headers, H2O_TOKEN_STRICT_TRANSPORT_SECURITY, -1) == -1)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_STRICT_TRANSPORT_SECURITY, NULL, f->value.base,
                       f->value.len);
    h2o_setup_next_ostream(req, slot);
}

void
keel_tls_http_register(h2o_pathconf_t *path, const keel_http_tls_t *t)
{
    if (t->hsts_seconds == 0)
        return;
    hsts_filter_t *f = (void *)h2o_create_filter(path, sizeof(*f));
    f->super.on_setup_ostream = on_setup_ostream;
    char value[64];
    int n = snprintf(value, sizeof(value), "max-age=%llu", (unsigned long long)t->hsts_seconds);
    f->value = h2o_strdup(NULL, value, (size_t)n);
}
