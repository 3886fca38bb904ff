/*
 * The workers of one generation, both kinds: it starts them through the
 * zygote, hears what they do (worker.h's events, the zygote's reports),
 * steps each one's state (supervisor/worker_fsm.h) and carries out the
 * actions: dismiss, close, kill, replace, lose or bind requests, apply the
 * pool's rules (supervisor/pool_policy.h). It reports up to its owner, the
 * generation, through keel_pool_events_t; it never calls the generation or
 * anything above it by name.
 *
 * "Settling" a worker: a free worker whose claim slot names a queued
 * request is bound to it before anything that depends on what it runs is
 * decided (a timeout, its death, the tick). The frames its socket holds
 * are handled first: it may have finished another request since the front
 * last read it, and those frames must not reach the request bound now.
 */
#ifndef KEEL_FRONT_POOL_H
#define KEEL_FRONT_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <h2o.h>

#include "front/env.h"
#include "front/handoff.h"
#include "front/job.h"
#include "front/worker.h"
#include "front/zygote_link.h"
#include "supervisor/leak.h"
#include "supervisor/pool_policy.h"
#include "supervisor/pool_size.h"

typedef struct keel_pool_s keel_pool_t;

typedef struct {
    /* A worker became ready. */
    void (*worker_ready)(void *owner);
    /* Workers keep failing before they are ready while the generation
     * starts: it cannot start (why says what failed). */
    void (*start_failed)(void *owner, const char *why);
    /* ... while it serves: the pool of `kind` stopped restarting them. */
    void (*given_up)(void *owner, keel_pool_kind_t kind);
    /* A worker became free, or a queued request was bound: requests that
     * wait in the front may move into the queue. */
    void (*capacity)(void *owner);
    /* Requests no worker took, taken back out of the queue of `kind` (a
     * worker's exit may have swallowed their wake-up; the generation
     * stops): oldest first on `jobs`, by job->link, for the front's queue. */
    void (*returned)(void *owner, keel_pool_kind_t kind, h2o_linklist_t *jobs);
    /* OPCACHE_STATS from a worker, decoded and believable. */
    void (*opcache_stats)(void *owner, const keel_ipc_opcache_stats_t *stats);
    /* A request called opcache_reset(). */
    void (*opcache_reset)(void *owner);
    /* The generation no longer serves and no worker holds it any more. */
    void (*emptied)(void *owner);
} keel_pool_events_t;

typedef struct {
    keel_pool_t *pool;
    keel_pool_kind_t kind;
    h2o_timeout_entry_t entry;
    h2o_linklist_t link; /* in pool->pending_spawns */
} keel_pending_spawn_t;

struct keel_pool_s {
    keel_front_env_t *env;
    keel_zygote_link_t *zygote; /* its generation's, lent */
    keel_handoff_t *handoff;    /* its generation's, lent */
    uint32_t generation;
    keel_gen_state_t gen_state;                 /* its generation's, kept current by keel_pool_set_state */
    h2o_linklist_t workers;                     /* keel_front_worker_t by pool_link, oldest first */
    h2o_linklist_t idle[KEEL_POOL_KINDS];       /* free workers by idle_link, most recently used first */
    keel_crash_window_t crashes;                /* one window for the whole generation */
    keel_pool_counts_t counts[KEEL_POOL_KINDS]; /* boot and spawn failures */
    h2o_linklist_t pending_spawns;              /* keel_pending_spawn_t: restarts waiting out a backoff */
    keel_recycle_limits_t limits;
    keel_pool_growth_t growth[KEEL_POOL_KINDS];        /* the size rule's rounds (supervisor/pool_size.h) */
    keel_leak_history_t leak_history[KEEL_POOL_KINDS]; /* estimates of workers that left, for one across recycling */
    struct {
        uint64_t at_ms;            /* when its size last changed, or growth was last held back */
        keel_pool_size_why_t held; /* why growth is held back now (STEADY: it is not) */
        char why[200];             /* what happened, for /status */
    } change[KEEL_POOL_KINDS];
    /* Requests forgotten while a worker may be taking them, or taken by a
     * worker that had another one whose client left still unread (their
     * clients left): a worker's frames for one of these are run for
     * nobody; for any other stream the front does not know, they are a
     * violation. Each stays until a worker names it, so the ring holds
     * those taken whose frames the front has not read yet: a few per
     * worker, but every client of a load generator leaving at once can
     * make it dozens while the front is busy with their sockets. */
    uint32_t forgotten[4096];
    unsigned forgotten_next;
    const keel_pool_events_t *events;
    void *owner;
};

/* The pool a worker belongs to (its owner, see keel_worker_open). */
static inline keel_pool_t *
keel_pool_of(keel_front_worker_t *w)
{
    return (keel_pool_t *)w->owner;
}

void keel_pool_init(keel_pool_t *p, keel_front_env_t *env, uint32_t generation, keel_zygote_link_t *zygote,
                    keel_handoff_t *handoff, const keel_pool_events_t *events, void *owner);
/* Frees every worker record and cancels pending restarts (the zygote is
 * gone, and its workers with it). */
