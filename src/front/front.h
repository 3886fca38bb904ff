/*
 * The front process's state: the HTTP listener, the generations (each a
 * zygote with its workers), and the queues of requests waiting for a
 * worker. The front does all HTTP I/O and never initialises PHP.
 *
 * Ownership: the front owns its generations (front.generations); a
 * generation owns its workers (gen.workers); a request (keel_php_request_t)
 * lives in h2o's request pool and points at the worker running it, which
 * points back; whichever side goes first clears the other's pointer.
 */
#ifndef KEEL_FRONT_FRONT_H
#define KEEL_FRONT_FRONT_H

#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>

#include <h2o.h>

#include "common/config.h"
#include "front/params.h"
#include "front/route.h"
#include "ipc/message.h"
#include "supervisor/budget.h"
#include "supervisor/leak.h"
#include "supervisor/meminfo.h"
#include "supervisor/opcache_policy.h"
#include "supervisor/recycle.h"

typedef struct keel_front_s keel_front_t;
typedef struct keel_generation_s keel_generation_t;
typedef struct keel_php_request_s keel_php_request_t;

/* The two kinds of worker, each with its own idle lists and queue. */
typedef enum {
    KEEL_POOL_CLASSIC = 0, /* a full PHP request per request */
    KEEL_POOL_WORKER = 1,  /* --worker: the booted script handles requests */
} keel_pool_kind_t;
#define KEEL_POOL_KINDS 2

typedef enum {
    KEEL_WORKER_STARTING, /* SPAWN sent, WORKER_UP not yet received */
    KEEL_WORKER_BOOTING,  /* connected; WORKER_READY not yet received */
    KEEL_WORKER_IDLE,     /* waiting for a request */
    KEEL_WORKER_BUSY,     /* running a request (until its REQ_DONE) */
    KEEL_WORKER_LEAVING,  /* told to go (socket half-closed); may still run a request it took */
    KEEL_WORKER_GONE,     /* socket closed; waiting for the zygote's WORKER_EXIT */
} keel_worker_state_t;

typedef struct keel_front_worker_s {
    keel_generation_t *gen;
    uint32_t id;         /* unique in this front's life; the zygote reports by it */
    uint32_t claim_slot; /* its word in gen->claims (ipc/queue.h) */
    keel_pool_kind_t kind;
    pid_t pid;
    keel_worker_state_t state;
    h2o_socket_t *sock;
    keel_php_request_t *req;  /* the request it is running, NULL if the client left */
    uint32_t stream;          /* stream id of the request it is running */
    h2o_linklist_t gen_link;  /* in gen->workers */
    h2o_linklist_t idle_link; /* in gen->idle[kind] when IDLE */
    /* one write in flight: frames queue in `pending` while `inflight` is written */
    h2o_buffer_t *pending, *inflight;
    bool reading_paused; /* response backpressure: client slower than PHP */
    h2o_timeout_entry_t resume_entry;
    bool exited;                          /* the zygote reported its exit */
    bool retiring;                        /* to close after its current request (recycling, draining) */
    keel_recycle_reason_t recycle_reason; /* why, when recycled */
    bool replaced;                        /* a replacement has been started for it */
    bool replacement_ready;               /* ... and is serving: this one may go */
    bool dismissed;                       /* let go while starting: dismiss it once its socket arrives */
    bool never_started;                   /* the zygote could not fork it */
    char boot_error[256];                 /* its BOOT_FAILED message, if any */
    /* memory governance */
    keel_ipc_stats_t stats;   /* figures from its last REQ_DONE */
    uint64_t private_precise; /* Private_Clean + Private_Dirty from smaps_rollup, sampled */
    uint64_t started_ms;      /* became ready */
    uint64_t idle_since_ms;   /* 0 while busy */
    uint64_t request_limit;   /* its jittered max_requests, 0 = none */
    keel_leak_series_t leak;  /* private memory against requests */
    bool leak_reported;
    h2o_timeout_entry_t kill_entry; /* request timeout: SIGKILL after the backtrace */
    char last_request[128];         /* "GET /path" of the request it runs or ran last, for crash logs */
    bool warmup;                    /* running the --warmup request */
    unsigned warmup_status;
} keel_front_worker_t;

/* A worker restart waiting out its backoff. */
typedef struct {
    keel_generation_t *gen;
    keel_pool_kind_t kind;
    h2o_timeout_entry_t entry;
    h2o_linklist_t link; /* in gen->pending_spawns */
} keel_pending_spawn_t;

