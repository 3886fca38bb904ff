/*
 * The public listener's handler: what serves a request, as nginx's
 * `try_files $uri $uri/ /index.php` with a PHP location decides it (the
 * routing itself is route.h). Static files go on to h2o's file handler,
 * registered after this one on the same path; PHP goes to php_request.h.
 */
#ifndef KEEL_FRONT_HTTP_H
#define KEEL_FRONT_HTTP_H

#include <stdbool.h>

#include <h2o.h>

#include "front/php_request.h"
#include "front/route.h"
#include "front/tls_http.h"

/* Registers the handler on path of host. listen_host and listen_port name
 * the listener, for redirects of requests without a Host. max_body is
 * --max-body: libh2o is told one byte more (see server.c), and a body past
 * max_body gets 413 here. precompressed: the file handler serves .gz and
 * .br siblings (compress.h), which are checked as the file itself is. tls
 * (which must outlive the handler) says what HTTPS changes (tls_http.h). */
void keel_http_register(h2o_hostconf_t *host, h2o_pathconf_t *path, const keel_router_t *router, keel_php_ctx_t *php,
                        const char *listen_host, int listen_port, uint64_t max_body, bool precompressed,
                        const keel_http_tls_t *tls);

#endif
