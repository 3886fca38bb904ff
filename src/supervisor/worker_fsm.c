#include "supervisor/worker_fsm.h"

#include <stddef.h>

#include "ipc/frame.h"

/* Status a request gets when its worker exits under it. */
#define LOST_ON_EXIT 502
/* ... and when its generation is stopped under it. */
#define LOST_ON_STOP 503
/* ... and when the request timeout's kill ends it. */
#define LOST_ON_KILL 504

bool
keel_worker_state_is_free(keel_worker_state_t s)
{
    return s == KEEL_WORKER_IDLE || s == KEEL_WORKER_HANDOVER_IDLE || s == KEEL_WORKER_LEAVING;
}

bool
keel_worker_state_is_busy(keel_worker_state_t s)
{
    return s == KEEL_WORKER_BUSY || s == KEEL_WORKER_HANDOVER_BUSY || s == KEEL_WORKER_RETIRING ||
           s == KEEL_WORKER_LEAVING_BUSY;
}

bool
keel_worker_state_serves(keel_worker_state_t s)
{
    return s == KEEL_WORKER_IDLE || s == KEEL_WORKER_HANDOVER_IDLE || keel_worker_state_is_busy(s);
}

bool
keel_worker_state_is_ready(keel_worker_state_t s)
{
    return s == KEEL_WORKER_IDLE || s == KEEL_WORKER_BUSY;
}

bool
keel_worker_state_holds_generation(keel_worker_state_t s)
{
    return s != KEEL_WORKER_CLOSED && s != KEEL_WORKER_EXITED;
}

bool
keel_worker_wants_private_figure(keel_worker_state_t s, const keel_recycle_limits_t *limits)
{
    return limits != NULL && limits->max_worker_memory_hard != 0 && keel_worker_state_is_busy(s);
}

/* A socket it may still write on: every state between the socket's arrival
 * and its closing. */
static bool
has_socket(keel_worker_state_t s)
{
    return s != KEEL_WORKER_STARTING && s != KEEL_WORKER_CANCELLED && s != KEEL_WORKER_CLOSED &&
           s != KEEL_WORKER_EXITED;
}

bool
keel_worker_frame_allowed(keel_worker_state_t s, unsigned type, uint32_t stream, uint32_t bound_stream)
{
    switch (type) {
    case KEEL_IPC_WORKER_READY:
    case KEEL_IPC_BOOT_FAILED:
        /* (LEAVING: let go while booting; its news no longer matters) */
        return (s == KEEL_WORKER_BOOTING || s == KEEL_WORKER_LEAVING) && stream == 0;
    case KEEL_IPC_RESP_HEAD:
    case KEEL_IPC_RESP_BODY:
    case KEEL_IPC_RESP_END:
    case KEEL_IPC_OPCACHE_STATS:
    case KEEL_IPC_REQ_DONE:
    case KEEL_IPC_CLAIM:
        return keel_worker_state_is_busy(s) && stream != 0 && stream == bound_stream;
    default:
        return false;
    }
}

/* Recycled for memory pressure: its replacement waits for its exit. */
static bool
replaced_after_exit(keel_worker_life_t life)
{
    return life.cause == KEEL_WORKER_CAUSE_RECYCLED && life.reason == KEEL_RECYCLE_PRESSURE;
}

/* The first cause to go: recorded, and it brings the one replacement
 * (see the rules in worker_fsm.h for the two that differ). */
static void
set_cause(keel_worker_step_t *st, keel_worker_cause_t cause, const keel_worker_facts_t *f)
{
    if (st->life.cause != KEEL_WORKER_CAUSE_NONE)
        return;
    st->life.cause = cause;
    if (!f->serving || cause == KEEL_WORKER_CAUSE_RETIRED || cause == KEEL_WORKER_CAUSE_SHRUNK)
        return;
    st->actions |= cause == KEEL_WORKER_CAUSE_FAILED ? KEEL_WORKER_DO_REPLACE_CRASHED : KEEL_WORKER_DO_REPLACE;
}

