/*
 * When to replace a worker: a pure decision from what the front observes
 * (request count, private memory, age, idle time) and the configured
 * limits. The front acts on the answer; nothing here touches a process.
 */
#ifndef KEEL_SUPERVISOR_RECYCLE_H
#define KEEL_SUPERVISOR_RECYCLE_H

#include <stdint.h>

typedef enum {
    KEEL_RECYCLE_NONE = 0,
    KEEL_RECYCLE_REQUESTS,    /* served its (jittered) max_requests */
    KEEL_RECYCLE_MEMORY,      /* private memory past max_worker_memory: graceful */
    KEEL_RECYCLE_MEMORY_HARD, /* past max_worker_memory_hard: kill at once */
    KEEL_RECYCLE_TTL,         /* older than ttl */
    KEEL_RECYCLE_IDLE,        /* idle longer than idle_ttl */
    KEEL_RECYCLE_PRESSURE,    /* the container nears its memory limit and it grew most (supervisor/pressure.h) */
    KEEL_RECYCLE_REASONS      /* count, for per-reason counters */
} keel_recycle_reason_t;

/* Every limit is off when 0. */
typedef struct {
    uint64_t max_requests;
    uint64_t max_requests_jitter;
    uint64_t max_worker_memory;      /* bytes of private memory */
    uint64_t max_worker_memory_hard; /* bytes of private memory */
    uint64_t ttl_ms;
    uint64_t idle_ttl_ms;
} keel_recycle_limits_t;

typedef struct {
    uint64_t requests;      /* requests served so far */
    uint64_t request_limit; /* this worker's draw from keel_recycle_request_limit(), 0 = none */
    uint64_t private_bytes; /* latest private memory figure */
    uint64_t started_ms;    /* when it became ready (monotonic ms) */
    uint64_t idle_since_ms; /* when it last became idle; 0 while busy */
} keel_worker_obs_t;

/*
 * The reason to recycle now, or KEEL_RECYCLE_NONE. When several apply, the
 * most urgent wins: MEMORY_HARD, then MEMORY, REQUESTS, TTL, IDLE.
 * Memory, ttl and idle must be strictly past their limit; requests trigger
 * once requests >= request_limit (or >= max_requests when the worker has
 * no draw). IDLE needs idle_since_ms != 0; max_requests = 0 turns the
 * request limit off whatever the worker drew.
 */
keel_recycle_reason_t keel_recycle_decide(const keel_recycle_limits_t *limits, const keel_worker_obs_t *obs,
                                          uint64_t now_ms);

/*
 * A worker's own request limit: max_requests minus a draw in [0, jitter]
 * taken from `random` (any 64-bit random number), so workers started
 * together do not all restart together. 0 when max_requests is 0; never
 * below 1 otherwise (a jitter >= max_requests draws in [0, max_requests - 1]).
 */
uint64_t keel_recycle_request_limit(uint64_t max_requests, uint64_t jitter, uint64_t random);

/* "requests", "memory", "memory_hard", "ttl", "idle", "pressure" (metrics labels);
 * "none" for KEEL_RECYCLE_NONE, "unknown" out of range. */
const char *keel_recycle_reason_name(keel_recycle_reason_t reason);

#endif
