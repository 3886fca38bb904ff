/*
 * --health-path: readiness on the public listener, for load balancers and
 * probes that reach only the port that serves traffic. GET or HEAD of
 * exactly that path (a query is ignored) is answered by the front itself,
 * never by PHP: 200 "ready: ..." while a generation serves, 503 "not
 * ready: ..." while the first boots or keeps failing and from the moment
 * SIGTERM arrives (--drain-delay). Registered ahead of the public
 * handler (http.h) on the same path; every other request passes on.
 */
#ifndef KEEL_FRONT_HEALTH_PATH_H
#define KEEL_FRONT_HEALTH_PATH_H

#include <h2o.h>

#include "supervisor/readiness.h"

/* Asked on every probe. */
typedef void (*keel_readiness_fn)(void *owner, keel_readiness_t *out);

void keel_health_path_register(h2o_pathconf_t *path, const char *health_path, keel_readiness_fn readiness, void *owner);

/* Answers req with r (200 or 503, text/plain, not to be cached): also
 * the admin listener's /readyz. */
void keel_health_answer(h2o_req_t *req, const keel_readiness_t *r);

#endif