static void
recycled(keel_worker_step_t *st, keel_recycle_reason_t reason, const keel_worker_facts_t *f)
{
    if (reason == KEEL_RECYCLE_PRESSURE && st->life.cause == KEEL_WORKER_CAUSE_NONE) {
        /* no replacement yet: it comes when this one has exited */
        st->life.cause = KEEL_WORKER_CAUSE_RECYCLED;
    } else {
        set_cause(st, KEEL_WORKER_CAUSE_RECYCLED, f);
    }
    st->life.reason = reason;
    st->actions |= KEEL_WORKER_DO_RECYCLED;
}

static void
go(keel_worker_step_t *st, keel_worker_state_t next, unsigned actions)
{
    st->life.state = next;
    st->actions |= actions;
}

static void
lose(keel_worker_step_t *st, int status)
{
    st->actions |= KEEL_WORKER_DO_LOSE;
    st->status = status;
}

static keel_recycle_reason_t
decide(const keel_worker_facts_t *f)
{
    if (f->limits == NULL)
        return KEEL_RECYCLE_NONE;
    return keel_recycle_decide(f->limits, &f->worker, f->now_ms);
}

static void
on_done(keel_worker_step_t *st, const keel_worker_facts_t *f)
{
    keel_worker_state_t s = st->life.state;
    if (s == KEEL_WORKER_BUSY && !f->serving) {
        /* its generation stopped serving under it without a DISMISS: go */
        set_cause(st, KEEL_WORKER_CAUSE_RETIRED, f);
        go(st, KEEL_WORKER_LEAVING, KEEL_WORKER_DO_DISMISS);
    } else if (s == KEEL_WORKER_BUSY) {
        keel_recycle_reason_t r = decide(f);
        if (r == KEEL_RECYCLE_NONE) {
            go(st, KEEL_WORKER_IDLE, 0);
        } else if (r == KEEL_RECYCLE_MEMORY) {
            /* Its replacement starts first, and it serves on until that
             * one is ready, so capacity never dips. */
            recycled(st, r, f);
            go(st, KEEL_WORKER_HANDOVER_IDLE, 0);
        } else {
            /* count, age, or memory past the hard limit: it takes no more */
            recycled(st, r, f);
            go(st, KEEL_WORKER_LEAVING, KEEL_WORKER_DO_DISMISS);
        }
    } else if (s == KEEL_WORKER_HANDOVER_BUSY) {
        /* Only a memory recycle serves on while it waits; a worker that
         * reached its age or idle time while free took this one request. */
        if (st->life.reason == KEEL_RECYCLE_MEMORY && f->serving)
            go(st, KEEL_WORKER_HANDOVER_IDLE, 0);
        else
            go(st, KEEL_WORKER_LEAVING, KEEL_WORKER_DO_DISMISS);
    } else if (s == KEEL_WORKER_RETIRING) {
        go(st, KEEL_WORKER_LEAVING, KEEL_WORKER_DO_DISMISS);
    } else if (s == KEEL_WORKER_LEAVING_BUSY) {
        /* it read DISMISS already, or reads it next: no second one */
        go(st, KEEL_WORKER_LEAVING, 0);
    } else {
        st->invalid = true;
    }
}

static void
on_tick(keel_worker_step_t *st, const keel_worker_facts_t *f)
{
    keel_worker_state_t s = st->life.state;
    if (keel_worker_wants_private_figure(s, f->limits) && f->private_now > f->limits->max_worker_memory_hard) {
        /* past the hard limit while it runs: now, not after its request */
        recycled(st, KEEL_RECYCLE_MEMORY_HARD, f);
        lose(st, 503);
        go(st, KEEL_WORKER_CLOSED, KEEL_WORKER_DO_KILL | KEEL_WORKER_DO_CLOSE);
        return;
    }
    if (s != KEEL_WORKER_IDLE || !f->serving)
        return;
    if (f->surplus && f->worker.idle_since_ms != 0 && f->shrink_after_ms != UINT64_MAX &&
        (f->shrink_after_ms == 0 ||
         (f->now_ms > f->worker.idle_since_ms && f->now_ms - f->worker.idle_since_ms > f->shrink_after_ms))) {
        /* more than its pool needs: it goes, and nothing replaces it */
        set_cause(st, KEEL_WORKER_CAUSE_SHRUNK, f);
        go(st, KEEL_WORKER_LEAVING, KEEL_WORKER_DO_DISMISS);
        return;
    }
    /* A free worker can only have grown old or stayed idle: the other
     * limits are looked at after each request. */
    keel_recycle_reason_t r = decide(f);
    if (r == KEEL_RECYCLE_NONE)
        return;
    /* It stays free until its replacement is ready (REPLACEMENT_READY). */
    recycled(st, r, f);
    go(st, KEEL_WORKER_HANDOVER_IDLE, 0);
}

