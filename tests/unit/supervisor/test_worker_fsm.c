/* Tests for src/supervisor/worker_fsm.c: every transition, case by case,
 * and the rules that hold across the whole table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "test_random.h"

#include "ipc/frame.h"
#include "supervisor/worker_fsm.h"

#define S(x)  KEEL_WORKER_##x
#define EV(x) KEEL_WORKER_EV_##x
#define DO(x) KEEL_WORKER_DO_##x

enum {
    SERVING,
    RETIRED,
    MEMORY_PAST_SOFT,
    REQUESTS_REACHED,
    OLD,
    IDLE_LONG,
    HARD_BREACH,
    HARD_OK,
    SURPLUS_IDLE_LONG, /* above the pool's minimum, idle past --max-idle-time (10 s) */
    SURPLUS_IDLE_SHORT,
    SURPLUS_NOW, /* above the minimum under memory pressure: at once */
    IDLE_LONG_NOT_SURPLUS,
    VARIANTS
};

static const keel_recycle_limits_t limits = {
    .max_requests = 100,
    .max_worker_memory = 1000,
    .max_worker_memory_hard = 2000,
    .ttl_ms = 60000,
    .idle_ttl_ms = 10000,
};

/* Facts for a worker started at 1000 ms that served 10 requests at 500 bytes. */
static keel_worker_facts_t
facts(int variant)
{
    keel_worker_facts_t f = {
        .now_ms = 2000,
        .serving = variant != RETIRED,
        .limits = &limits,
        .worker =
            {.requests = 10, .request_limit = 100, .private_bytes = 500, .started_ms = 1000, .idle_since_ms = 1500},
        .lost_status = 502,
        .shrink_after_ms = UINT64_MAX,
    };
    switch (variant) {
    case RETIRED: /* and old: a retired generation's workers are not recycled */
        f.now_ms = 1000 + 60001;
        break;
    case MEMORY_PAST_SOFT:
        f.worker.private_bytes = 1001;
        break;
    case REQUESTS_REACHED:
        f.worker.requests = 100;
        break;
    case OLD:
        f.now_ms = 1000 + 60001;
        f.worker.idle_since_ms = f.now_ms - 1;
        break;
    case IDLE_LONG:
        f.now_ms = 1500 + 10001;
        break;
    case HARD_BREACH:
        f.private_now = 2001;
        break;
    case HARD_OK:
        f.private_now = 2000;
        break;
    case SURPLUS_IDLE_LONG: /* idle since 1500 ms, 10 s and 1 ms ago; --idle-ttl (10 s) too */
        f.now_ms = 1500 + 10001;
        f.surplus = true;
        f.shrink_after_ms = 10000;
        break;
    case SURPLUS_IDLE_SHORT:
        f.now_ms = 1500 + 10000;
        f.surplus = true;
        f.shrink_after_ms = 10000;
        break;
    case SURPLUS_NOW:
        f.surplus = true;
        f.shrink_after_ms = 0;
        break;
    case IDLE_LONG_NOT_SURPLUS:
        f.now_ms = 1500 + 9000;
        f.shrink_after_ms = 5000;
        break;
    }
    return f;
}

typedef struct {
    const char *what;
    keel_worker_state_t from;
    keel_worker_cause_t cause;
    keel_recycle_reason_t reason;
    keel_worker_event_t ev;
    int variant;
    keel_worker_state_t to;
    unsigned actions;
    int status;
    keel_worker_cause_t to_cause;
    keel_recycle_reason_t to_reason;
} row_t;

#define NONE_C  KEEL_WORKER_CAUSE_NONE
#define RECYC_C KEEL_WORKER_CAUSE_RECYCLED
#define RET_C   KEEL_WORKER_CAUSE_RETIRED
#define CLOS_C  KEEL_WORKER_CAUSE_CLOSING
#define TIME_C  KEEL_WORKER_CAUSE_TIMEOUT
#define FAIL_C  KEEL_WORKER_CAUSE_FAILED
#define SHRK_C  KEEL_WORKER_CAUSE_SHRUNK
#define R(x)    KEEL_RECYCLE_##x

