#include "front/dispatch.h"

#include "common/log.h"
#include "supervisor/admission.h"

static void
on_drain_soon(h2o_timeout_entry_t *entry)
{
    keel_dispatch_drain(H2O_STRUCT_FROM_MEMBER(keel_dispatch_t, drain_soon, entry));
}

void
keel_dispatch_init(keel_dispatch_t *d, keel_front_env_t *env)
{
    d->env = env;
    d->target = NULL;
    d->drain_soon = (h2o_timeout_entry_t){.cb = on_drain_soon};
    for (int k = 0; k < KEEL_POOL_KINDS; k++) {
        h2o_linklist_init_anchor(&d->queues[k].waiting);
        d->queues[k].len = 0;
    }
}

void
keel_dispatch_set_target(keel_dispatch_t *d, keel_generation_t *g)
{
    d->target = g;
}

/* Takes job out of the front's queue (if it is there) and stops its wait. */
static void
unqueue(keel_dispatch_t *d, keel_job_t *job)
{
    if (job->phase == KEEL_REQ_WAITING && h2o_linklist_is_linked(&job->link)) {
        h2o_linklist_unlink(&job->link);
        d->queues[job->kind].len--;
    }
    if (h2o_timeout_is_linked(&job->wait_entry))
        h2o_timeout_unlink(&job->wait_entry);
}

static void
refuse(keel_dispatch_t *d, keel_job_t *job, int status, unsigned retry_after_s)
{
    unqueue(d, job);
    job->ops->refused(job, status, retry_after_s);
}

static void
on_wait_timeout(h2o_timeout_entry_t *entry)
{
    keel_job_t *job = H2O_STRUCT_FROM_MEMBER(keel_job_t, wait_entry, entry);
    keel_dispatch_t *d = job->waits_in;
    if (job->phase == KEEL_REQ_QUEUED) {
        keel_generation_t *g = keel_generation_of_queue(job->queued_in);
        switch (keel_pool_wait_expired(&g->pool, job)) {
        case KEEL_POOL_WAIT_RUNNING:
            return; /* a worker has it: no longer waiting */
        case KEEL_POOL_WAIT_LOOK_AGAIN:
            h2o_timeout_link(d->env->loop, &d->env->wait_timeout, &job->wait_entry);
            return;
        case KEEL_POOL_WAIT_LOST:
            refuse(d, job, 502, 0);
            keel_dispatch_drain(d); /* the room it held */
            return;
        case KEEL_POOL_WAIT_TAKEN_BACK:
            refuse(d, job, 503, 1);
            keel_dispatch_drain(d);
            return;
        }
    }
    refuse(d, job, 503, 1);
}

/* Into the front's queue, at its tail. */
static void
wait_in_front(keel_dispatch_t *d, keel_job_t *job)
{
    keel_job_move(job, KEEL_REQ_EV_WAIT);
    h2o_linklist_insert(&d->queues[job->kind].waiting, &job->link);
    d->queues[job->kind].len++;
}

/* Sends job into g's queue: KEEL_HANDOFF_FULL leaves it where it was;
 * FAILED answers it. */
static keel_handoff_push_t
push(keel_dispatch_t *d, keel_generation_t *g, keel_job_t *job)
{
    keel_handoff_push_t r = keel_handoff_push(&g->handoff, job);
    if (r == KEEL_HANDOFF_SENT) {
        keel_job_move(job, KEEL_REQ_EV_PUSH);
    } else if (r == KEEL_HANDOFF_FAILED) {
        refuse(d, job, 502, 0);
    }
    return r;
}

static keel_admit_in_t
admission_in(const keel_dispatch_t *d, keel_pool_kind_t kind)
{
    keel_admit_in_t in = {.waiting = d->queues[kind].len,
                          .max_queue = d->env->cfg->max_queue,
                          .shed = d->env->memory_now.level >= KEEL_PRESSURE_SHED};
    keel_generation_t *g = d->target;
    if (g == NULL || g->state != KEEL_GEN_ACTIVE)
        return in;
    in.serving = true;
    in.given_up = g->pool.counts[kind].given_up;
    keel_pool_count(&g->pool, kind, &in.idle, &in.serving_workers);
    in.queued = g->handoff.queued_len[kind];
    return in;
}