static void
on_lost(keel_worker_step_t *st, const keel_worker_facts_t *f, bool exited)
{
    keel_worker_state_t s = st->life.state;
    unsigned close = exited ? KEEL_WORKER_DO_CLOSE | KEEL_WORKER_DO_FORGET : KEEL_WORKER_DO_CLOSE | KEEL_WORKER_DO_KILL;
    keel_worker_state_t next = exited ? KEEL_WORKER_EXITED : KEEL_WORKER_CLOSED;
    switch (s) {
    case KEEL_WORKER_STARTING:
    case KEEL_WORKER_BOOTING:
        /* before it was ready: the pool's boot-failure rule decides */
        if (s == KEEL_WORKER_STARTING)
            close &= ~(unsigned)KEEL_WORKER_DO_CLOSE;
        if (f->serving && st->life.cause == KEEL_WORKER_CAUSE_NONE)
            st->actions |= KEEL_WORKER_DO_BOOT_FAILED;
        if (exited && st->life.cause == KEEL_WORKER_CAUSE_NONE)
            st->actions |= KEEL_WORKER_DO_REPORT_EXIT;
        go(st, next, close);
        return;
    case KEEL_WORKER_CANCELLED:
        go(st, next, close & ~(unsigned)KEEL_WORKER_DO_CLOSE);
        return;
    case KEEL_WORKER_CLOSED:
        if (exited) {
            if (st->life.cause == KEEL_WORKER_CAUSE_NONE || st->life.cause == KEEL_WORKER_CAUSE_FAILED)
                st->actions |= KEEL_WORKER_DO_REPORT_EXIT;
            if (replaced_after_exit(st->life) && f->serving)
                st->actions |= KEEL_WORKER_DO_REPLACE;
            go(st, KEEL_WORKER_EXITED, KEEL_WORKER_DO_FORGET);
        }
        return;
    case KEEL_WORKER_EXITED:
        return;
    default:
        break;
    }
    /* ready once: whatever it runs is lost with it */
    bool failure = st->life.cause == KEEL_WORKER_CAUSE_NONE;
    set_cause(st, KEEL_WORKER_CAUSE_FAILED, f);
    lose(st, exited ? LOST_ON_EXIT : f->lost_status);
    if (exited && failure)
        st->actions |= KEEL_WORKER_DO_REPORT_EXIT;
    if (exited && replaced_after_exit(st->life) && f->serving)
        st->actions |= KEEL_WORKER_DO_REPLACE;
    go(st, next, close);
}

static void
on_relieve(keel_worker_step_t *st, const keel_worker_facts_t *f)
{
    keel_worker_state_t s = st->life.state;
    if (s == KEEL_WORKER_HANDOVER_IDLE) {
        /* recycled for its memory already, its replacement on the way:
         * it stops serving now rather than once that one is ready */
        go(st, KEEL_WORKER_LEAVING, KEEL_WORKER_DO_DISMISS);
        return;
    }
    if (s == KEEL_WORKER_HANDOVER_BUSY) {
        go(st, KEEL_WORKER_RETIRING, KEEL_WORKER_DO_LEAVE_FLAG);
        return;
    }
    if ((s != KEEL_WORKER_IDLE && s != KEEL_WORKER_BUSY) || !f->serving)
        return; /* going already, or its generation is */
    recycled(st, KEEL_RECYCLE_PRESSURE, f);
    if (s == KEEL_WORKER_IDLE)
        go(st, KEEL_WORKER_LEAVING, KEEL_WORKER_DO_DISMISS);
    else
        go(st, KEEL_WORKER_RETIRING, KEEL_WORKER_DO_LEAVE_FLAG);
}