static const row_t rows[] = {
    /* starting */
    {"socket arrives", S(STARTING), NONE_C, R(NONE), EV(SOCKET_UP), SERVING, S(BOOTING), 0, 0, NONE_C, R(NONE)},
    {"cancelled worker's socket arrives: dismissed", S(CANCELLED), RET_C, R(NONE), EV(SOCKET_UP), RETIRED, S(LEAVING),
     DO(DISMISS), 0, RET_C, R(NONE)},
    {"fork failed", S(STARTING), NONE_C, R(NONE), EV(NOT_STARTED), SERVING, S(EXITED), DO(SPAWN_FAILED) | DO(FORGET), 0,
     NONE_C, R(NONE)},
    {"fork failed in a retired generation", S(STARTING), NONE_C, R(NONE), EV(NOT_STARTED), RETIRED, S(EXITED),
     DO(FORGET), 0, NONE_C, R(NONE)},
    {"cancelled and never started", S(CANCELLED), RET_C, R(NONE), EV(NOT_STARTED), RETIRED, S(EXITED), DO(FORGET), 0,
     RET_C, R(NONE)},
    {"exited before its socket arrived", S(STARTING), NONE_C, R(NONE), EV(EXITED), SERVING, S(EXITED),
     DO(BOOT_FAILED) | DO(REPORT_EXIT) | DO(FORGET), 0, NONE_C, R(NONE)},
    {"drained while starting", S(STARTING), NONE_C, R(NONE), EV(DISMISS), RETIRED, S(CANCELLED), DO(LEAVE_FLAG), 0,
     RET_C, R(NONE)},
    {"stopped while starting", S(STARTING), NONE_C, R(NONE), EV(STOP), RETIRED, S(CLOSED), DO(LEAVE_FLAG), 0, RET_C,
     R(NONE)},
    {"stopped while starting, then not started", S(CLOSED), RET_C, R(NONE), EV(NOT_STARTED), RETIRED, S(EXITED),
     DO(FORGET), 0, RET_C, R(NONE)},
    /* booting */
    {"ready", S(BOOTING), NONE_C, R(NONE), EV(READY), SERVING, S(IDLE), DO(READY), 0, NONE_C, R(NONE)},
    {"ready in a retired generation", S(BOOTING), NONE_C, R(NONE), EV(READY), RETIRED, S(LEAVING), DO(DISMISS), 0,
     RET_C, R(NONE)},
    {"ready after it was let go", S(LEAVING), RET_C, R(NONE), EV(READY), RETIRED, S(LEAVING), 0, 0, RET_C, R(NONE)},
    {"boot failure", S(BOOTING), NONE_C, R(NONE), EV(LOST), SERVING, S(CLOSED), DO(CLOSE) | DO(KILL) | DO(BOOT_FAILED),
     0, NONE_C, R(NONE)},
    {"boot failure reported by its exit", S(BOOTING), NONE_C, R(NONE), EV(EXITED), SERVING, S(EXITED),
     DO(CLOSE) | DO(FORGET) | DO(BOOT_FAILED) | DO(REPORT_EXIT), 0, NONE_C, R(NONE)},
    {"a failed boot's exit", S(CLOSED), NONE_C, R(NONE), EV(EXITED), SERVING, S(EXITED), DO(REPORT_EXIT) | DO(FORGET),
     0, NONE_C, R(NONE)},
    {"drained while booting", S(BOOTING), NONE_C, R(NONE), EV(DISMISS), RETIRED, S(LEAVING), DO(DISMISS), 0, RET_C,
     R(NONE)},
    /* serving */
    {"takes a request", S(IDLE), NONE_C, R(NONE), EV(TOOK), SERVING, S(BUSY), 0, 0, NONE_C, R(NONE)},
    {"done, nothing to recycle", S(BUSY), NONE_C, R(NONE), EV(DONE), SERVING, S(IDLE), 0, 0, NONE_C, R(NONE)},
    {"done past the soft memory limit: hands over", S(BUSY), NONE_C, R(NONE), EV(DONE), MEMORY_PAST_SOFT,
     S(HANDOVER_IDLE), DO(REPLACE) | DO(RECYCLED), 0, RECYC_C, R(MEMORY)},
    {"done at its request limit: goes", S(BUSY), NONE_C, R(NONE), EV(DONE), REQUESTS_REACHED, S(LEAVING),
     DO(DISMISS) | DO(REPLACE) | DO(RECYCLED), 0, RECYC_C, R(REQUESTS)},
    {"done past its age: goes", S(BUSY), NONE_C, R(NONE), EV(DONE), OLD, S(LEAVING),
     DO(DISMISS) | DO(REPLACE) | DO(RECYCLED), 0, RECYC_C, R(TTL)},
    {"done while its generation no longer serves", S(BUSY), NONE_C, R(NONE), EV(DONE), RETIRED, S(LEAVING), DO(DISMISS),
     0, RET_C, R(NONE)},
    {"done, closing", S(BUSY), NONE_C, R(NONE), EV(DONE_CLOSING), SERVING, S(CLOSED), DO(CLOSE) | DO(REPLACE), 0,
     CLOS_C, R(NONE)},
    {"idle too long", S(IDLE), NONE_C, R(NONE), EV(TICK), IDLE_LONG, S(HANDOVER_IDLE), DO(REPLACE) | DO(RECYCLED), 0,
     RECYC_C, R(IDLE)},
    {"idle and old", S(IDLE), NONE_C, R(NONE), EV(TICK), OLD, S(HANDOVER_IDLE), DO(REPLACE) | DO(RECYCLED), 0, RECYC_C,
     R(TTL)},
    {"idle, nothing due", S(IDLE), NONE_C, R(NONE), EV(TICK), SERVING, S(IDLE), 0, 0, NONE_C, R(NONE)},
    {"idle in a retired generation: the tick leaves it", S(IDLE), NONE_C, R(NONE), EV(TICK), RETIRED, S(IDLE), 0, 0,
     NONE_C, R(NONE)},
    {"busy past the hard limit", S(BUSY), NONE_C, R(NONE), EV(TICK), HARD_BREACH, S(CLOSED),
     DO(KILL) | DO(CLOSE) | DO(LOSE) | DO(REPLACE) | DO(RECYCLED), 503, RECYC_C, R(MEMORY_HARD)},
    {"busy at the hard limit", S(BUSY), NONE_C, R(NONE), EV(TICK), HARD_OK, S(BUSY), 0, 0, NONE_C, R(NONE)},
    {"crash while idle", S(IDLE), NONE_C, R(NONE), EV(LOST), SERVING, S(CLOSED),
     DO(CLOSE) | DO(KILL) | DO(LOSE) | DO(REPLACE_CRASHED), 502, FAIL_C, R(NONE)},
    {"crash while busy, reported by its exit", S(BUSY), NONE_C, R(NONE), EV(EXITED), SERVING, S(EXITED),
     DO(CLOSE) | DO(FORGET) | DO(LOSE) | DO(REPLACE_CRASHED) | DO(REPORT_EXIT), 502, FAIL_C, R(NONE)},
    {"a crashed worker's exit", S(CLOSED), FAIL_C, R(NONE), EV(EXITED), SERVING, S(EXITED),
     DO(REPORT_EXIT) | DO(FORGET), 0, FAIL_C, R(NONE)},
    {"crash in a retired generation: not replaced", S(IDLE), NONE_C, R(NONE), EV(LOST), RETIRED, S(CLOSED),
     DO(CLOSE) | DO(KILL) | DO(LOSE), 502, FAIL_C, R(NONE)},
    /* handing over */
    {"handing over, takes a request", S(HANDOVER_IDLE), RECYC_C, R(MEMORY), EV(TOOK), SERVING, S(HANDOVER_BUSY), 0, 0,
     RECYC_C, R(MEMORY)},
    {"handing over for memory, done", S(HANDOVER_BUSY), RECYC_C, R(MEMORY), EV(DONE), SERVING, S(HANDOVER_IDLE), 0, 0,
     RECYC_C, R(MEMORY)},
    {"handing over for age, done: goes", S(HANDOVER_BUSY), RECYC_C, R(TTL), EV(DONE), SERVING, S(LEAVING), DO(DISMISS),
     0, RECYC_C, R(TTL)},
    {"replacement ready while free", S(HANDOVER_IDLE), RECYC_C, R(MEMORY), EV(REPLACEMENT_READY), SERVING, S(LEAVING),
     DO(DISMISS), 0, RECYC_C, R(MEMORY)},
    {"replacement ready while busy", S(HANDOVER_BUSY), RECYC_C, R(MEMORY), EV(REPLACEMENT_READY), SERVING, S(RETIRING),
     0, 0, RECYC_C, R(MEMORY)},
    {"last request done", S(RETIRING), RECYC_C, R(MEMORY), EV(DONE), SERVING, S(LEAVING), DO(DISMISS), 0, RECYC_C,
     R(MEMORY)},
    {"handing over, crashes: already replaced", S(HANDOVER_BUSY), RECYC_C, R(MEMORY), EV(LOST), SERVING, S(CLOSED),
     DO(CLOSE) | DO(KILL) | DO(LOSE), 502, RECYC_C, R(MEMORY)},
    {"a recycled worker's exit is not reported", S(CLOSED), RECYC_C, R(MEMORY), EV(EXITED), SERVING, S(EXITED),
     DO(FORGET), 0, RECYC_C, R(MEMORY)},
    {"handing over past the hard limit: not replaced twice", S(HANDOVER_BUSY), RECYC_C, R(MEMORY), EV(TICK),
     HARD_BREACH, S(CLOSED), DO(KILL) | DO(CLOSE) | DO(LOSE) | DO(RECYCLED), 503, RECYC_C, R(MEMORY_HARD)},
    {"replacement ready for a serving worker: nothing", S(IDLE), NONE_C, R(NONE), EV(REPLACEMENT_READY), SERVING,
     S(IDLE), 0, 0, NONE_C, R(NONE)},
    /* draining */
    {"drained while free", S(IDLE), NONE_C, R(NONE), EV(DISMISS), RETIRED, S(LEAVING), DO(DISMISS), 0, RET_C, R(NONE)},
    {"drained while handing over", S(HANDOVER_IDLE), RECYC_C, R(MEMORY), EV(DISMISS), RETIRED, S(LEAVING), DO(DISMISS),
     0, RECYC_C, R(MEMORY)},
    {"drained while busy", S(BUSY), NONE_C, R(NONE), EV(DISMISS), RETIRED, S(RETIRING), DO(LEAVE_FLAG), 0, RET_C,
     R(NONE)},
    {"let go, then took a request", S(LEAVING), RET_C, R(NONE), EV(TOOK), RETIRED, S(LEAVING_BUSY), 0, 0, RET_C,
     R(NONE)},
    {"let go, answered what it took", S(LEAVING_BUSY), RET_C, R(NONE), EV(DONE), RETIRED, S(LEAVING), 0, 0, RET_C,
     R(NONE)},
    {"let go, closing", S(LEAVING_BUSY), RET_C, R(NONE), EV(DONE_CLOSING), RETIRED, S(CLOSED), DO(CLOSE), 0, RET_C,
     R(NONE)},
    {"let go, exits", S(LEAVING), RET_C, R(NONE), EV(EXITED), RETIRED, S(EXITED), DO(CLOSE) | DO(FORGET) | DO(LOSE),
     502, RET_C, R(NONE)},
    {"dismissing one that is leaving changes nothing", S(LEAVING), RET_C, R(NONE), EV(DISMISS), RETIRED, S(LEAVING), 0,
     0, RET_C, R(NONE)},
    /* timeouts */
    {"request timeout", S(BUSY), NONE_C, R(NONE), EV(TIMEOUT), SERVING, S(RETIRING),
     DO(BACKTRACE) | DO(ARM_KILL) | DO(LEAVE_FLAG) | DO(REPLACE), 0, TIME_C, R(NONE)},
    {"request timeout while handing over", S(HANDOVER_BUSY), RECYC_C, R(MEMORY), EV(TIMEOUT), SERVING, S(RETIRING),
     DO(BACKTRACE) | DO(ARM_KILL) | DO(LEAVE_FLAG), 0, RECYC_C, R(MEMORY)},
    {"request timeout after it finished", S(IDLE), NONE_C, R(NONE), EV(TIMEOUT), SERVING, S(IDLE), 0, 0, NONE_C,
     R(NONE)},
    {"timeout's kill", S(RETIRING), TIME_C, R(NONE), EV(KILL), SERVING, S(CLOSED), DO(KILL) | DO(CLOSE) | DO(LOSE), 504,
     TIME_C, R(NONE)},
    {"timeout's kill after it was closed", S(CLOSED), TIME_C, R(NONE), EV(KILL), SERVING, S(CLOSED), DO(KILL), 0,
     TIME_C, R(NONE)},
    {"timeout's kill after its exit", S(EXITED), TIME_C, R(NONE), EV(KILL), SERVING, S(EXITED), 0, 0, TIME_C, R(NONE)},
    {"a timed-out worker's exit is not reported", S(CLOSED), TIME_C, R(NONE), EV(EXITED), SERVING, S(EXITED),
     DO(FORGET), 0, TIME_C, R(NONE)},
    /* a pool above its minimum */
    {"surplus, idle past --max-idle-time: goes, not replaced", S(IDLE), NONE_C, R(NONE), EV(TICK), SURPLUS_IDLE_LONG,
     S(LEAVING), DO(DISMISS), 0, SHRK_C, R(NONE)},
    {"surplus, idle up to --max-idle-time: stays", S(IDLE), NONE_C, R(NONE), EV(TICK), SURPLUS_IDLE_SHORT, S(IDLE), 0,
     0, NONE_C, R(NONE)},
    {"surplus under memory pressure: goes at once", S(IDLE), NONE_C, R(NONE), EV(TICK), SURPLUS_NOW, S(LEAVING),
     DO(DISMISS), 0, SHRK_C, R(NONE)},
    {"idle long but not surplus: stays", S(IDLE), NONE_C, R(NONE), EV(TICK), IDLE_LONG_NOT_SURPLUS, S(IDLE), 0, 0,
     NONE_C, R(NONE)},
    {"surplus while busy: the tick leaves it", S(BUSY), NONE_C, R(NONE), EV(TICK), SURPLUS_NOW, S(BUSY), 0, 0, NONE_C,
     R(NONE)},
    {"surplus in a retired generation: the tick leaves it", S(IDLE), NONE_C, R(NONE), EV(TICK), RETIRED, S(IDLE), 0, 0,
     NONE_C, R(NONE)},
    {"a shrunk worker's exit: not reported, not replaced", S(CLOSED), SHRK_C, R(NONE), EV(EXITED), SERVING, S(EXITED),
     DO(FORGET), 0, SHRK_C, R(NONE)},
    {"a shrunk worker that leaves: its socket closes", S(LEAVING), SHRK_C, R(NONE), EV(LOST), SERVING, S(CLOSED),
     DO(CLOSE) | DO(KILL) | DO(LOSE), 502, SHRK_C, R(NONE)},
    /* memory pressure */
    {"pressure, idle: goes, replaced after its exit", S(IDLE), NONE_C, R(NONE), EV(RELIEVE), SERVING, S(LEAVING),
     DO(DISMISS) | DO(RECYCLED), 0, RECYC_C, R(PRESSURE)},
    {"pressure, busy: its last request", S(BUSY), NONE_C, R(NONE), EV(RELIEVE), SERVING, S(RETIRING),
     DO(LEAVE_FLAG) | DO(RECYCLED), 0, RECYC_C, R(PRESSURE)},
    {"pressure, its last request done", S(RETIRING), RECYC_C, R(PRESSURE), EV(DONE), SERVING, S(LEAVING), DO(DISMISS),
     0, RECYC_C, R(PRESSURE)},
    {"pressure-recycled, its socket closes", S(LEAVING), RECYC_C, R(PRESSURE), EV(LOST), SERVING, S(CLOSED),
     DO(CLOSE) | DO(KILL) | DO(LOSE), 502, RECYC_C, R(PRESSURE)},
    {"pressure-recycled, exited: replaced now", S(CLOSED), RECYC_C, R(PRESSURE), EV(EXITED), SERVING, S(EXITED),
     DO(FORGET) | DO(REPLACE), 0, RECYC_C, R(PRESSURE)},
    {"pressure-recycled, exit seen first: replaced now", S(LEAVING), RECYC_C, R(PRESSURE), EV(EXITED), SERVING,
     S(EXITED), DO(CLOSE) | DO(FORGET) | DO(LOSE) | DO(REPLACE), 502, RECYC_C, R(PRESSURE)},
    {"pressure-recycled in a generation that stopped: not replaced", S(CLOSED), RECYC_C, R(PRESSURE), EV(EXITED),
     RETIRED, S(EXITED), DO(FORGET), 0, RECYC_C, R(PRESSURE)},
    {"pressure while handing over: it stops serving now", S(HANDOVER_IDLE), RECYC_C, R(MEMORY), EV(RELIEVE), SERVING,
     S(LEAVING), DO(DISMISS), 0, RECYC_C, R(MEMORY)},
    {"pressure while handing over, busy", S(HANDOVER_BUSY), RECYC_C, R(MEMORY), EV(RELIEVE), SERVING, S(RETIRING),
     DO(LEAVE_FLAG), 0, RECYC_C, R(MEMORY)},
    {"pressure on one going already: nothing", S(RETIRING), TIME_C, R(NONE), EV(RELIEVE), SERVING, S(RETIRING), 0, 0,
     TIME_C, R(NONE)},
    {"pressure on one booting: nothing", S(BOOTING), NONE_C, R(NONE), EV(RELIEVE), SERVING, S(BOOTING), 0, 0, NONE_C,
     R(NONE)},
    {"pressure in a retired generation: nothing", S(IDLE), NONE_C, R(NONE), EV(RELIEVE), RETIRED, S(IDLE), 0, 0, NONE_C,
     R(NONE)},
    /* stopping */
    {"stopped while busy", S(BUSY), NONE_C, R(NONE), EV(STOP), RETIRED, S(CLOSED), DO(CLOSE) | DO(LOSE), 503, RET_C,
     R(NONE)},
    {"stopped while free", S(IDLE), NONE_C, R(NONE), EV(STOP), RETIRED, S(CLOSED), DO(CLOSE), 0, RET_C, R(NONE)},
    {"stopped after it closed", S(CLOSED), FAIL_C, R(NONE), EV(STOP), RETIRED, S(CLOSED), 0, 0, FAIL_C, R(NONE)},
    {"a stopped worker's exit is not reported", S(CLOSED), RET_C, R(NONE), EV(EXITED), RETIRED, S(EXITED), DO(FORGET),
     0, RET_C, R(NONE)},
};