typedef enum {
    KEEL_GEN_STARTING, /* zygote or workers booting; not serving yet */
    KEEL_GEN_ACTIVE,   /* serving new requests */
    KEEL_GEN_DRAINING, /* replaced: finishing in-flight requests */
    KEEL_GEN_STOPPING, /* its zygote was told to go */
    KEEL_GEN_GONE,     /* zygote exited; freed soon */
} keel_gen_state_t;

struct keel_generation_s {
    keel_front_t *front;
    uint32_t number;
    keel_gen_state_t state;
    pid_t zygote_pid;
    int ctl_fd;
    h2o_socket_t *ctl_sock;
    bool opcache;
    h2o_linklist_t link;           /* in front->generations */
    h2o_linklist_t workers;        /* keel_front_worker_t, every state */
    h2o_linklist_t pending_spawns; /* keel_pending_spawn_t */
    h2o_linklist_t idle[KEEL_POOL_KINDS];
    /* request queues (handoff.c): the front sends into queue_fd; the
     * workers take from the other end, which the front keeps too
     * (queue_take_fd) to take requests back */
    int queue_fd[KEEL_POOL_KINDS], queue_take_fd[KEEL_POOL_KINDS];
    uint32_t *claims;                       /* claim slots, shared with the zygote and workers */
    h2o_linklist_t queued[KEEL_POOL_KINDS]; /* keel_php_request_t sent into a queue, not yet bound */
    size_t queued_len[KEEL_POOL_KINDS];
    uint32_t starved_seen[KEEL_POOL_KINDS];   /* its workers' count of empty-queue sleeps, last tick */
    unsigned failures[KEEL_POOL_KINDS];       /* consecutive workers that exited before ready */
    unsigned spawn_failures[KEEL_POOL_KINDS]; /* consecutive spawns the zygote could not fork */
    bool given_up[KEEL_POOL_KINDS];           /* too many failures: no more restarts */
    char failure[512];                        /* why it failed to start, for the log and `keel reload` */
    struct {                                  /* from its zygote's PHP_INFO */
        uint64_t memory_limit;                /* bytes; UINT64_MAX for -1 */
        uint64_t opcache_bytes;               /* memory_consumption + interned_strings_buffer, 0 if off */
        char temp_dir[256], upload_tmp_dir[256], session_save_path[256];
        double max_wasted_percentage;
    } php;
    keel_opcache_stats_t opcache_stats; /* latest figures a worker reported */
    bool opcache_known;
    uint64_t opcache_hits, opcache_misses;
    uint64_t started_ms;
    uint64_t deaths[5]; /* when its last workers went away on their own (ring) */
    unsigned deaths_next;
    unsigned crash_streak; /* consecutive crash-loop restarts, for the backoff */
    bool warming;          /* its --warmup request is running */
};

typedef enum {
    KEEL_FRONT_STARTING,
    KEEL_FRONT_SERVING,
    KEEL_FRONT_DRAINING, /* SIGTERM: no new connections, in-flight requests finish */
    KEEL_FRONT_STOPPING, /* workers told to go; waiting for the zygotes to exit */
    KEEL_FRONT_DONE,
} keel_front_state_t;

/* Someone waiting for a reload's outcome (an admin request). */
typedef void (*keel_reload_cb)(void *data, uint32_t generation, const char *error);

struct keel_front_s {
    keel_config_t cfg;
    int argc; /* the serve options, passed on to each zygote */
    char **argv;
    keel_front_state_t state;
    int exit_code;

    h2o_globalconf_t h2o;
    h2o_hostconf_t *hostconf; /* h2o names requests without Host after it */
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    h2o_evloop_t *loop;
    h2o_socket_t *listener;
    int listen_fd;
    char listen_host[64];
    int listen_port;
    h2o_socket_t *signals;
    int signal_fd;
    /* --front-priority: while busy, the front runs above the workers;
     * they keep the nice value keel was started with */
    bool priority_adaptive; /* the kernel lets it raise itself */
    bool priority_raised;   /* it runs raised now */
    int worker_nice;
    uint64_t priority_cpu_ns;  /* its CPU time at the last look */
    uint64_t priority_wall_ns; /* and when that was */

    keel_router_t router;
    keel_params_ctx_t params_ctx;
    /* response buffers: memory, then (with a spool directory) a file */
    h2o_buffer_prototype_t spool;
    h2o_buffer_mmap_settings_t spool_mmap;
    char listen_port_text[8];

