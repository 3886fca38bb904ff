/*
 * The CGI parameters a PHP request carries to its worker, computed the way
 * nginx's fastcgi_params and fastcgi.conf compute them for PHP-FPM.
 */
#ifndef KEEL_FRONT_PARAMS_H
#define KEEL_FRONT_PARAMS_H

#include <h2o.h>

#include "front/route.h"

/* Encodes the parameters as a REQUEST payload allocated from req's pool.
 * server_name (--server-name) is SERVER_NAME when not NULL; otherwise the
 * request's Host without its port, or fallback_name without a Host. */
h2o_iovec_t keel_params_build(h2o_req_t *req, const keel_router_t *router, const keel_route_t *route,
                              const char *server_name, const char *fallback_name);

#endif