static void
test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const row_t *r = &rows[i];
        keel_worker_facts_t f = facts(r->variant);
        keel_worker_life_t life = {r->from, r->cause, r->reason};
        keel_worker_step_t st = keel_worker_step(life, r->ev, &f);
        if (st.life.state != r->to || st.actions != r->actions || st.invalid ||
            (r->actions & DO(LOSE) && st.status != r->status) || st.life.cause != r->to_cause ||
            st.life.reason != r->to_reason) {
            print_error("row %zu (%s): got %s actions %#x status %d cause %d reason %d invalid %d\n", i, r->what,
                        keel_worker_state_name(st.life.state), st.actions, st.status, st.life.cause, st.life.reason,
                        st.invalid);
            fail();
        }
    }
}

static void
test_invalid_events(void **state)
{
    (void)state;
    keel_worker_facts_t f = facts(SERVING);
    const struct {
        keel_worker_state_t s;
        keel_worker_event_t ev;
    } bad[] = {
        {S(IDLE), EV(SOCKET_UP)},   {S(IDLE), EV(READY)},       {S(BUSY), EV(TOOK)},
        {S(BOOTING), EV(TOOK)},     {S(IDLE), EV(DONE)},        {S(LEAVING), EV(DONE_CLOSING)},
        {S(IDLE), EV(NOT_STARTED)}, {S(CLOSED), EV(SOCKET_UP)},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        keel_worker_step_t st = keel_worker_step((keel_worker_life_t){.state = bad[i].s}, bad[i].ev, &f);
        assert_true(st.invalid);
        assert_int_equal(st.life.state, bad[i].s);
        assert_int_equal(st.actions, 0);
    }
}

