/*
 * The public listener's handler: what serves a request, as nginx's
 * `try_files $uri $uri/ /index.php` with a PHP location decides it (the
 * routing itself is route.h), with the paths of the generation serving
 * at the time (routing.h). Static files go on to h2o's file handler,
 * registered after this one on the same path at the file system's root
 * and handed the checked, absolute path; PHP goes to php_request.h.
 */
#ifndef KEEL_FRONT_HTTP_H
#define KEEL_FRONT_HTTP_H

#include <stdbool.h>

#include <h2o.h>

#include "front/php_request.h"
#include "front/routing.h"
#include "front/tls_http.h"

/* Registers the handler, and h2o's file handler after it, on path of
 * host. *routing is read for every request (the front moves it when a
 * generation with other paths serves). listen_host and listen_port name
 * the listener, for redirects of requests without a Host. max_body is
 * --max-body: libh2o is told one byte more (see server.c), and a body past
 * max_body gets 413 here. php->reroute is set: a PHP request routed with
 * paths that no longer serve comes back here. precompressed: the file
 * handler serves .gz and .br siblings (compress.h), which are checked as
 * the file itself is. tls (which must outlive the handler) says what
 * HTTPS changes (tls_http.h). */
void keel_http_register(h2o_hostconf_t *host, h2o_pathconf_t *path, keel_routing_t *const *routing, keel_php_ctx_t *php,
                        const char *listen_host, int listen_port, uint64_t max_body, bool precompressed,
                        const keel_http_tls_t *tls);

#endif
