/*
 * The front's end of one worker process: its socket (one write in
 * flight, response backpressure), the check of every frame it sends
 * against its state, and what the frames mean, reported to its owner (the
 * pool of its generation) as typed events. It decides nothing: the pool
 * steps the worker's state (supervisor/worker_fsm.h) and acts.
 *
 * A worker is freed only when its exit is reported (pool.c), never from
 * inside the handling of its own frames, so the reader below may look at
 * it after every event; it stops as soon as the socket was closed.
 */
#ifndef KEEL_FRONT_WORKER_H
#define KEEL_FRONT_WORKER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <h2o.h>

#include "front/job.h"
#include "ipc/message.h"
#include "supervisor/leak.h"
#include "supervisor/pool_policy.h"
#include "supervisor/worker_fsm.h"

/* What a worker's frames mean. Each gets the owner given to
 * keel_worker_open and the worker. */
typedef struct {
    /* WORKER_READY: started (worker mode: booted) and waiting for requests. */
    void (*ready)(void *owner, keel_front_worker_t *w);
    /* BOOT_FAILED: the worker script failed; the message is in w->boot_error. */
    void (*boot_failed)(void *owner, keel_front_worker_t *w);
    /* A free worker's first frame for `stream`, a request it took from its
     * generation's queue: the owner binds it (or knows it no more). */
    void (*took)(void *owner, keel_front_worker_t *w, uint32_t stream);
    /* CLAIM: it took a request whose body did not fit the queue and waits for it. */
    void (*claim)(void *owner, keel_front_worker_t *w);
    /* OPCACHE_STATS (before a REQ_DONE). */
    void (*opcache_stats)(void *owner, keel_front_worker_t *w, const uint8_t *payload, size_t len);
    /* REQ_DONE: the figures it reports (not yet believed: w->stats holds
     * the previous ones); flags as in the frame. */
    void (*done)(void *owner, keel_front_worker_t *w, uint8_t flags, const keel_ipc_stats_t *stats);
    /* Its socket failed or ended, or it sent a frame it may not send. */
    void (*lost)(void *owner, keel_front_worker_t *w, const char *why);
} keel_worker_events_t;

struct keel_front_worker_s {
    /* who it is */
    uint32_t id;         /* unique in this front's life; the zygote reports by it */
    uint32_t generation; /* stamped on every frame sent to it */
    uint32_t claim_slot; /* its word in the generation's claim slots (ipc/queue.h) */
    keel_pool_kind_t kind;
    pid_t pid; /* 0 until its socket arrives */
    /* its life, stepped by its pool only */
    keel_worker_life_t life;
    keel_job_t *job; /* the request it runs; NULL when free, or when that request's client left */
    uint32_t stream; /* the stream it runs, 0 when free */
    /* the connection */
    h2o_socket_t *sock;               /* NULL before its socket arrives and once closed */
    h2o_buffer_t *pending, *inflight; /* frames queue in pending while inflight is written */
    bool reading_paused;              /* response backpressure: its client is slower than PHP */
    h2o_timeout_entry_t resume_entry;
    h2o_timeout_t *zero_timeout;
    const keel_worker_events_t *events;
    void *owner;
    /* what its pool keeps of it */
    h2o_linklist_t pool_link; /* in its pool's workers */
    h2o_linklist_t idle_link; /* in its pool's idle list while free */
    keel_ipc_stats_t stats;   /* the figures of its last REQ_DONE */
    uint64_t private_precise; /* Private_Clean + Private_Dirty from smaps_rollup, sampled */
    uint64_t started_ms;      /* when it became ready */
    uint64_t idle_since_ms;   /* 0 while it runs a request */
    uint64_t deadline_ms;     /* --request-timeout of the request it runs, 0: none */
    uint32_t orphan_stream;   /* a request it took whose client left before the front bound it */
    uint64_t request_limit;   /* its jittered --max-requests, 0: none */
    keel_leak_series_t leak;  /* private memory against requests */
    bool leak_reported;
    uint64_t private_first;         /* private memory after its first request: what it grew from */
    bool surplus;                   /* the tick's mark: its pool runs more than its minimum, and this one may go */
    h2o_timeout_entry_t kill_entry; /* a timed-out request: SIGKILL after the backtrace */
    char boot_error[256];           /* its BOOT_FAILED message */
    char last_request[128];         /* "GET /path" of the request it runs or ran last, for crash logs */
};

/* Starts reading the socket fd (the zygote's WORKER_UP); frames go to
 * events with owner. Returns 0, or -1 (fd closed) when out of memory. */
int keel_worker_open(keel_front_worker_t *w, h2o_loop_t *loop, h2o_timeout_t *zero_timeout, int fd,
                     const keel_worker_events_t *events, void *owner);

/* Closes its socket: the worker exits on end of stream. Safe to repeat. */
void keel_worker_close(keel_front_worker_t *w);

/* Reads and handles the frames already in its socket: a worker whose exit
 * the zygote reports may have written its last frames just before, and
 * that report can arrive first. */
void keel_worker_drain(keel_front_worker_t *w);

/* Queues a frame of one or two payload parts; keel_worker_flush starts
 * writing what is queued, so the frames of one request leave in one
 * write. Nothing happens once the socket is closed. */
void keel_worker_send(keel_front_worker_t *w, uint8_t type, uint8_t flags, uint32_t stream, const void *a, size_t alen,
                      const void *b, size_t blen);
void keel_worker_flush(keel_front_worker_t *w);

/* Response backpressure: stop and start reading its output. */
void keel_worker_pause_reading(keel_front_worker_t *w);
void keel_worker_resume_reading(keel_front_worker_t *w);

#endif
