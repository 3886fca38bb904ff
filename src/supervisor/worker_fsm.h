/*
 * A worker's life as the front sees it: one explicit state, and a pure
 * step function from (state, event, observations) to the next state and
 * the actions the front carries out. Nothing here touches a process or a
 * socket: src/front/pool.c observes, steps and acts, as front/priority.c
 * acts on supervisor/front_priority.c.
 *
 * Two rules hold across the table:
 * - a worker of a serving generation is replaced exactly once: when it
 *   first gets a cause to go (recycled, timed out, closing, failed); a
 *   failure goes through the pool's crash window, the rest start at once;
 *   except that one recycled for memory pressure is replaced only once it
 *   has exited (its memory must go first), and one let go because its
 *   pool has more than it needs is not replaced at all;
 * - a worker that is free (idle, handover-idle, leaving) runs nothing the
 *   front knows of; before stepping it on anything that depends on what it
 *   runs, the front binds the request its claim slot names, if any
 *   (pool.c, settle()), so no state has to guess.
 */
#ifndef KEEL_SUPERVISOR_WORKER_FSM_H
#define KEEL_SUPERVISOR_WORKER_FSM_H

#include <stdbool.h>
#include <stdint.h>

#include "supervisor/recycle.h"

typedef enum {
    KEEL_WORKER_STARTING,      /* SPAWN sent; its socket has not arrived */
    KEEL_WORKER_CANCELLED,     /* let go while starting: dismissed once its socket arrives */
    KEEL_WORKER_BOOTING,       /* socket up; WORKER_READY not yet received */
    KEEL_WORKER_IDLE,          /* serving; free for the next request */
    KEEL_WORKER_BUSY,          /* serving; running a request */
    KEEL_WORKER_HANDOVER_IDLE, /* recycled (memory), free: serves on until its replacement is ready */
    KEEL_WORKER_HANDOVER_BUSY, /* recycled, running a request: serves on until its replacement is ready */
    KEEL_WORKER_RETIRING,      /* running its last request; let go when it finishes */
    KEEL_WORKER_LEAVING,       /* told to go (DISMISS) while free; exits once it answered what it took */
    KEEL_WORKER_LEAVING_BUSY,  /* told to go; running a request it took before it read DISMISS */
    KEEL_WORKER_CLOSED,        /* its socket is closed; waiting for the zygote's report of its exit */
    KEEL_WORKER_EXITED,        /* its exit is reported and its socket closed: forgotten */
    KEEL_WORKER_STATES
} keel_worker_state_t;

/* Why a worker is going, set when it first leaves the serving states. */
typedef enum {
    KEEL_WORKER_CAUSE_NONE,     /* serving, or never served */
    KEEL_WORKER_CAUSE_RECYCLED, /* a recycle rule (the reason is kept beside it) */
    KEEL_WORKER_CAUSE_RETIRED,  /* its generation drains or stops */
    KEEL_WORKER_CAUSE_CLOSING,  /* it said it exits (exit() or an error in worker mode) */
    KEEL_WORKER_CAUSE_TIMEOUT,  /* its request ran past --request-timeout */
    KEEL_WORKER_CAUSE_FAILED,   /* it died, or broke the protocol */
    KEEL_WORKER_CAUSE_SHRUNK,   /* above its pool's minimum and idle past --max-idle-time: not replaced */
} keel_worker_cause_t;

typedef struct {
    keel_worker_state_t state;
    keel_worker_cause_t cause;
    keel_recycle_reason_t reason; /* with KEEL_WORKER_CAUSE_RECYCLED */
} keel_worker_life_t;

typedef enum {
    KEEL_WORKER_EV_SOCKET_UP,         /* the zygote handed over its socket */
    KEEL_WORKER_EV_READY,             /* WORKER_READY */
    KEEL_WORKER_EV_TOOK,              /* it runs a request from now on (the front bound one to it) */
    KEEL_WORKER_EV_DONE,              /* REQ_DONE; its figures are in the facts */
    KEEL_WORKER_EV_DONE_CLOSING,      /* REQ_DONE with CLOSING: it exits now */
    KEEL_WORKER_EV_TICK,              /* the periodic look (age, idle time, hard memory limit) */
    KEEL_WORKER_EV_REPLACEMENT_READY, /* the worker started in its place is ready */
    KEEL_WORKER_EV_DISMISS,           /* its generation drains: let it go */
    KEEL_WORKER_EV_TIMEOUT,           /* its request ran past --request-timeout */
    KEEL_WORKER_EV_KILL,              /* the timeout's grace is over */
    KEEL_WORKER_EV_LOST,              /* its socket failed, or it broke the protocol */
    KEEL_WORKER_EV_EXITED,            /* the zygote reported its exit */
    KEEL_WORKER_EV_NOT_STARTED,       /* the zygote could not fork it */
    KEEL_WORKER_EV_STOP,              /* its generation stops now */
    KEEL_WORKER_EV_RELIEVE,           /* memory pressure: it grew most, it goes (replaced once it has exited) */
    KEEL_WORKER_EVENTS
} keel_worker_event_t;