    /* generations: the active one serves new requests; an incoming one is
     * booting to replace it; older ones drain */
    h2o_linklist_t generations;
    keel_generation_t *active;
    keel_generation_t *incoming;
    uint32_t last_generation;
    uint32_t next_worker_id;
    keel_reload_cb reload_cb;
    void *reload_data;

    struct {
        h2o_linklist_t queue; /* keel_php_request_t waiting for a worker */
        size_t queue_len;
    } queues[KEEL_POOL_KINDS];
    size_t in_flight; /* requests dispatched or queued, not yet finished */
    uint32_t next_stream;

    /* memory governance */
    keel_mem_limit_t limit;
    keel_budget_input_t budget_in;
    keel_budget_t budget;
    bool budget_known;
    struct {
        char path[512];  /* a memory-backed mount the application writes to */
        uint64_t used;   /* bytes, at the last look */
        uint64_t warned; /* usage when growth was last reported */
    } tmpfs[8];
    unsigned tmpfs_count;
    uint64_t last_memory_check_ms;

    /* --watch */
    int watch_fd;
    h2o_socket_t *watch_sock;
    h2o_timeout_t watch_timeout;
    h2o_timeout_entry_t watch_entry;
    bool watch_rescan;

    /* counters for /status and /metrics */
    uint64_t requests_total;
    uint64_t recycles[KEEL_RECYCLE_REASONS];
    uint64_t worker_crashes;
    uint64_t reloads_ok, reloads_failed;
    uint64_t opcache_swaps;
    uint64_t last_opcache_swap_ms;

    h2o_timeout_t wait_timeout;    /* --max-wait for queued requests */
    h2o_timeout_t zero_timeout;    /* "soon": work deferred to the loop */
    h2o_timeout_t stop_timeout;    /* --shutdown-timeout */
    h2o_timeout_t tick_timeout;    /* periodic memory and age checks */
    h2o_timeout_t slow_timeout;    /* --slow-request */
    h2o_timeout_t request_timeout; /* --request-timeout */
    h2o_timeout_t kill_timeout;    /* from the backtrace signal to SIGKILL */
    h2o_timeout_entry_t tick_entry;
    h2o_timeout_entry_t stop_entry;
    /* h2o timeouts have one duration each: one per backoff delay in use */
    h2o_timeout_t backoff_timeouts[16];
    uint64_t backoff_delays[16];
    unsigned backoff_count;
};

uint64_t keel_now_ms(void);

/* --- generation.c: zygotes and the switch between generations --- */

/* Starts a new generation; it becomes active once all its workers are
 * ready. Returns it, or NULL with a message in err. */
keel_generation_t *keel_generation_start(keel_front_t *f, char *err, size_t errlen);
/* Starts a worker in place of one that went away; when workers of g keep
 * dying on their own (a crash loop), after a growing delay. */
void keel_generation_replace(keel_generation_t *g, keel_pool_kind_t kind, bool unexpected);
/* The --warmup request of g finished with this status (0: its worker died). */
void keel_generation_on_warmup_done(keel_generation_t *g, unsigned status);
/* Asks w's zygote to log the PHP stack w is running. */
void keel_generation_backtrace(keel_front_worker_t *w);
/* Asks g's zygote for one more worker of `kind`. */
keel_front_worker_t *keel_generation_spawn(keel_generation_t *g, keel_pool_kind_t kind);
/* Called when a worker of g became ready / failed before ready. */
void keel_generation_on_worker_ready(keel_generation_t *g, keel_front_worker_t *w);
void keel_generation_on_worker_failed(keel_generation_t *g, keel_pool_kind_t kind, const char *why);
/* g's zygote could not start a worker of `kind` (fork failed, say). */
void keel_generation_on_spawn_failed(keel_generation_t *g, keel_pool_kind_t kind);
/* Retires g: idle workers close now, busy ones after their request. */
void keel_generation_drain(keel_generation_t *g);
/* Checks whether a draining generation is empty and stops its zygote. */
void keel_generation_maybe_stop(keel_generation_t *g);
/* Tells the zygote to go now (its workers are ended). */
void keel_generation_stop(keel_generation_t *g);
/* The zygote with this pid exited; returns 1 if it was one of ours. */
int keel_generation_reaped(keel_front_t *f, pid_t pid, int status);
/* Starts generation N+1 (SIGHUP, admin); cb (if any) hears the outcome. */
void keel_front_reload(keel_front_t *f, const char *why, keel_reload_cb cb, void *data);

/* --- worker.c: the front's side of a worker process --- */

