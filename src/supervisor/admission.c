#include "supervisor/admission.h"

/* Retry-After for a full queue: the pool drains in about that time. */
#define RETRY_FULL_S 1
/* ... and for a pool that gave up: nothing changes before a reload. */
#define RETRY_GIVEN_UP_S 10
/* ... and under memory pressure: workers recycled for it are replaced
 * and their memory back within seconds. */
#define RETRY_PRESSURE_S 2

size_t
keel_admit_queue_room(size_t serving_workers, size_t idle)
{
    return KEEL_QUEUE_PER_WORKER * (serving_workers > idle ? serving_workers : idle);
}

bool
keel_admit_may_push(size_t queued, size_t serving_workers, size_t idle)
{
    return queued < keel_admit_queue_room(serving_workers, idle);
}

keel_admit_t
keel_admit(const keel_admit_in_t *in)
{
    /* Near the memory limit, one more request could be the one the OOM
     * killer ends with everything else: refused before it queues. */
    if (in->shed)
        return (keel_admit_t){KEEL_ADMIT_REJECT, RETRY_PRESSURE_S};
    if (!in->serving) {
        /* Nothing serves yet (starting, or between generations): wait for
         * the first, within --max-queue. */
        if (in->waiting >= in->max_queue)
            return (keel_admit_t){KEEL_ADMIT_REJECT, RETRY_FULL_S};
        return (keel_admit_t){KEEL_ADMIT_WAIT, 0};
    }
    if (in->given_up && in->idle == 0)
        return (keel_admit_t){KEEL_ADMIT_REJECT, RETRY_GIVEN_UP_S};
    /* Requests that will wait: those beyond the free workers. A queued
     * request a worker took already counts on both sides (among the
     * queued, and as that worker still shown free), hence the guard. */
    size_t beyond = in->queued > in->idle ? in->queued - in->idle : 0;
    if (in->queued >= in->idle && beyond + in->waiting >= in->max_queue)
        return (keel_admit_t){KEEL_ADMIT_REJECT, RETRY_FULL_S};
    /* In order: nothing overtakes a request already waiting in the front. */
    if (in->waiting == 0 && keel_admit_may_push(in->queued, in->serving_workers, in->idle))
        return (keel_admit_t){KEEL_ADMIT_PUSH, 0};
    return (keel_admit_t){KEEL_ADMIT_WAIT, 0};
}
