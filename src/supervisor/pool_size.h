/*
 * A pool that breathes: how many workers a pool of one kind runs between
 * its minimum (--workers) and its ceiling (--max-workers). More start
 * when requests wait that no free or starting worker will take, at a
 * rate that doubles with each round in a row that needed them (1, 2, 4,
 * ... up to KEEL_POOL_MAX_SPAWN_RATE per round of KEEL_POOL_ROUND_MS, as
 * PHP-FPM's dynamic pool does per second), never past what the memory
 * budget allows now, and not at all beyond the minimum under memory
 * pressure. Workers above the minimum that stay idle past
 * --max-idle-time leave without a replacement (the worker's own rule,
 * supervisor/worker_fsm.h; this says how many may). Pure: src/front/pool.c
 * counts, asks and carries it out.
 */
#ifndef KEEL_SUPERVISOR_POOL_SIZE_H
#define KEEL_SUPERVISOR_POOL_SIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEEL_POOL_ROUND_MS       200
#define KEEL_POOL_MAX_SPAWN_RATE 32

typedef struct {
    unsigned min, max; /* --workers, --max-workers (max >= min) */
    unsigned live;     /* its workers that are not going: starting, booting, idle or busy */
    unsigned starting; /* of them, not ready yet */
    size_t idle;       /* free ones, as the front knows them */
    size_t waiting;    /* requests waiting for a worker of this pool */
    unsigned room;     /* workers of this pool the memory budget allows now; UINT_MAX: no bound */
    bool hold;         /* memory pressure: no worker beyond the minimum */
    uint64_t now_ms;
} keel_pool_size_in_t;

typedef enum {
    KEEL_POOL_SIZE_STEADY,   /* nothing waits that a worker will not take */
    KEEL_POOL_SIZE_GROW,     /* `spawn` more */
    KEEL_POOL_SIZE_RATE,     /* more are needed, after this round */
    KEEL_POOL_SIZE_AT_MAX,   /* more are needed: at --max-workers */
    KEEL_POOL_SIZE_NO_ROOM,  /* more are needed: the memory budget has no room */
    KEEL_POOL_SIZE_PRESSURE, /* more are needed: memory pressure holds the pool at its minimum */
    KEEL_POOL_SIZE_WHYS
} keel_pool_size_why_t;

/* What the rounds so far were. */
typedef struct {
    uint64_t last_round_ms; /* 0: none yet */
    unsigned streak;        /* rounds in a row that started workers */
} keel_pool_growth_t;

typedef struct {
    keel_pool_size_why_t why;
    unsigned spawn;   /* workers to start now */
    unsigned need;    /* requests no free or starting worker will take */
    unsigned surplus; /* live workers above the minimum: that many idle ones may leave */
    unsigned ceiling; /* the most this pool may run now */
} keel_pool_size_t;

keel_pool_size_t keel_pool_size_decide(keel_pool_growth_t *g, const keel_pool_size_in_t *in);

/* A worker recycled for memory pressure has exited: whether it is
 * replaced. Not while pressure holds the pool and it still runs its
 * minimum (live: its workers not going): the replacement would only be
 * let go again. */
bool keel_pool_size_replace(unsigned live, unsigned min, bool hold);

/* "steady", "grow", "rate", "at --max-workers", "no room in the memory budget", "memory pressure" */
const char *keel_pool_size_why_name(keel_pool_size_why_t why);

#endif
