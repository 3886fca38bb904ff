/*
 * A generation's pool rules: when a worker that went away is started
 * again, when a pool gives up, and when a generation may start workers at
 * all. Pure decisions over small counters (as FPM's crash window and its
 * can-spawn predicate, without the I/O): src/front/pool.c keeps the
 * counters, asks, and carries out the answer.
 */
#ifndef KEEL_SUPERVISOR_POOL_POLICY_H
#define KEEL_SUPERVISOR_POOL_POLICY_H

#include <stdbool.h>
#include <stdint.h>

/* The two kinds of worker, each with its own idle list, queue and rules. */
typedef enum {
    KEEL_POOL_CLASSIC = 0, /* a full PHP request per request */
    KEEL_POOL_WORKER = 1,  /* --worker: the booted script handles requests */
} keel_pool_kind_t;
#define KEEL_POOL_KINDS 2

/* "classic", "worker-mode" */
const char *keel_pool_name(keel_pool_kind_t kind);

/* A generation's life. */
typedef enum {
    KEEL_GEN_STARTING, /* zygote or workers booting; not serving yet */
    KEEL_GEN_ACTIVE,   /* serving new requests */
    KEEL_GEN_DRAINING, /* replaced: finishing in-flight requests */
    KEEL_GEN_STOPPING, /* its zygote was told to go */
    KEEL_GEN_GONE,     /* its zygote exited; freed soon */
    KEEL_GEN_STATES
} keel_gen_state_t;

/* Whether a generation in state s starts workers (and so replaces the ones
 * that go): while it starts and while it serves, never once retired. */
bool keel_gen_may_spawn(keel_gen_state_t s);
/* "starting", "active", ... */
const char *keel_gen_state_name(keel_gen_state_t s);

/* Workers going away on their own this many times within the window is a
 * crash loop: restarts then wait, with a growing delay. */
#define KEEL_CRASH_WINDOW_MS     10000
#define KEEL_CRASH_WINDOW_DEATHS 5

typedef struct {
    uint64_t deaths[KEEL_CRASH_WINDOW_DEATHS]; /* when the last ones went (ring; 0: none) */
    unsigned next;
    unsigned streak; /* consecutive restarts inside the window, for the backoff */
} keel_crash_window_t;

/* Per kind, what the pool has seen of its workers starting. */
typedef struct {
    unsigned boot_failures;  /* workers in a row that went before they were ready */
    unsigned spawn_failures; /* spawns in a row the zygote could not fork */
    bool given_up;           /* too many boot failures: no more restarts */
} keel_pool_counts_t;

typedef enum {
    KEEL_POOL_SPAWN_NOW,       /* start a worker at once */
    KEEL_POOL_SPAWN_LATER,     /* start one after delay_ms */
    KEEL_POOL_FAIL_GENERATION, /* the starting generation cannot start: abandon it */
    KEEL_POOL_GIVE_UP,         /* the serving pool stops restarting: its waiting requests get 503 */
    KEEL_POOL_NOTHING,         /* nothing to do (already given up, or not starting workers) */
} keel_pool_verdict_t;

typedef struct {
    keel_pool_verdict_t verdict;
    uint64_t delay_ms; /* with SPAWN_LATER */
    unsigned count;    /* the failures (or deaths) the verdict is about, for the log */
    bool crash_loop;   /* SPAWN_LATER because of the crash window */
} keel_pool_decision_t;

/* A serving worker went away on its own at now_ms (crash, protocol error):
 * its replacement starts at once, unless KEEL_CRASH_WINDOW_DEATHS went
 * within KEEL_CRASH_WINDOW_MS; then after a delay that doubles with each
 * such restart in a row. */
keel_pool_decision_t keel_pool_on_crash(keel_crash_window_t *w, uint64_t now_ms);

/* A worker went before it was ready (the worker script failed to boot, PHP
 * could not start it). Retries with a doubling delay; after
 * max_consecutive in a row, a starting generation fails and a serving pool
 * gives up (once). */
keel_pool_decision_t keel_pool_on_boot_failure(keel_pool_counts_t *c, keel_gen_state_t gen, unsigned max_consecutive);

/* The zygote could not fork a worker: says nothing about the PHP code
 * (the machine was out of processes or memory, which passes). While the
 * generation starts it counts as a boot failure; a serving one retries
 * with a growing delay and serves with the workers it has meanwhile. */
keel_pool_decision_t keel_pool_on_spawn_failure(keel_pool_counts_t *c, keel_gen_state_t gen, unsigned max_consecutive);

/* A worker became ready: the failure counts start again. */
void keel_pool_on_ready(keel_pool_counts_t *c);

#endif
