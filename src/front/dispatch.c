/*
 * Matching requests with workers: a request goes to an idle worker of the
 * active generation, else it waits in its pool's bounded queue for at most
 * --max-wait. A worker that frees up takes the oldest waiting request.
 */
#include "common/log.h"
#include "front/front.h"

static const char *const pool_names[KEEL_POOL_KINDS] = {"classic", "worker-mode"};

const char *
keel_pool_name(keel_pool_kind_t kind)
{
    return pool_names[kind];
}

static void
on_wait_timeout(h2o_timeout_entry_t *entry)
{
    keel_php_request_t *pr = H2O_STRUCT_FROM_MEMBER(keel_php_request_t, wait_entry, entry);
    keel_dispatch_unqueue(pr->front, pr);
    keel_php_request_reject(pr, 503, "Service Unavailable", "1");
}

void
keel_dispatch_unqueue(keel_front_t *f, keel_php_request_t *pr)
{
    if (h2o_linklist_is_linked(&pr->queue_link)) {
        h2o_linklist_unlink(&pr->queue_link);
        f->queues[pr->kind].queue_len--;
    }
    if (h2o_timeout_is_linked(&pr->wait_entry))
        h2o_timeout_unlink(&pr->wait_entry);
}

static void
start(keel_php_request_t *pr, keel_front_worker_t *w)
{
    h2o_linklist_unlink(&w->idle_link);
    w->state = KEEL_WORKER_BUSY;
    w->idle_since_ms = 0;
    keel_php_request_dispatch(pr, w);
}

void
keel_dispatch_submit(keel_front_t *f, keel_php_request_t *pr)
{
    keel_generation_t *g = f->active;
    if (g != NULL && g->given_up[pr->kind] && h2o_linklist_is_empty(&g->idle[pr->kind])) {
        keel_php_request_reject(pr, 503, "Service Unavailable", "10");
        return;
    }
    if (g != NULL && !h2o_linklist_is_empty(&g->idle[pr->kind])) {
        start(pr, H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, idle_link, g->idle[pr->kind].next));
        return;
    }
    if (f->queues[pr->kind].queue_len >= f->cfg.max_queue) {
        keel_php_request_reject(pr, 503, "Service Unavailable", "1");
        return;
    }
    h2o_linklist_insert(&f->queues[pr->kind].queue, &pr->queue_link);
    f->queues[pr->kind].queue_len++;
    pr->wait_entry.cb = on_wait_timeout;
    h2o_timeout_link(f->loop, &f->wait_timeout, &pr->wait_entry);
}

void
keel_dispatch_worker_free(keel_front_worker_t *w)
{
    keel_generation_t *g = w->gen;
    keel_front_t *f = g->front;
    w->req = NULL;
    w->stream = 0;
    w->state = KEEL_WORKER_IDLE;
    w->idle_since_ms = keel_now_ms();
    /* A worker of a replaced generation, or a recycled one whose
     * replacement is ready, takes no more work: it goes. */
    bool generation_retired = g->state != KEEL_GEN_ACTIVE && g->state != KEEL_GEN_STARTING;
    if (generation_retired || f->state >= KEEL_FRONT_STOPPING ||
        (w->retiring && (w->replacement_ready || w->recycle_reason != KEEL_RECYCLE_MEMORY))) {
        keel_worker_close(w);
        return;
    }
    keel_php_request_t *pr = NULL;
    /* Only the active generation takes queued work; an incoming one waits
     * until it is switched in. */
    if (g->state == KEEL_GEN_ACTIVE && !h2o_linklist_is_empty(&f->queues[w->kind].queue)) {
        pr = H2O_STRUCT_FROM_MEMBER(keel_php_request_t, queue_link, f->queues[w->kind].queue.next);
        keel_dispatch_unqueue(f, pr);
    }
    /* Most recently used first: its caches are warm. */
    h2o_linklist_insert(g->idle[w->kind].next, &w->idle_link);
    if (pr != NULL && g->state == KEEL_GEN_ACTIVE)
        start(pr, w);
}

void
keel_dispatch_drain_queues(keel_front_t *f)
{
    keel_generation_t *g = f->active;
    if (g == NULL)
        return;
    for (int k = 0; k < KEEL_POOL_KINDS; k++) {
        while (!h2o_linklist_is_empty(&f->queues[k].queue) && !h2o_linklist_is_empty(&g->idle[k])) {
            keel_php_request_t *pr = H2O_STRUCT_FROM_MEMBER(keel_php_request_t, queue_link, f->queues[k].queue.next);
            keel_dispatch_unqueue(f, pr);
            start(pr, H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, idle_link, g->idle[k].next));
        }
    }
}
