/*
 * A PHP request on the HTTP side: an h2o generator that is also a job
 * (job.h) for the pools. It is accepted (keel_php_handle), offered to a
 * pool (dispatch.h), bound to the worker that runs it, and streams that
 * worker's response to the client with h2o's proceed/send backpressure;
 * it lives in h2o's request pool and is disposed with it.
 */
#ifndef KEEL_FRONT_PHP_REQUEST_H
#define KEEL_FRONT_PHP_REQUEST_H

#include <stddef.h>

#include <h2o.h>

#include "front/dispatch.h"
#include "front/env.h"
#include "front/route.h"

/* What every PHP request shares, owned by the front. */
typedef struct {
    keel_front_env_t *env;
    keel_dispatch_t *dispatch;
    h2o_buffer_prototype_t *spool; /* response buffers: memory, then (with a spool directory) a file */
    size_t in_flight;              /* requests accepted and not yet disposed */
    bool access_log;               /* --access-log: record how each request ran (access_log.h) */
    /* in_flight dropped to 0 */
    void (*idle)(void *owner);
    void *owner;
} keel_php_ctx_t;

/* Runs req (routed to `route`, a PHP script or the worker script) on a
 * worker. Returns 0: the request is answered, now or later. */
int keel_php_handle(keel_php_ctx_t *ctx, h2o_req_t *req, const keel_route_t *route);

#endif
