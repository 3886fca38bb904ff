/*
 * What the front lends everything below it for its whole life: the
 * configuration, the event loop and the timeouts on it, the counters that
 * /status and /metrics report, and the id sequences. Plain data: whoever
 * holds a pointer to it may read it, bump a counter or draw an id, and
 * nothing in it calls back up.
 */
#ifndef KEEL_FRONT_ENV_H
#define KEEL_FRONT_ENV_H

#include <stdint.h>

#include <h2o.h>

#include "common/config.h"
#include "front/event_log.h"
#include "front/params.h"
#include "front/priority.h"
#include "front/route.h"
#include "supervisor/pool_policy.h"
#include "supervisor/pressure.h"
#include "supervisor/recycle.h"

typedef struct {
    uint64_t requests_total; /* PHP requests completed */
    uint64_t recycles[KEEL_RECYCLE_REASONS];
    uint64_t worker_crashes; /* workers killed by a signal */
    uint64_t reloads_ok, reloads_failed;
    uint64_t opcache_swaps;  /* generations started for OPcache's sake */
    uint64_t workers_added;  /* started beyond a pool's minimum, because requests waited */
    uint64_t workers_shrunk; /* let go above a pool's minimum, idle past --max-idle-time */
    uint64_t pressure_shed;  /* PHP requests answered 503 under memory pressure */
    uint64_t oom_kills;      /* processes the kernel's OOM killer killed in keel's cgroup while it ran */
} keel_front_counters_t;

/* What the front's memory watch knows now (front/memory.c writes it, the
 * pools and the dispatcher read it): how far pools may grow, and the
 * memory-pressure level (supervisor/pressure.h). */
typedef struct {
    unsigned room[KEEL_POOL_KINDS]; /* workers of each kind the memory budget allows now; UINT_MAX: no bound */
    keel_pressure_level_t level;
} keel_memory_now_t;

/* Each h2o timeout has one duration: one per backoff delay in use. */
#define KEEL_BACKOFF_TIMEOUTS 16

typedef struct {
    const keel_config_t *cfg;
    h2o_loop_t *loop;
    int argc; /* the serve options, passed on to each zygote */
    char **argv;
    const keel_router_t *router;
    const keel_params_ctx_t *params;
    const keel_priority_t *priority; /* the front's; a zygote starts at the workers' */
    h2o_timeout_t zero_timeout;      /* "soon": work deferred to the loop */
    h2o_timeout_t kill_timeout;      /* from a timed-out request's backtrace to SIGKILL */
    h2o_timeout_t wait_timeout;      /* --max-wait */
    h2o_timeout_t slow_timeout;      /* --slow-request */
    h2o_timeout_t request_timeout;   /* --request-timeout */
    struct {
        h2o_timeout_t timeouts[KEEL_BACKOFF_TIMEOUTS];
        uint64_t delays[KEEL_BACKOFF_TIMEOUTS];
        unsigned count;
    } backoff;
    uint64_t memory_bound;   /* no memory figure a worker reports can be larger (supervisor/worker_report.h) */
    uint32_t next_worker_id; /* workers: unique in this front's life; the zygote reports by it */
    uint32_t streams_issued; /* requests so far, warm-ups included (see keel_env_new_stream) */
    uint64_t stream_key;     /* secret of the stream id permutation, drawn at start */
    keel_front_counters_t counters;
    keel_event_log_t events; /* what happened lately, beside the counters (the dashboard shows it) */
    keel_memory_now_t memory_now;
} keel_front_env_t;

/* A new request's stream id: never 0, never one in use, and not guessable
 * from the ones a worker has seen (a keyed permutation of a counter), so
 * that a worker can name only the requests it was given. */
uint32_t keel_env_new_stream(keel_front_env_t *env);

/* The timeout on env's loop that fires after ms (backoff delays). */
h2o_timeout_t *keel_env_timeout_for(keel_front_env_t *env, uint64_t ms);

#endif