void keel_pool_dispose(keel_pool_t *p);
void keel_pool_set_state(keel_pool_t *p, keel_gen_state_t state);

/* The workers a generation of this configuration runs of `kind`: at
 * least (the minimum, --workers), and at most (--max-workers; the other
 * pool is fixed). */
unsigned keel_pool_target(const keel_config_t *cfg, keel_pool_kind_t kind);
unsigned keel_pool_ceiling(const keel_config_t *cfg, keel_pool_kind_t kind);

/* Its workers of `kind` by what they do: not going (starting, booting,
 * idle, busy), and of them starting or booting, free, running a request. */
typedef struct {
    unsigned live, starting, idle, busy;
} keel_pool_sizes_t;
void keel_pool_sizes(const keel_pool_t *p, keel_pool_kind_t kind, keel_pool_sizes_t *out);

/* Requests of `kind` wait (waiting_in_front in the front's queue, besides
 * those the generation's queue holds that no worker took): starts more
 * workers when the pool's size rule (supervisor/pool_size.h) says so,
 * and records why its size changed or is held. */
void keel_pool_grow(keel_pool_t *p, keel_pool_kind_t kind, size_t waiting_in_front);

/* Memory pressure: recycles w (supervisor/worker_fsm.h's RELIEVE). */
void keel_pool_relieve(keel_pool_t *p, keel_front_worker_t *w);
/* Its workers recycled for memory pressure that have not exited yet. */
unsigned keel_pool_relieving(const keel_pool_t *p);

/* Its leak estimate for `kind`, across recycling (supervisor/leak.h). */
keel_leak_pool_estimate_t keel_pool_leak(const keel_pool_t *p, keel_pool_kind_t kind);
/* Asks the zygote for one more worker of `kind`; NULL (logged) when it
 * cannot be asked. */
keel_front_worker_t *keel_pool_spawn(keel_pool_t *p, keel_pool_kind_t kind);

/* The zygote's reports. */
void keel_pool_worker_up(keel_pool_t *p, uint32_t id, pid_t pid, int fd);
void keel_pool_worker_exit(keel_pool_t *p, uint32_t id, pid_t pid, int status);

/* Ready workers of `kind` (idle or busy, not going): how far a starting
 * generation has come. */
unsigned keel_pool_ready(const keel_pool_t *p, keel_pool_kind_t kind);
/* Its free workers (as far as the front knows) and its serving ones. */
void keel_pool_count(const keel_pool_t *p, keel_pool_kind_t kind, size_t *idle, size_t *serving);
/* Any worker not yet closed: the generation must wait for it. */
bool keel_pool_holds_generation(const keel_pool_t *p);

/* The worker running job: the one it is bound to, or, for a queued job,
 * the free worker that claimed it (bound now, see "settling"); NULL when
 * no worker runs it yet. May read that worker's socket. */
keel_front_worker_t *keel_pool_runner(keel_pool_t *p, keel_job_t *job);

/* Whether a free worker's claim slot names stream: a worker took it from
 * the queue, and the front has not bound it yet. Looks only. */
bool keel_pool_is_claimed(const keel_pool_t *p, uint32_t stream);

/* A queued job's client left: the worker that took it runs it for nobody
 * (told with ABORT); otherwise it is taken back out of the queue, or
 * forgotten. */
void keel_pool_abandon(keel_pool_t *p, keel_job_t *job);

typedef enum {
    KEEL_POOL_WAIT_RUNNING,    /* a worker has it (now bound): it waits no more */
    KEEL_POOL_WAIT_TAKEN_BACK, /* it was still in the queue: taken out, the caller answers */
    KEEL_POOL_WAIT_LOOK_AGAIN, /* neither in the queue nor claimed: a worker is between taking
                                * and claiming it; look once more after another wait */
    KEEL_POOL_WAIT_LOST,       /* still nowhere: lost with the worker that took it (forgotten) */
} keel_pool_wait_t;

/* A queued job waited --max-wait. */
keel_pool_wait_t keel_pool_wait_expired(keel_pool_t *p, keel_job_t *job);

/* Runs job on a free worker of its kind directly, on that worker's own
 * socket (the warm-up, before the generation's queue is in use). Returns
 * the worker, or NULL when none is free. */
keel_front_worker_t *keel_pool_run_direct(keel_pool_t *p, keel_job_t *job);

/* --slow-request: logs w's PHP stack. --request-timeout: the same, then w
 * is killed after a short grace and its request gets 504. */
void keel_pool_backtrace(keel_pool_t *p, keel_front_worker_t *w);
void keel_pool_timeout(keel_pool_t *p, keel_front_worker_t *w);

/* The generation drains: every worker is let go once free. */
void keel_pool_dismiss_all(keel_pool_t *p);
/* The generation stops now: every worker is closed, the requests they run
 * get 503, and what waits in the queues goes back up (events->returned). */
void keel_pool_stop_all(keel_pool_t *p);

/* Periodic: age, idle time (a worker above the minimum idle past
 * --max-idle-time goes) and the hard memory limit. */
void keel_pool_tick(keel_pool_t *p);

#endif
