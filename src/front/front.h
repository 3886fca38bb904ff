/*
 * The front process's shared state: HTTP listener, the current
 * generation, its workers and the queue of requests waiting for one. The
 * front does all HTTP I/O and never initialises PHP.
 */
#ifndef KEEL_FRONT_FRONT_H
#define KEEL_FRONT_FRONT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <h2o.h>

#include "common/config.h"
#include "front/route.h"
#include "ipc/message.h"

typedef struct keel_front_s keel_front_t;
typedef struct keel_php_request_s keel_php_request_t;

typedef enum {
    KEEL_WORKER_STARTING, /* SPAWN sent, WORKER_UP not yet received */
    KEEL_WORKER_BOOTING,  /* connected; WORKER_READY not yet received */
    KEEL_WORKER_IDLE,     /* waiting for a request */
    KEEL_WORKER_BUSY,     /* running a request (until its REQ_DONE) */
    KEEL_WORKER_GONE,     /* socket closed; waiting for the zygote's WORKER_EXIT */
} keel_worker_state_t;

/* The two kinds of worker, each with its own idle list and queue. */
typedef enum {
    KEEL_POOL_CLASSIC = 0, /* a full PHP request per request */
    KEEL_POOL_WORKER = 1,  /* --worker: the booted script handles requests */
} keel_pool_kind_t;
#define KEEL_POOL_KINDS 2

typedef struct {
    keel_front_t *front;
    unsigned slot;
    keel_pool_kind_t kind;
    pid_t pid;
    keel_worker_state_t state;
    h2o_socket_t *sock;
    keel_php_request_t *req;  /* the request it is running, NULL if the client left */
    uint32_t stream;          /* stream id of the request it is running */
    h2o_linklist_t idle_link; /* in keel_front_t.idle when IDLE */
    /* one write in flight: frames queue in `pending` while `inflight` is written */
    h2o_buffer_t *pending, *inflight;
    keel_ipc_stats_t stats;            /* figures from its last REQ_DONE */
    h2o_timeout_entry_t respawn_entry; /* backoff before the next start */
    char boot_error[256];              /* its BOOT_FAILED message, if any */
    bool reading_paused;               /* response backpressure: client slower than PHP */
    h2o_timeout_entry_t resume_entry;
    bool exited; /* the zygote reported its exit */
} keel_front_worker_t;

typedef enum {
    KEEL_GEN_STARTING,
    KEEL_GEN_READY,
    KEEL_GEN_STOPPING,
    KEEL_GEN_GONE,
} keel_gen_state_t;

typedef struct {
    uint32_t number;
    keel_gen_state_t state;
    pid_t zygote_pid;
    int ctl_fd;
    h2o_socket_t *ctl_sock;
    bool opcache;
} keel_generation_t;

typedef enum {
    KEEL_FRONT_STARTING,
    KEEL_FRONT_SERVING,
    KEEL_FRONT_DRAINING, /* SIGTERM: no new connections, in-flight requests finish */
    KEEL_FRONT_STOPPING, /* workers told to go; waiting for the zygote to exit */
    KEEL_FRONT_DONE,
} keel_front_state_t;

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

    keel_router_t router;

    keel_generation_t gen;
    keel_front_worker_t *workers; /* keel_config_total_workers() slots */
    unsigned worker_count;
    struct {
        h2o_linklist_t idle;  /* idle workers, most recently used first */
        h2o_linklist_t queue; /* keel_php_request_t waiting for a worker */
        size_t queue_len;
        unsigned failures; /* consecutive workers that exited before ready */
        bool given_up;     /* too many failures: requests get 503 */
    } pools[KEEL_POOL_KINDS];
    size_t in_flight; /* requests dispatched or queued, not yet finished */
    uint32_t next_stream;
    unsigned workers_ready;     /* slots that have been ready once, to announce readiness */
    h2o_timeout_t wait_timeout; /* --max-wait for queued requests */
    h2o_timeout_t zero_timeout; /* "soon": work deferred to the loop */
    /* h2o timeouts have one duration each: one per backoff delay in use */
    h2o_timeout_t backoff_timeouts[16];
    uint64_t backoff_delays[16];
    unsigned backoff_count;
    h2o_timeout_t stop_timeout; /* --shutdown-timeout */
    h2o_timeout_entry_t stop_entry;
};