keel_worker_step_t
keel_worker_step(keel_worker_life_t life, keel_worker_event_t ev, const keel_worker_facts_t *f)
{
    keel_worker_step_t st = {.life = life};
    keel_worker_state_t s = life.state;
    switch (ev) {
    case KEEL_WORKER_EV_SOCKET_UP:
        if (s == KEEL_WORKER_STARTING)
            go(&st, KEEL_WORKER_BOOTING, 0);
        else if (s == KEEL_WORKER_CANCELLED)
            go(&st, KEEL_WORKER_LEAVING, KEEL_WORKER_DO_DISMISS);
        else
            st.invalid = true;
        break;
    case KEEL_WORKER_EV_READY:
        if (s == KEEL_WORKER_BOOTING && f->serving) {
            go(&st, KEEL_WORKER_IDLE, KEEL_WORKER_DO_READY);
        } else if (s == KEEL_WORKER_BOOTING) {
            set_cause(&st, KEEL_WORKER_CAUSE_RETIRED, f);
            go(&st, KEEL_WORKER_LEAVING, KEEL_WORKER_DO_DISMISS);
        } else if (s != KEEL_WORKER_LEAVING) {
            st.invalid = true;
        }
        break;
    case KEEL_WORKER_EV_TOOK:
        if (s == KEEL_WORKER_IDLE)
            go(&st, KEEL_WORKER_BUSY, 0);
        else if (s == KEEL_WORKER_HANDOVER_IDLE)
            go(&st, KEEL_WORKER_HANDOVER_BUSY, 0);
        else if (s == KEEL_WORKER_LEAVING)
            go(&st, KEEL_WORKER_LEAVING_BUSY, 0);
        else
            st.invalid = true;
        break;
    case KEEL_WORKER_EV_DONE:
        on_done(&st, f);
        break;
    case KEEL_WORKER_EV_DONE_CLOSING:
        if (!keel_worker_state_is_busy(s)) {
            st.invalid = true;
            break;
        }
        /* It exits now: nothing more for it, and (if it was serving) a
         * replacement, which is not a crash. */
        set_cause(&st, KEEL_WORKER_CAUSE_CLOSING, f);
        go(&st, KEEL_WORKER_CLOSED, KEEL_WORKER_DO_CLOSE);
        break;
    case KEEL_WORKER_EV_TICK:
        on_tick(&st, f);
        break;
    case KEEL_WORKER_EV_REPLACEMENT_READY:
        if (s == KEEL_WORKER_HANDOVER_IDLE)
            go(&st, KEEL_WORKER_LEAVING, KEEL_WORKER_DO_DISMISS);
        else if (s == KEEL_WORKER_HANDOVER_BUSY)
            go(&st, KEEL_WORKER_RETIRING, 0);
        break;
    case KEEL_WORKER_EV_DISMISS:
        if (s == KEEL_WORKER_STARTING || s == KEEL_WORKER_CANCELLED) {
            set_cause(&st, KEEL_WORKER_CAUSE_RETIRED, f);
            go(&st, KEEL_WORKER_CANCELLED, KEEL_WORKER_DO_LEAVE_FLAG);
        } else if (s == KEEL_WORKER_BOOTING || s == KEEL_WORKER_IDLE || s == KEEL_WORKER_HANDOVER_IDLE) {
            set_cause(&st, KEEL_WORKER_CAUSE_RETIRED, f);
            go(&st, KEEL_WORKER_LEAVING, KEEL_WORKER_DO_DISMISS);
        } else if (s == KEEL_WORKER_BUSY || s == KEEL_WORKER_HANDOVER_BUSY) {
            set_cause(&st, KEEL_WORKER_CAUSE_RETIRED, f);
            go(&st, KEEL_WORKER_RETIRING, KEEL_WORKER_DO_LEAVE_FLAG);
        }
        break;
    case KEEL_WORKER_EV_TIMEOUT:
        if (!keel_worker_state_is_busy(s))
            break; /* it finished meanwhile */
        set_cause(&st, KEEL_WORKER_CAUSE_TIMEOUT, f);
        go(&st, s == KEEL_WORKER_LEAVING_BUSY ? s : KEEL_WORKER_RETIRING,
           KEEL_WORKER_DO_BACKTRACE | KEEL_WORKER_DO_ARM_KILL | KEEL_WORKER_DO_LEAVE_FLAG);
        break;
    case KEEL_WORKER_EV_KILL:
        if (s == KEEL_WORKER_CLOSED) {
            go(&st, s, KEEL_WORKER_DO_KILL); /* closed, maybe not dead yet */
        } else if (s != KEEL_WORKER_EXITED && s != KEEL_WORKER_STARTING && s != KEEL_WORKER_CANCELLED) {
            set_cause(&st, KEEL_WORKER_CAUSE_TIMEOUT, f);
            lose(&st, LOST_ON_KILL);
            go(&st, KEEL_WORKER_CLOSED, KEEL_WORKER_DO_KILL | KEEL_WORKER_DO_CLOSE);
        }
        break;
    case KEEL_WORKER_EV_LOST:
        on_lost(&st, f, false);
        break;
    case KEEL_WORKER_EV_EXITED:
        on_lost(&st, f, true);
        break;
    case KEEL_WORKER_EV_NOT_STARTED:
        if (s == KEEL_WORKER_STARTING) {
            if (f->serving && life.cause == KEEL_WORKER_CAUSE_NONE)
                st.actions |= KEEL_WORKER_DO_SPAWN_FAILED;
            go(&st, KEEL_WORKER_EXITED, KEEL_WORKER_DO_FORGET);
        } else if (s == KEEL_WORKER_CANCELLED || s == KEEL_WORKER_CLOSED) {
            /* (CLOSED: stopped while starting) */
            go(&st, KEEL_WORKER_EXITED, KEEL_WORKER_DO_FORGET);
        } else {
            st.invalid = true;
        }
        break;
    case KEEL_WORKER_EV_RELIEVE:
        on_relieve(&st, f);
        break;
    case KEEL_WORKER_EV_STOP:
        if (s == KEEL_WORKER_CLOSED || s == KEEL_WORKER_EXITED)
            break;
        set_cause(&st, KEEL_WORKER_CAUSE_RETIRED, f);
        if (keel_worker_state_is_busy(s))
            lose(&st, LOST_ON_STOP);
        go(&st, KEEL_WORKER_CLOSED, has_socket(s) ? KEEL_WORKER_DO_CLOSE : KEEL_WORKER_DO_LEAVE_FLAG);
        break;
    default:
        st.invalid = true;
        break;
    }
    return st;
}

