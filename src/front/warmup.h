/*
 * --warmup: one GET through a new generation before it serves. It is a
 * request like any other: its parameters come from the code that builds
 * every request's (params.c) and it runs as a job on a free worker of the
 * pool its path routes to, sent on that worker's own socket because the
 * generation's queue is not in use yet. The outcome goes to the owner.
 */
#ifndef KEEL_FRONT_WARMUP_H
#define KEEL_FRONT_WARMUP_H

#include <stdbool.h>

#include <h2o.h>

#include "front/env.h"
#include "front/job.h"
#include "front/pool.h"

typedef struct {
    keel_job_t job;     /* first: the job callbacks find the warm-up from it */
    h2o_mem_pool_t mem; /* its parameters, until they are sent */
    bool running;
    unsigned status; /* from its RESP_HEAD; 200 when PHP sent no headers */
    /* The warm-up's outcome: its status, 0 when its worker went away. */
    void (*done)(void *owner, unsigned status);
    void *owner;
} keel_warmup_t;

/* Sends GET --warmup, routed with router (its generation's paths), to a
 * free worker of pool. Returns true when it is on its way (the outcome
 * comes to done), false when there is nothing to warm up: the path routes
 * to no PHP, or no worker of its pool is free. */
bool keel_warmup_start(keel_warmup_t *wu, keel_front_env_t *env, const keel_router_t *router, keel_pool_t *pool,
                       void (*done)(void *owner, unsigned status), void *owner);

/* Lets go of it (its generation is going): its outcome no longer matters. */
void keel_warmup_dispose(keel_warmup_t *wu);

#endif
