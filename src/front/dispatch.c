/*
 * Matching requests with workers. A request goes into the active
 * generation's queue for its pool (handoff.c), from which the next free
 * worker takes it, as php-fpm's children take connections from one
 * listening socket: a worker that finishes finds its next request waiting
 * and does not sleep in between. The queue holds at most two requests per
 * worker of the pool; the rest wait in the front, in order, up to
 * --max-queue waiting requests in all and for at most --max-wait each.
 */
#include "common/log.h"
#include "front/front.h"
#include "ipc/queue.h"

static const char *const pool_names[KEEL_POOL_KINDS] = {"classic", "worker-mode"};

const char *
keel_pool_name(keel_pool_kind_t kind)
{
    return pool_names[kind];
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
on_wait_timeout(h2o_timeout_entry_t *entry)
{
    keel_php_request_t *pr = H2O_STRUCT_FROM_MEMBER(keel_php_request_t, wait_entry, entry);
    keel_front_t *f = pr->front;
    if (pr->queued_in != NULL) {
        keel_generation_t *g = pr->queued_in;
        if (keel_handoff_claimant(g, pr->stream) != NULL)
            return; /* a worker has it: no longer waiting */
        if (!keel_handoff_retract(g, pr->kind, pr)) {
            /* Not in the queue and not claimed: a worker is between
             * taking it and claiming it, or died there. Look again after
             * another --max-wait; still nowhere then, it is lost. */
            if (!pr->missing) {
                pr->missing = true;
                h2o_timeout_link(f->loop, &f->wait_timeout, &pr->wait_entry);
                return;
            }
            keel_handoff_forget(pr);
            keel_error("a request taken from the queue was lost with its worker");
            keel_php_request_reject(pr, 502, "Bad Gateway", NULL);
            return;
        }
    }
    keel_dispatch_unqueue(f, pr);
    keel_php_request_reject(pr, 503, "Service Unavailable", "1");
}

/* Workers of the pool: free ones (as far as the front knows; some may
 * have taken a queued request already) and all that serve. */
static void
count_workers(const keel_generation_t *g, keel_pool_kind_t kind, size_t *idle, size_t *serving)
{
    *idle = *serving = 0;
    for (const h2o_linklist_t *l = g->idle[kind].next; l != &g->idle[kind]; l = l->next)
        (*idle)++;
    for (const h2o_linklist_t *l = g->workers.next; l != &g->workers; l = l->next) {
        const keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, gen_link, l);
        if (w->kind == kind && (w->state == KEEL_WORKER_IDLE || w->state == KEEL_WORKER_BUSY))
            (*serving)++;
    }
}

/* How many requests a pool's queue may hold: KEEL_QUEUE_PER_WORKER per
 * worker (ipc/queue.h). Past that they wait in the front, where taking one
 * back is cheap; a queue the kernel finds full keeps them there too. */
static size_t
queue_room(size_t serving, size_t idle)
{
    return KEEL_QUEUE_PER_WORKER * (serving > idle ? serving : idle);
}

/* Sends pr into g's queue. Returns 1 when sent, 0 when the queue is full,
 * -1 when pr was answered with an error. */
static int
push(keel_generation_t *g, keel_php_request_t *pr)
{
    int r = keel_handoff_push(g, pr);
    if (r < 0) {
        keel_dispatch_unqueue(g->front, pr);
        keel_php_request_reject(pr, 502, "Bad Gateway", NULL);
        return -1;
    }
    if (r > 0)
        keel_php_request_queued(pr);
    return r;
}

static void
wait_in_front(keel_front_t *f, keel_php_request_t *pr)
{
    h2o_linklist_insert(&f->queues[pr->kind].queue, &pr->queue_link);
    f->queues[pr->kind].queue_len++;
}

void
keel_dispatch_submit(keel_front_t *f, keel_php_request_t *pr)
{
    keel_generation_t *g = f->active;
    keel_pool_kind_t kind = pr->kind;
    pr->wait_entry.cb = on_wait_timeout;
    if (g == NULL || g->state != KEEL_GEN_ACTIVE) {
        if (f->queues[kind].queue_len >= f->cfg.max_queue) {
            keel_php_request_reject(pr, 503, "Service Unavailable", "1");
            return;
        }
        wait_in_front(f, pr);
        h2o_timeout_link(f->loop, &f->wait_timeout, &pr->wait_entry);
        return;
    }
    size_t idle, serving;
    count_workers(g, kind, &idle, &serving);
    if (g->given_up[kind] && idle == 0) {
        keel_php_request_reject(pr, 503, "Service Unavailable", "10");
        return;
    }
    /* Requests that will wait: those beyond the free workers. */
    size_t waiting = (g->queued_len[kind] > idle ? g->queued_len[kind] - idle : 0) + f->queues[kind].queue_len;
    /* (A queued request a worker took already counts on both sides:
     * among the queued, and as that worker still shown free.) */
    if (g->queued_len[kind] >= idle && waiting >= f->cfg.max_queue) {
        keel_php_request_reject(pr, 503, "Service Unavailable", "1");
        return;
    }
    h2o_timeout_link(f->loop, &f->wait_timeout, &pr->wait_entry);
    if (f->queues[kind].queue_len == 0 && g->queued_len[kind] < queue_room(serving, idle) && push(g, pr) != 0)
        return;
    wait_in_front(f, pr);
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
        keel_worker_dismiss(w);
        return;
    }
    /* Most recently used first: its caches are warm. */
    h2o_linklist_insert(g->idle[w->kind].next, &w->idle_link);
    keel_dispatch_drain_queues(f);
}

void
keel_dispatch_drain_queues(keel_front_t *f)
{
    keel_generation_t *g = f->active;
    if (g == NULL || g->state != KEEL_GEN_ACTIVE)
        return;
    for (int k = 0; k < KEEL_POOL_KINDS; k++) {
        if (h2o_linklist_is_empty(&f->queues[k].queue))
            continue;
        size_t idle, serving;
        count_workers(g, (keel_pool_kind_t)k, &idle, &serving);
        size_t room = queue_room(serving, idle);
        while (!h2o_linklist_is_empty(&f->queues[k].queue) && g->queued_len[k] < room) {
            keel_php_request_t *pr = H2O_STRUCT_FROM_MEMBER(keel_php_request_t, queue_link, f->queues[k].queue.next);
            h2o_linklist_unlink(&pr->queue_link);
            f->queues[k].queue_len--;
            int r = push(g, pr);
            if (r == 0) {
                h2o_linklist_insert(f->queues[k].queue.next, &pr->queue_link);
                f->queues[k].queue_len++;
                break;
            }
        }
    }
}

/*
 * Workers wait for the queue with EPOLLEXCLUSIVE, so a request wakes one
 * idle worker. If that worker was being let go (recycled, dismissed) it
 * takes nothing and exits, and the other idle workers never hear of the
 * request: it would wait until the next request woke one, or until
 * --max-wait. Once the worker is gone it can absorb no wake-up, so the
 * requests still queued are taken back and sent again, in order.
 */
void
keel_dispatch_offer_again(keel_generation_t *g, keel_pool_kind_t kind)
{
    if (g->queued_len[kind] == 0 || g->queue_take_fd[kind] < 0)
        return;
    if (keel_handoff_retract(g, kind, NULL))
        keel_dispatch_drain_queues(g->front);
}
