/*
 * A request as the worker pools see it: what a worker needs to run it,
 * and where what the worker sends goes. The HTTP side (php_request.c) and
 * the warm-up (warmup.c) each implement the callbacks; the pools below
 * call them — that is how events about a request go up — and never call
 * those files by name.
 *
 * A job and the worker running it point at each other (job->worker,
 * w->job); whichever side goes first clears the other's pointer.
 */
#ifndef KEEL_FRONT_JOB_H
#define KEEL_FRONT_JOB_H

#include <stdbool.h>
#include <stdint.h>

#include <h2o.h>

#include "ipc/frame.h"
#include "ipc/message.h"
#include "supervisor/pool_policy.h"
#include "supervisor/request_phase.h"

typedef struct keel_job_s keel_job_t;
typedef struct keel_front_worker_s keel_front_worker_t;
typedef struct keel_handoff_s keel_handoff_t;

typedef struct {
    /* A worker runs it from now on (its phase is BOUND): its running time
     * starts, within a tick of the worker taking it. */
    void (*bound)(keel_job_t *job, keel_front_worker_t *w);
    /* RESP_HEAD, RESP_BODY or RESP_END from its worker. */
    void (*frame)(keel_job_t *job, const keel_ipc_header_t *hdr, const uint8_t *payload);
    /* Its worker finished it (REQ_DONE) and no longer points at it. */
    void (*done)(keel_job_t *job);
    /* Its worker went away before it finished: `status` (502, 503 or 504)
     * is what the client gets if nothing was sent yet. */
    void (*lost)(keel_job_t *job, int status);
    /* No worker will run it (queue full, waited too long, given up):
     * answer `status`, with Retry-After when retry_after_s is not 0. */
    void (*refused)(keel_job_t *job, int status, unsigned retry_after_s);
} keel_job_ops_t;

/* How a job ran, for the access log: filled by the pools when someone
 * asks (keel_job_t.report). */
typedef struct {
    uint64_t submitted_ns; /* CLOCK_MONOTONIC when the front had the request */
    int pid;               /* the worker that ran it, 0: none did */
    uint32_t generation;
    bool done; /* its REQ_DONE came: stats below */
    keel_ipc_stats_t stats;
    bool private_before_known; /* the worker had reported a request before this one */
    uint64_t private_before;   /* its private memory then */
} keel_job_report_t;

struct keel_job_s {
    const keel_job_ops_t *ops;
    uint32_t stream; /* unique in this front's life */
    keel_pool_kind_t kind;
    keel_req_phase_t phase;           /* moved only by keel_job_move() */
    h2o_iovec_t params;               /* the encoded REQUEST payload */
    h2o_iovec_t body;                 /* the whole request body (h2o buffers it before the handler runs) */
    bool body_follows;                /* sent into a queue without its body, which then goes on the worker's socket */
    bool missing;                     /* QUEUED, yet neither in the queue nor claimed at the last look */
    keel_front_worker_t *worker;      /* the worker running it, once bound */
    keel_handoff_t *queued_in;        /* QUEUED: the generation queue it was sent into */
    h2o_linklist_t link;              /* WAITING: in the front's queue; QUEUED: in queued_in->queued */
    h2o_timeout_entry_t wait_entry;   /* --max-wait, until bound */
    struct keel_dispatch_s *waits_in; /* whose queues it waits in, for the wait timer */
    keel_job_report_t *report;        /* NULL: nobody asks how it ran */
};

/* Moves job's phase by ev (supervisor/request_phase.h). A transition the
 * table forbids is a bug: it is logged and the phase is left as it is.
 * Returns whether it moved. */
bool keel_job_move(keel_job_t *job, keel_req_event_t ev);

#endif
