/*
 * The CGI parameters a PHP request carries to its worker, computed the way
 * nginx's fastcgi_params and fastcgi.conf compute them for PHP-FPM.
 */
#ifndef KEEL_FRONT_PARAMS_H
#define KEEL_FRONT_PARAMS_H

#include <h2o.h>

#include "front/route.h"

/* What the front knows about itself, the same for every request. */
typedef struct {
    const keel_router_t *router;
    const char *server_name;   /* --server-name, or NULL: the request's Host without its port */
    const char *fallback_name; /* SERVER_NAME without a Host (HTTP/1.0) */
    const char *server_addr;   /* the listening address when it is one address, else NULL: asked per connection */
    const char *server_port;
} keel_params_ctx_t;

/* "example.com:8080" -> "example.com", "[::1]:8080" -> "[::1]"; a host
 * without a port is returned as it is. */
h2o_iovec_t keel_host_without_port(h2o_iovec_t host);

/* Encodes the parameters as a REQUEST payload allocated from req's pool. */
h2o_iovec_t keel_params_build(h2o_req_t *req, const keel_params_ctx_t *ctx, const keel_route_t *route);

#endif