keel_front_worker_t *keel_worker_new(keel_generation_t *g, keel_pool_kind_t kind);
void keel_worker_up(keel_front_worker_t *w, pid_t pid, int fd);
void keel_worker_exited(keel_front_worker_t *w, int status);
/* The zygote could not start w: it never had a process. */
void keel_worker_not_started(keel_front_worker_t *w);
/* Closes the worker's socket (it exits on end-of-stream). */
void keel_worker_close(keel_front_worker_t *w);
/* Lets a worker go after whatever it may have taken from the queue. */
void keel_worker_dismiss(keel_front_worker_t *w);
/* Whether the worker can be forgotten: socket closed and exit reported. */
bool keel_worker_finished(const keel_front_worker_t *w);
void keel_worker_free(keel_front_worker_t *w);
/* Queues a frame to a worker; keel_worker_flush starts writing what is
 * queued, so the frames of one request leave in one write. */
void keel_worker_send(keel_front_worker_t *w, uint8_t type, uint8_t flags, uint32_t stream, const void *a, size_t alen,
                      const void *b, size_t blen);
void keel_worker_flush(keel_front_worker_t *w);
/* Response backpressure: stop/start reading a worker's output. */
void keel_worker_pause_reading(keel_front_worker_t *w);
void keel_worker_resume_reading(keel_front_worker_t *w);
/* Asks the worker for a backtrace, then kills it shortly after (a
 * request timeout); its request gets 504. */
void keel_worker_end_slowly(keel_front_worker_t *w);
/* Periodic checks: hard memory limit while busy, ttl and idle ttl. */
void keel_workers_tick(keel_front_t *f);

/* --- memory.c: budget, tmpfs, precise figures --- */

/* Reads a generation's PHP_INFO. */
void keel_memory_php_info(keel_generation_t *g, const uint8_t *payload, size_t len);
/* The first generation's PHP settings are known: decide the pool size
 * (--workers auto), log the budget, refuse an overcommitted one. Returns
 * 0, or -1 with the arithmetic in err. */
int keel_memory_budget(keel_front_t *f, keel_generation_t *g, char *err, size_t errlen);
/* Periodic: tmpfs usage (warned when it grows), precise private memory. */
void keel_memory_tick(keel_front_t *f);

/* --- watch.c: --watch --- */
int keel_watch_start(keel_front_t *f);

/* --- opcache_watch.c --- */
void keel_opcache_on_stats(keel_generation_t *g, const uint8_t *payload, size_t len);
void keel_opcache_on_reset_call(keel_generation_t *g);

/* --- dispatch.c: queues --- */

/* Hands req to an idle worker of the active generation or queues it;
 * answers 503 when the queue is full. */
void keel_dispatch_submit(keel_front_t *f, keel_php_request_t *req);
/* Called when a request leaves the queue before being dispatched. */
void keel_dispatch_unqueue(keel_front_t *f, keel_php_request_t *req);
/* A worker became free: park it as idle, or let it go. */
void keel_dispatch_worker_free(keel_front_worker_t *w);
/* Moves waiting requests into the active generation's queues while they
 * have room (a worker freed, a request was bound, a generation switched). */
void keel_dispatch_drain_queues(keel_front_t *f);
/* After a worker of g's pool `kind` exited: requests still in that queue
 * are taken back and sent again, so that each wakes a worker that is
 * there (see dispatch.c). */
void keel_dispatch_offer_again(keel_generation_t *g, keel_pool_kind_t kind);
const char *keel_pool_name(keel_pool_kind_t kind);

/* --- handoff.c: the generation's request queues --- */

/* Creates g's queues and claim slots; child_fds gets what the zygote is
 * given (the taking ends of both queues, the claim slots' memfd). */
int keel_handoff_open(keel_generation_t *g, int child_fds[3], char *err, size_t errlen);
void keel_handoff_close(keel_generation_t *g);
/* A free claim slot for a new worker of g; 0 if none is left. */
uint32_t keel_handoff_claim_slot(keel_generation_t *g);
/* Clears w's claim slot and leave flag, for a new worker. */
void keel_handoff_slot_reset(keel_front_worker_t *w);
/* Sets the leave flag of w's claim slot (1: it must take no more). */
void keel_handoff_set_leave(keel_front_worker_t *w, uint32_t value);
/* Sends pr into g's queue for its pool: 1 done, 0 the queue is full, -1
 * it cannot be sent. */
int keel_handoff_push(keel_generation_t *g, keel_php_request_t *pr);
/* The queued request with this stream id, or NULL. */
keel_php_request_t *keel_handoff_find(keel_generation_t *g, uint32_t stream);
/* Stops tracking a queued request (its client left). */
void keel_handoff_forget(keel_php_request_t *pr);
/* A queued request was lost with the worker that took it: answer it with
 * status (or retry it, as for any request a worker died running). */