const char *
keel_worker_state_name(keel_worker_state_t s)
{
    static const char *const names[KEEL_WORKER_STATES] = {
        [KEEL_WORKER_STARTING] = "starting",
        [KEEL_WORKER_CANCELLED] = "cancelled",
        [KEEL_WORKER_BOOTING] = "booting",
        [KEEL_WORKER_IDLE] = "idle",
        [KEEL_WORKER_BUSY] = "busy",
        [KEEL_WORKER_HANDOVER_IDLE] = "handover-idle",
        [KEEL_WORKER_HANDOVER_BUSY] = "handover-busy",
        [KEEL_WORKER_RETIRING] = "retiring",
        [KEEL_WORKER_LEAVING] = "leaving",
        [KEEL_WORKER_LEAVING_BUSY] = "leaving-busy",
        [KEEL_WORKER_CLOSED] = "closed",
        [KEEL_WORKER_EXITED] = "exited",
    };
    return (unsigned)s < KEEL_WORKER_STATES ? names[s] : "unknown";
}

const char *
keel_worker_event_name(keel_worker_event_t ev)
{
    static const char *const names[KEEL_WORKER_EVENTS] = {
        [KEEL_WORKER_EV_SOCKET_UP] = "socket up",
        [KEEL_WORKER_EV_READY] = "ready",
        [KEEL_WORKER_EV_TOOK] = "took a request",
        [KEEL_WORKER_EV_DONE] = "request done",
        [KEEL_WORKER_EV_DONE_CLOSING] = "request done, closing",
        [KEEL_WORKER_EV_TICK] = "tick",
        [KEEL_WORKER_EV_REPLACEMENT_READY] = "replacement ready",
        [KEEL_WORKER_EV_DISMISS] = "dismiss",
        [KEEL_WORKER_EV_TIMEOUT] = "request timeout",
        [KEEL_WORKER_EV_KILL] = "kill",
        [KEEL_WORKER_EV_LOST] = "lost",
        [KEEL_WORKER_EV_EXITED] = "exited",
        [KEEL_WORKER_EV_NOT_STARTED] = "not started",
        [KEEL_WORKER_EV_STOP] = "stop",
        [KEEL_WORKER_EV_RELIEVE] = "relieve memory pressure",
    };
    return (unsigned)ev < KEEL_WORKER_EVENTS ? names[ev] : "unknown";
}