/* Random lives: whatever happens, a worker is replaced at most once, it
 * is forgotten at most once and only at the end, nothing happens after
 * that, and it is on the idle list only in a free state. */
static void
test_random_lives(void **state)
{
    (void)state;
    uint64_t seed = 42;
    for (int life_no = 0; life_no < 20000; life_no++) {
        keel_worker_life_t life = {.state = S(STARTING)};
        int variant = (int)(test_next_random(&seed) % VARIANTS);
        keel_worker_facts_t f = facts(variant);
        unsigned replaced = 0, forgotten = 0;
        for (int step = 0; step < 40; step++) {
            keel_worker_event_t ev = (keel_worker_event_t)(test_next_random(&seed) % KEEL_WORKER_EVENTS);
            keel_worker_step_t st = keel_worker_step(life, ev, &f);
            assert_true((unsigned)st.life.state < KEEL_WORKER_STATES);
            if (st.invalid) {
                assert_int_equal(st.life.state, life.state);
                continue;
            }
            if (forgotten) {
                assert_int_equal(st.actions, 0);
                assert_int_equal(st.life.state, S(EXITED));
            }
            replaced += (st.actions & (DO(REPLACE) | DO(REPLACE_CRASHED))) != 0;
            forgotten += (st.actions & DO(FORGET)) != 0;
            if (st.actions & DO(FORGET))
                assert_int_equal(st.life.state, S(EXITED));
            if (st.actions & (DO(REPLACE) | DO(REPLACE_CRASHED)))
                assert_true(f.serving);
            /* a cause, once set, stays */
            if (life.cause != KEEL_WORKER_CAUSE_NONE)
                assert_int_equal(st.life.cause, life.cause);
            life = st.life;
        }
        assert_true(replaced <= 1);
        assert_true(forgotten <= 1);
    }
}

