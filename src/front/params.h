/*
 * The CGI parameters a PHP request carries to its worker, computed the way
 * nginx's fastcgi_params and fastcgi.conf compute them for PHP-FPM.
 */
#ifndef KEEL_FRONT_PARAMS_H
#define KEEL_FRONT_PARAMS_H

#include <stdbool.h>
#include <sys/socket.h>

#include <h2o.h>

#include "common/cidr.h"
#include "front/forwarded.h"
#include "front/sockname_cache.h"
#include "front/route.h"

/* What the front knows about itself, the same for every request. */
typedef struct {
    const char *server_name;   /* --server-name, or NULL: the request's Host without its port */
    const char *fallback_name; /* SERVER_NAME without a Host (HTTP/1.0) */
    const char *server_addr;   /* the listening address when it is one address, else NULL: asked per connection */
    const char *server_port;
    struct sockaddr_storage listen_addr; /* the listening socket's address (for keel's own requests) */
    socklen_t listen_addr_len;
    const char *const *extra; /* --param "KEY=VALUE": added, or in place of keel's own of that name */
    size_t extra_count;
    keel_fwd_trust_t trust;           /* --trusted-proxy (front/proxy_params.h) */
    keel_sockname_cache_t *socknames; /* connections' own addresses, when server_addr is NULL */
} keel_params_ctx_t;

/* What a request brings, whoever made it: an HTTP client through h2o
 * (keel_params_from_h2o), or keel itself (the --warmup request). */
typedef struct {
    h2o_iovec_t method;
    h2o_iovec_t path; /* as requested, query included */
    size_t query_at;  /* where the '?' is in path, SIZE_MAX without a query */
    int version;      /* 0x100, 0x101, 0x200 */
    bool https;
    const char *ssl_protocol; /* over TLS: "TLSv1.3", ...; NULL otherwise */
    const char *ssl_cipher;   /* over TLS: OpenSSL's name of the suite */
    h2o_iovec_t authority;    /* the Host asked for; empty without one */
    const h2o_headers_t *headers;
    const struct sockaddr *peer; /* the client; NULL when unknown */
    socklen_t peer_len;
    const struct sockaddr *local; /* the address it came in on, asked only when ctx->server_addr is NULL */
    socklen_t local_len;
    bool has_body;
    size_t body_len;
    /* what a trusted proxy said (front/proxy_params.h) */
    bool peer_port_unknown;     /* REMOTE_PORT is empty: the forwarded address came without one */
    h2o_iovec_t forwarded_host; /* SERVER_NAME, unless --server-name; base NULL: none */
    const char *forwarded_port; /* SERVER_PORT; NULL: none */
} keel_params_request_t;

/* Fills in from an h2o request; peer and local point into the storage
 * given, which must outlive in. */
void keel_params_from_h2o(h2o_req_t *req, const keel_params_ctx_t *ctx, keel_params_request_t *in,
                          struct sockaddr_storage *peer, struct sockaddr_storage *local);

/* Whether the client's connection is TLS (the connection's say, not the
 * request's :scheme). */
bool keel_params_conn_is_tls(h2o_conn_t *conn);

/* "example.com:8080" -> "example.com", "[::1]:8080" -> "[::1]"; a host
 * without a port is returned as it is. */
h2o_iovec_t keel_host_without_port(h2o_iovec_t host);

/* Encodes the parameters of `in` as a REQUEST payload allocated from pool. */
h2o_iovec_t keel_params_build(h2o_mem_pool_t *pool, const keel_params_request_t *in, const keel_params_ctx_t *ctx,
                              const keel_route_t *route);

#endif