void keel_handoff_lose(keel_php_request_t *pr, int status);
/* Binds a queued request to the worker that took it. */
void keel_handoff_bind(keel_php_request_t *pr, keel_front_worker_t *w);
/* The worker took a request the front no longer tracks (its client left). */
void keel_handoff_adopt(keel_front_worker_t *w, uint32_t stream);
/* The free worker whose claim slot holds stream, or NULL. */
keel_front_worker_t *keel_handoff_claimant(keel_generation_t *g, uint32_t stream);
/* The queued request w's claim slot names (other than the one bound to
 * it), or NULL. */
keel_php_request_t *keel_handoff_claimed_by(const keel_front_worker_t *w);
/* The worker running pr, bound or not yet; NULL if none has taken it. */
keel_front_worker_t *keel_handoff_runner(keel_php_request_t *pr);
/* Whether w runs a request, bound or not yet. */
bool keel_handoff_busy(const keel_front_worker_t *w);
/* Takes requests no worker has taken out of g's queue: only `only`
 * (returns 1 if it was still there; it is dropped), or with only == NULL
 * all of them, back to the head of the front's queue. */
int keel_handoff_retract(keel_generation_t *g, keel_pool_kind_t kind, keel_php_request_t *only);

/* --- php_request.c --- */
int keel_php_handle(keel_front_t *f, h2o_req_t *req, const keel_route_t *route);
/* req was sent into a queue: its slow-request and timeout clocks start. */
void keel_php_request_queued(keel_php_request_t *req);
/* req runs on worker w from now on. */
void keel_php_request_attach(keel_php_request_t *req, keel_front_worker_t *w);
/* The worker took req, whose body did not fit the queue: send it. */
void keel_php_request_send_body(keel_php_request_t *req, keel_front_worker_t *w);
/* Answers a request that could not get a worker. */
void keel_php_request_reject(keel_php_request_t *req, int status, const char *reason, const char *retry_after);
/* Frames from the worker running req. */
void keel_php_request_on_frame(keel_php_request_t *req, const keel_ipc_header_t *hdr, const uint8_t *payload);
/* The worker died while running req; `status` is what the client gets
 * when nothing was sent yet (502, or 503 for a memory kill). */
void keel_php_request_on_worker_lost(keel_php_request_t *req, int status);

/* --- server.c: lifecycle --- */
/* The first generation is ready: start accepting. */
void keel_front_on_first_generation_ready(keel_front_t *f);
/* The first generation could not start: exit with a message. */
void keel_front_on_startup_failed(keel_front_t *f, const char *why);
/* Called whenever a request finishes, for shutdown accounting. */
void keel_front_request_finished(keel_front_t *f);
/* Called whenever a generation is gone, for shutdown accounting. */
void keel_front_generation_gone(keel_front_t *f);

struct keel_php_request_s {
    h2o_generator_t super; /* first: h2o hands back this pointer */
    keel_front_t *front;
    h2o_req_t *req;
    keel_front_worker_t *worker;
    uint32_t stream;
    h2o_iovec_t params; /* encoded REQUEST payload, in the request's pool */
    keel_pool_kind_t kind;
    h2o_linklist_t queue_link;      /* in the front's queue */
    keel_generation_t *queued_in;   /* sent into this generation's queue, not yet bound */
    h2o_linklist_t handoff_link;    /* in queued_in->queued */
    bool body_follows;              /* sent without its body (too large) */
    bool missing;                   /* neither in the queue nor claimed at the last look */
    h2o_timeout_entry_t wait_entry; /* --max-wait, until bound to a worker */
    h2o_buffer_t *body;             /* response bytes received, not yet handed to h2o */
    h2o_buffer_t *sending;          /* bytes h2o is sending; valid until proceed */
    bool head_received;
    bool started;      /* h2o_start_response called */
    bool sending_now;  /* an h2o_send is in flight */
    bool ended;        /* RESP_END received */
    bool finished;     /* final h2o_send done or error sent */
    bool broken;       /* the worker died mid-response: end it in error */
    bool counted;      /* counted in front->in_flight */
    bool discard_body; /* a status that has no body: PHP's output is dropped */
    bool retried;      /* --retry-idempotent: already sent to a second worker */
    bool timed_out;    /* --request-timeout ended its worker: 504 */
    h2o_timeout_entry_t slow_entry, timeout_entry;
};

#endif