static void
test_frames_allowed(void **state)
{
    (void)state;
    assert_true(keel_worker_frame_allowed(S(BOOTING), KEEL_IPC_WORKER_READY, 0, 0));
    assert_true(keel_worker_frame_allowed(S(LEAVING), KEEL_IPC_BOOT_FAILED, 0, 0));
    assert_false(keel_worker_frame_allowed(S(IDLE), KEEL_IPC_WORKER_READY, 0, 0));
    assert_false(keel_worker_frame_allowed(S(BOOTING), KEEL_IPC_WORKER_READY, 7, 0));
    /* response frames: only for the request bound to it */
    assert_true(keel_worker_frame_allowed(S(BUSY), KEEL_IPC_RESP_BODY, 7, 7));
    assert_true(keel_worker_frame_allowed(S(LEAVING_BUSY), KEEL_IPC_REQ_DONE, 7, 7));
    assert_false(keel_worker_frame_allowed(S(BUSY), KEEL_IPC_RESP_BODY, 8, 7));
    assert_false(keel_worker_frame_allowed(S(IDLE), KEEL_IPC_RESP_HEAD, 7, 0));
    assert_false(keel_worker_frame_allowed(S(BUSY), KEEL_IPC_RESP_HEAD, 0, 0));
    /* front-to-worker and zygote messages never come from a worker */
    assert_false(keel_worker_frame_allowed(S(BUSY), KEEL_IPC_REQUEST, 7, 7));
    assert_false(keel_worker_frame_allowed(S(BUSY), KEEL_IPC_SPAWN, 7, 7));
}

