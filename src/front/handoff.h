/*
 * A generation's request queues (ipc/queue.h), as transport: the front
 * sends a request into its pool's queue and the next free worker takes
 * it; the front can take untaken requests back out, read who claimed
 * what, and tell a worker (by its claim slot) to take no more. Nothing
 * here decides or answers a request: results are returned to the caller.
 *
 * "Queued" below: sent into a queue and not yet bound to a worker,
 * whether or not a worker has taken it. The front binds a request when it
 * reads the worker's first frame for it (or when it must know who runs it,
 * see pool.c); before that, the worker's claim slot says who runs it.
 */
#ifndef KEEL_FRONT_HANDOFF_H
#define KEEL_FRONT_HANDOFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <h2o.h>

#include "front/job.h"
#include "ipc/queue.h"
#include "supervisor/pool_policy.h"

struct keel_handoff_s {
    uint32_t generation;
    /* the front sends into queue_fd; the workers take from the other end,
     * which the front keeps too (take_fd) to take requests back */
    int queue_fd[KEEL_POOL_KINDS], take_fd[KEEL_POOL_KINDS];
    void *claims;                                     /* the claim slots' pages, shared */
    size_t stride;                                    /* from one slot to the next: a page */
    uint64_t slots_used[KEEL_QUEUE_CLAIM_SLOTS / 64]; /* slot 0 is never handed out */
    uint32_t slots_touched;                           /* one past the highest slot ever handed out */
    h2o_linklist_t queued[KEEL_POOL_KINDS];           /* keel_job_t, by job->link */
    size_t queued_len[KEEL_POOL_KINDS];
};

/* Creates the queues and the claim slots; child_fds receives what the
 * zygote is given (the taking ends of both queues, the claim slots'
 * memfd), for the caller to pass on and close. Returns 0, or -1 with a
 * message in err. */
int keel_handoff_open(keel_handoff_t *h, uint32_t generation, int child_fds[3], char *err, size_t errlen);
void keel_handoff_close(keel_handoff_t *h);

/* A free claim slot, cleared (its leave flag too); 0 when none is left. */
uint32_t keel_handoff_slot_take(keel_handoff_t *h);
/* The slot's worker is gone (its process reaped): the slot may be reused. */
void keel_handoff_slot_release(keel_handoff_t *h, uint32_t slot);
/* Sets the slot's leave flag: its worker must take nothing more. */
void keel_handoff_set_leave(keel_handoff_t *h, uint32_t slot);
/* The claim slots' memory that has been written, so is resident (and
 * charged to the memory cgroup as shared memory): a page per slot up to
 * the highest ever handed out. */
uint64_t keel_handoff_resident_bytes(const keel_handoff_t *h);
/* The stream the slot's worker took and has not finished, or 0. */
uint32_t keel_handoff_claim(const keel_handoff_t *h, uint32_t slot);

typedef enum {
    KEEL_HANDOFF_SENT,   /* in the queue; the job is QUEUED and tracked here */
    KEEL_HANDOFF_FULL,   /* the kernel found the queue full: nothing happened */
    KEEL_HANDOFF_FAILED, /* it cannot be sent (logged): nothing happened */
} keel_handoff_push_t;

/* Sends job (params, and its body when both fit KEEL_QUEUE_INLINE_MAX)
 * into the queue of its pool. */
keel_handoff_push_t keel_handoff_push(keel_handoff_t *h, keel_job_t *job);

/* The queued job with this stream id, or NULL. */
keel_job_t *keel_handoff_find(const keel_handoff_t *h, uint32_t stream);

/* Stops tracking a queued job (bound, answered or gone); job->queued_in
 * becomes NULL. */
void keel_handoff_forget(keel_job_t *job);

/* Takes job out of its queue if no worker took it yet; then it is
 * forgotten and true is returned. */
bool keel_handoff_retract(keel_job_t *job);

/* Takes every job no worker took yet out of the kind's queue, forgotten,
 * onto the tail of out (oldest first, by job->link). Returns how many. */
size_t keel_handoff_retract_all(keel_handoff_t *h, keel_pool_kind_t kind, h2o_linklist_t *out);

#endif