void
keel_dispatch_submit(keel_dispatch_t *d, keel_job_t *job)
{
    job->wait_entry.cb = on_wait_timeout;
    job->waits_in = d;
    keel_admit_in_t in = admission_in(d, job->kind);
    keel_admit_t a = keel_admit(&in);
    if (a.verdict == KEEL_ADMIT_REJECT) {
        if (in.shed)
            d->env->counters.pressure_shed++;
        job->ops->refused(job, 503, a.retry_after_s);
        return;
    }
    keel_pool_kind_t kind = job->kind;
    h2o_timeout_link(d->env->loop, &d->env->wait_timeout, &job->wait_entry);
    if (a.verdict == KEEL_ADMIT_PUSH) {
        keel_handoff_push_t r = push(d, d->target, job);
        if (r != KEEL_HANDOFF_FULL) {
            /* (job may be answered already: only its kind is used below) */
            if (in.idle == 0)
                keel_dispatch_grow(d, kind);
            return;
        }
    }
    wait_in_front(d, job);
    keel_dispatch_grow(d, kind);
}

void
keel_dispatch_grow(keel_dispatch_t *d, keel_pool_kind_t kind)
{
    keel_generation_t *g = d->target;
    if (g != NULL && g->state == KEEL_GEN_ACTIVE)
        keel_pool_grow(&g->pool, kind, d->queues[kind].len);
}

void
keel_dispatch_drain(keel_dispatch_t *d)
{
    keel_generation_t *g = d->target;
    if (g == NULL || g->state != KEEL_GEN_ACTIVE)
        return;
    for (int k = 0; k < KEEL_POOL_KINDS; k++) {
        h2o_linklist_t *waiting = &d->queues[k].waiting;
        if (h2o_linklist_is_empty(waiting))
            continue;
        size_t idle, serving;
        keel_pool_count(&g->pool, (keel_pool_kind_t)k, &idle, &serving);
        while (!h2o_linklist_is_empty(waiting) && keel_admit_may_push(g->handoff.queued_len[k], serving, idle)) {
            keel_job_t *job = H2O_STRUCT_FROM_MEMBER(keel_job_t, link, waiting->next);
            h2o_linklist_unlink(&job->link);
            d->queues[k].len--;
            keel_handoff_push_t r = push(d, g, job);
            if (r == KEEL_HANDOFF_FULL) {
                h2o_linklist_insert(waiting->next, &job->link);
                d->queues[k].len++;
                break;
            }
        }
    }
}

void
keel_dispatch_requeue(keel_dispatch_t *d, keel_pool_kind_t kind, h2o_linklist_t *jobs)
{
    /* newest first onto the head, so the oldest ends up first */
    while (!h2o_linklist_is_empty(jobs)) {
        keel_job_t *job = H2O_STRUCT_FROM_MEMBER(keel_job_t, link, jobs->prev);
        h2o_linklist_unlink(&job->link);
        keel_job_move(job, KEEL_REQ_EV_WAIT);
        h2o_linklist_insert(d->queues[kind].waiting.next, &job->link);
        d->queues[kind].len++;
    }
    keel_dispatch_drain(d);
}

void
keel_dispatch_refuse_waiting(keel_dispatch_t *d, keel_pool_kind_t kind, int status, unsigned retry_after_s)
{
    while (!h2o_linklist_is_empty(&d->queues[kind].waiting))
        refuse(d, H2O_STRUCT_FROM_MEMBER(keel_job_t, link, d->queues[kind].waiting.next), status, retry_after_s);
}

void
keel_dispatch_abandon(keel_dispatch_t *d, keel_job_t *job)
{
    if (job->phase == KEEL_REQ_QUEUED && job->queued_in != NULL) {
        keel_pool_abandon(&keel_generation_of_queue(job->queued_in)->pool, job);
        /* (not from here: h2o is disposing of a request, and a drain
         * answers others) */
        bool waiting = false;
        for (int k = 0; k < KEEL_POOL_KINDS; k++)
            waiting |= d->queues[k].len != 0;
        if (waiting && !h2o_timeout_is_linked(&d->drain_soon))
            h2o_timeout_link(d->env->loop, &d->env->zero_timeout, &d->drain_soon);
    }
    unqueue(d, job);
}

keel_front_worker_t *
keel_dispatch_runner(keel_dispatch_t *d, keel_job_t *job)
{
    (void)d;
    if (job->worker != NULL)
        return job->worker;
    if (job->phase != KEEL_REQ_QUEUED || job->queued_in == NULL)
        return NULL;
    return keel_pool_runner(&keel_generation_of_queue(job->queued_in)->pool, job);
}