/* What the front observed, for the events that depend on it. */
typedef struct {
    uint64_t now_ms;
    bool serving;                        /* its generation serves (starting or active) */
    const keel_recycle_limits_t *limits; /* for DONE and TICK; NULL: recycling off */
    keel_worker_obs_t worker;            /* its figures, for DONE and TICK */
    uint64_t private_now;                /* TICK while it runs a request: a fresh private figure (0: none read) */
    int lost_status;                     /* LOST: what its request gets (502; 503 memory; 504 timeout) */
    bool surplus;             /* TICK: its pool runs more than its minimum, and this one may be the one to go */
    uint64_t shrink_after_ms; /* TICK: a surplus worker idle longer than this leaves (0: at once; UINT64_MAX: never) */
} keel_worker_facts_t;

/* Actions, as bits of keel_worker_step_t.actions. */
#define KEEL_WORKER_DO_DISMISS         0x0001u /* send DISMISS (and set its leave flag) */
#define KEEL_WORKER_DO_LEAVE_FLAG      0x0002u /* set its leave flag: it must take nothing more */
#define KEEL_WORKER_DO_CLOSE           0x0004u /* close its socket (it exits on end of stream) */
#define KEEL_WORKER_DO_KILL            0x0008u /* SIGKILL its process */
#define KEEL_WORKER_DO_LOSE            0x0010u /* the request it runs is answered with `status` */
#define KEEL_WORKER_DO_REPLACE         0x0020u /* start a worker in its place now */
#define KEEL_WORKER_DO_REPLACE_CRASHED 0x0040u /* start one through the pool's crash window */
#define KEEL_WORKER_DO_BOOT_FAILED     0x0080u /* it failed before it was ready: the pool's boot rule */
#define KEEL_WORKER_DO_SPAWN_FAILED    0x0100u /* the zygote could not start it: the pool's spawn rule */
#define KEEL_WORKER_DO_READY           0x0200u /* it is ready: failure counts restart; a recycled one may go */
#define KEEL_WORKER_DO_RECYCLED        0x0400u /* log and count a recycle for `reason` */
#define KEEL_WORKER_DO_BACKTRACE       0x0800u /* ask its zygote to log its PHP stack */
#define KEEL_WORKER_DO_ARM_KILL        0x1000u /* kill it after a short grace (KEEL_WORKER_EV_KILL) */
#define KEEL_WORKER_DO_REPORT_EXIT     0x2000u /* its exit was not keel's doing: log how it ended */
#define KEEL_WORKER_DO_FORGET          0x4000u /* free the front's record of it */

typedef struct {
    keel_worker_life_t life; /* the next state, cause and reason */
    unsigned actions;        /* KEEL_WORKER_DO_* */
    int status;              /* with KEEL_WORKER_DO_LOSE */
    bool invalid;            /* the event cannot happen in this state: a protocol error, or a bug */
} keel_worker_step_t;

/* The next state and the actions for `ev` in `life`, given the facts. */
keel_worker_step_t keel_worker_step(keel_worker_life_t life, keel_worker_event_t ev, const keel_worker_facts_t *facts);

/* Free for the next request: on its pool's idle list. */
bool keel_worker_state_is_free(keel_worker_state_t s);
/* Running a request the front has bound to it. */
bool keel_worker_state_is_busy(keel_worker_state_t s);
/* Counted among its pool's serving workers (queue room, readiness). */
bool keel_worker_state_serves(keel_worker_state_t s);
/* Ready and not going: what makes a starting generation ready. */
bool keel_worker_state_is_ready(keel_worker_state_t s);
/* Its socket is open or about to arrive: its generation must wait for it. */
bool keel_worker_state_holds_generation(keel_worker_state_t s);
/* TICK needs a fresh private memory figure (a hard limit is set and it runs a request). */
bool keel_worker_wants_private_figure(keel_worker_state_t s, const keel_recycle_limits_t *limits);

/*
 * Whether a frame of `type` for `stream` may come from a worker in state
 * s that runs `bound_stream` (0: none). Anything else is a protocol
 * violation. Takes IPC type numbers (ipc/frame.h).
 */
bool keel_worker_frame_allowed(keel_worker_state_t s, unsigned type, uint32_t stream, uint32_t bound_stream);

/* "starting", "idle", "handover-busy", ... (for /status and logs). */
const char *keel_worker_state_name(keel_worker_state_t s);
const char *keel_worker_event_name(keel_worker_event_t ev);

#endif