/* generation.c */
int keel_generation_start(keel_front_t *f, char *err, size_t errlen);
void keel_generation_spawn(keel_front_t *f, unsigned slot);
void keel_generation_stop(keel_front_t *f);
/* front callbacks the generation calls */
void keel_front_on_generation_ready(keel_front_t *f);
void keel_front_on_generation_failed(keel_front_t *f, const char *why);
/* Every worker slot has come up once: start accepting. */
void keel_front_on_workers_up(keel_front_t *f);
/* A pool gave up restarting failing workers. */
void keel_front_on_pool_given_up(keel_front_t *f, keel_pool_kind_t kind, const char *why);

/* pool.c */
int keel_pool_init(keel_front_t *f);
void keel_pool_worker_up(keel_front_t *f, unsigned slot, pid_t pid, int fd);
void keel_pool_worker_exit(keel_front_t *f, unsigned slot, pid_t pid, int status);
/* Hands req to an idle worker or queues it; answers 503 when the queue is full. */
void keel_pool_submit(keel_front_t *f, keel_php_request_t *req);
/* Called when a request leaves the queue before being dispatched. */
void keel_pool_unqueue(keel_front_t *f, keel_php_request_t *req);
/* Queues a frame to a worker; keel_pool_flush starts writing what is
 * queued, so the frames of one request leave in one write. */
void keel_pool_flush(keel_front_worker_t *w);
void keel_pool_send(keel_front_worker_t *w, uint8_t type, uint8_t flags, uint32_t stream, const void *a, size_t alen,
                    const void *b, size_t blen);
void keel_pool_close_all(keel_front_t *f);
/* Response backpressure: stop/start reading a worker's output. */
void keel_pool_pause_reading(keel_front_worker_t *w);
void keel_pool_resume_reading(keel_front_worker_t *w);
size_t keel_pool_live_workers(const keel_front_t *f);
const char *keel_pool_name(keel_pool_kind_t kind);

/* php_request.c */
int keel_php_handle(keel_front_t *f, h2o_req_t *req, const keel_route_t *route);
/* Starts req on worker w: sends its parameters and body. */
void keel_php_request_dispatch(keel_php_request_t *req, keel_front_worker_t *w);
/* Answers a request that could not get a worker. */
void keel_php_request_reject(keel_php_request_t *req, int status, const char *reason, const char *retry_after);
/* Frames from the worker running req. */
void keel_php_request_on_frame(keel_php_request_t *req, const keel_ipc_header_t *hdr, const uint8_t *payload);
/* The worker died while running req. */
void keel_php_request_on_worker_lost(keel_php_request_t *req);
/* Called whenever a request finishes, for shutdown accounting. */
void keel_front_request_finished(keel_front_t *f);

/* Node type for the queue. */
struct keel_php_request_s {
    h2o_generator_t super; /* first: h2o hands back this pointer */
    keel_front_t *front;
    h2o_req_t *req;
    keel_front_worker_t *worker;
    uint32_t stream;
    h2o_iovec_t params; /* encoded REQUEST payload, in the request's pool */
    keel_pool_kind_t kind;
    h2o_linklist_t queue_link;
    h2o_timeout_entry_t wait_entry;
    h2o_buffer_t *body;    /* response bytes received, not yet handed to h2o */
    h2o_buffer_t *sending; /* bytes h2o is sending; valid until proceed */
    bool head_received;
    bool started;     /* h2o_start_response called */
    bool sending_now; /* an h2o_send is in flight */
    bool ended;       /* RESP_END received */
    bool finished;    /* final h2o_send done or error sent */
    bool broken;      /* the worker died mid-response: end it in error */
    bool counted;     /* counted in front->in_flight */
};

#endif
