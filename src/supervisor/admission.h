/*
 * Admission: what happens to a PHP request the front accepted. It goes
 * into the serving generation's queue for its pool (the next free worker
 * takes it), waits in the front's own queue (in order, for at most
 * --max-wait), or is refused with 503 and Retry-After (a full queue, a
 * pool that gave up, or memory pressure). A pure decision
 * over counts; src/front/dispatch.c counts and carries it out.
 */
#ifndef KEEL_SUPERVISOR_ADMISSION_H
#define KEEL_SUPERVISOR_ADMISSION_H

#include <stdbool.h>
#include <stddef.h>

#include "ipc/queue.h"

typedef struct {
    bool serving;           /* a generation is active (else every request waits for one) */
    bool given_up;          /* the pool stopped restarting its workers */
    size_t idle;            /* its free workers, as far as the front knows (some may have taken a queued request) */
    size_t serving_workers; /* its workers that serve, free or not */
    size_t queued;          /* requests sent into the generation's queue, not yet bound to a worker */
    size_t waiting;         /* requests waiting in the front's queue for this pool */
    size_t max_queue;       /* --max-queue */
    bool shed;              /* memory pressure: new requests are refused (supervisor/pressure.h) */
} keel_admit_in_t;

typedef enum {
    KEEL_ADMIT_PUSH,   /* into the generation's queue (if the kernel finds it full: WAIT) */
    KEEL_ADMIT_WAIT,   /* into the front's queue */
    KEEL_ADMIT_REJECT, /* 503 with Retry-After: retry_after_s */
} keel_admit_verdict_t;

typedef struct {
    keel_admit_verdict_t verdict;
    unsigned retry_after_s; /* with REJECT */
} keel_admit_t;

/* The verdict for one more request of the pool described by in. */
keel_admit_t keel_admit(const keel_admit_in_t *in);

/* Requests the pool's queue may hold now: KEEL_QUEUE_PER_WORKER per
 * worker. Past that they wait in the front, where taking one back is
 * cheap. */
size_t keel_admit_queue_room(size_t serving_workers, size_t idle);

/* Whether the front may move one more waiting request into the pool's queue. */
bool keel_admit_may_push(size_t queued, size_t serving_workers, size_t idle);

#endif
