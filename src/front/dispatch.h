/*
 * Matching requests with workers. A request goes into the serving
 * generation's queue for its pool, from which the next free worker takes
 * it, as php-fpm's children take connections from one listening socket;
 * when that queue is full it waits in the front's own queue, in order, up
 * to --max-queue waiting requests and for at most --max-wait each; beyond
 * that, or under memory pressure, it gets 503. Requests that wait let the
 * pool grow (its own rule). supervisor/admission.h decides which; this file counts,
 * keeps the front's queues and the wait timers, and carries the verdict
 * out. Calls go down only: to the target generation's pool and queue.
 */
#ifndef KEEL_FRONT_DISPATCH_H
#define KEEL_FRONT_DISPATCH_H

#include <stddef.h>

#include <h2o.h>

#include "front/env.h"
#include "front/generation.h"
#include "front/job.h"

typedef struct keel_dispatch_s {
    keel_front_env_t *env;
    keel_generation_t *target; /* the generation serving new requests, or NULL */
    struct {
        h2o_linklist_t waiting; /* keel_job_t by job->link, oldest first */
        size_t len;
    } queues[KEEL_POOL_KINDS];
    /* A drain due from the loop: a request whose client left took its
     * room in a queue with it, and nothing else may free a worker soon
     * (the pool may be idle) to let the front's waiting requests on. */
    h2o_timeout_entry_t drain_soon;
} keel_dispatch_t;

void keel_dispatch_init(keel_dispatch_t *d, keel_front_env_t *env);

/* New requests go to g (NULL: none serves; they wait). */
void keel_dispatch_set_target(keel_dispatch_t *d, keel_generation_t *g);

/* Offers a NEW job: into the target's queue, into the front's, or
 * refused (503 with Retry-After). */
void keel_dispatch_submit(keel_dispatch_t *d, keel_job_t *job);

/* Moves waiting jobs into the target's queues while they have room (a
 * worker freed, a request was bound, a generation took over). */
void keel_dispatch_drain(keel_dispatch_t *d);

/* Requests of `kind` wait for a worker: the target's pool may grow
 * (keel_pool_grow); on every submit that found no free worker, and on
 * the front's tick. */
void keel_dispatch_grow(keel_dispatch_t *d, keel_pool_kind_t kind);

/* Jobs taken back out of a generation's queue: to the head of the front's
 * queue of `kind`, oldest first, then on if there is room. */
void keel_dispatch_requeue(keel_dispatch_t *d, keel_pool_kind_t kind, h2o_linklist_t *jobs);

/* Refuses every job waiting in the front for `kind` (a pool that gave up,
 * or the front stopping). */
void keel_dispatch_refuse_waiting(keel_dispatch_t *d, keel_pool_kind_t kind, int status, unsigned retry_after_s);

/* The job's client left before a worker was bound to it: it waits no more
 * (a worker that took it already runs it for nobody, bound). Room it
 * leaves in a generation's queue goes to the requests waiting in the
 * front, from the loop. */
void keel_dispatch_abandon(keel_dispatch_t *d, keel_job_t *job);

/* The worker running job, bound or (now bound) claimed; NULL when none
 * has it yet. */
keel_front_worker_t *keel_dispatch_runner(keel_dispatch_t *d, keel_job_t *job);

#endif