static void
test_predicates_and_names(void **state)
{
    (void)state;
    for (int s = 0; s < KEEL_WORKER_STATES; s++) {
        keel_worker_state_t st = (keel_worker_state_t)s;
        /* free and busy never overlap; both serve, except leaving */
        assert_false(keel_worker_state_is_free(st) && keel_worker_state_is_busy(st));
        if (keel_worker_state_is_ready(st))
            assert_true(keel_worker_state_serves(st));
        assert_string_not_equal(keel_worker_state_name(st), "unknown");
    }
    assert_false(keel_worker_state_serves(S(LEAVING)));
    assert_true(keel_worker_state_serves(S(LEAVING_BUSY)));
    assert_false(keel_worker_state_holds_generation(S(CLOSED)));
    assert_true(keel_worker_state_holds_generation(S(CANCELLED)));
    assert_true(keel_worker_wants_private_figure(S(RETIRING), &limits));
    assert_false(keel_worker_wants_private_figure(S(IDLE), &limits));
    assert_false(keel_worker_wants_private_figure(S(BUSY), NULL));
    for (int e = 0; e < KEEL_WORKER_EVENTS; e++)
        assert_string_not_equal(keel_worker_event_name((keel_worker_event_t)e), "unknown");
    assert_string_equal(keel_worker_state_name(KEEL_WORKER_STATES), "unknown");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_invalid_events),
        cmocka_unit_test(test_random_lives),
        cmocka_unit_test(test_frames_allowed),
        cmocka_unit_test(test_predicates_and_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
