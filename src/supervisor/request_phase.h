/*
 * A PHP request's phase in the front, and the only transitions it may
 * take. The front records the phase explicitly and moves it through
 * keel_req_next(), so that no code has to infer it from which list holds
 * the request or which pointers are set.
 *
 *   NEW ──wait──▶ WAITING ──push──▶ QUEUED ──bind──▶ BOUND ──start──▶ STREAMING
 *    │  ◀─────────────────wait (taken back)──┘ │       │                  │
 *    └──push──▶ QUEUED          NEW ◀──retry───┴───────┘                  │
 *   any phase but FINISHED ──answer──▶ FINISHED ◀────────────────────────┘
 *
 * A QUEUED request may already be running: a worker took it from the
 * queue and named it in its claim slot, and the front has not bound it
 * yet. That is an observation of QUEUED (reported as "claimed"), made
 * fresh each time, never a stored phase.
 */
#ifndef KEEL_SUPERVISOR_REQUEST_PHASE_H
#define KEEL_SUPERVISOR_REQUEST_PHASE_H

typedef enum {
    KEEL_REQ_NEW,       /* accepted; not yet offered to a pool (again, after a retry) */
    KEEL_REQ_WAITING,   /* in the front's queue for its pool */
    KEEL_REQ_QUEUED,    /* sent into a generation's queue; not bound to a worker yet */
    KEEL_REQ_BOUND,     /* a worker runs it (or ran it); nothing sent to the client yet */
    KEEL_REQ_STREAMING, /* its response has started */
    KEEL_REQ_FINISHED,  /* answered whole, answered with an error, or given up */
    KEEL_REQ_PHASES,
    KEEL_REQ_INVALID = KEEL_REQ_PHASES /* keel_req_next: a transition that must not happen */
} keel_req_phase_t;

typedef enum {
    KEEL_REQ_EV_WAIT,   /* into the front's queue (new, or taken back from a generation's queue) */
    KEEL_REQ_EV_PUSH,   /* sent into a generation's queue */
    KEEL_REQ_EV_BIND,   /* the worker that took it is known */
    KEEL_REQ_EV_START,  /* the response starts reaching the client */
    KEEL_REQ_EV_RETRY,  /* its worker died before anything was sent: offered again (--retry-idempotent) */
    KEEL_REQ_EV_ANSWER, /* the final answer is sent (a response, an error, or nothing: its client left) */
    KEEL_REQ_EVENTS
} keel_req_event_t;

/* The phase after ev, or KEEL_REQ_INVALID. */
keel_req_phase_t keel_req_next(keel_req_phase_t phase, keel_req_event_t ev);

/* "new", "waiting", "queued", "bound", "streaming", "finished" */
const char *keel_req_phase_name(keel_req_phase_t phase);

#endif
