/*
 * The front: the root of what runs in `keel serve`. It owns the
 * generations (the one serving, the one starting to replace it, the ones
 * draining), the request queues in front of them (dispatch.h), the memory
 * budget and the OPcache watch, and decides the switch from one
 * generation to the next. Generations report to it through
 * keel_generation_events_t; it reports to the process around it (server.c)
 * through keel_front_hooks_t.
 *
 *   server.c ─ front.c ─┬─ dispatch.c ─── (the serving generation's pool)
 *                        ├─ generation.c ─┬─ zygote_link.c
 *                        │                ├─ handoff.c
 *                        │                ├─ warmup.c
 *                        │                └─ pool.c ─── worker.c
 *                        ├─ memory.c, opcache_watch.c
 *                        └─ snapshot.c (what /status and /metrics show)
 *
 * See docs/architecture.md.
 */
#ifndef KEEL_FRONT_FRONT_H
#define KEEL_FRONT_FRONT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <h2o.h>

#include "common/config.h"
#include "front/dispatch.h"
#include "front/env.h"
#include "front/generation.h"
#include "front/memory.h"
#include "front/opcache_watch.h"
#include "front/params.h"
#include "front/php_request.h"
#include "front/priority.h"
#include "front/route.h"
#include "supervisor/readiness.h"

typedef enum {
    KEEL_FRONT_STARTING, /* no generation has served yet: the first boots, or keeps failing and is retried */
    KEEL_FRONT_SERVING,
    KEEL_FRONT_DRAINING, /* SIGTERM: no new connections, in-flight requests finish */
    KEEL_FRONT_STOPPING, /* generations told to go; waiting for their zygotes to exit */
    KEEL_FRONT_DONE,
} keel_front_state_t;

/* Someone waiting for a reload's outcome (an admin request): the new
 * generation's number, or 0 and why it failed. */
typedef void (*keel_reload_cb)(void *data, uint32_t generation, const char *error);

/* What the front tells the process it runs in. */
typedef struct {
    /* The first generation serves: start accepting. */
    void (*first_ready)(void *owner);
    /* keel cannot serve with this configuration (the memory budget does
     * not fit; logged): stop, exit_code set. A generation that merely
     * fails to start is retried instead, and keel stays up, not ready. */
    void (*startup_failed)(void *owner);
    /* While stopping, the last generation is gone. */
    void (*all_gone)(void *owner);
    /* No PHP request is in flight any more. */
    void (*requests_done)(void *owner);
} keel_front_hooks_t;

typedef struct keel_front_s {
    keel_config_t cfg;
    keel_front_env_t env; /* lent to everything below; env.cfg is &cfg */
    keel_front_state_t state;
    int exit_code;
    keel_router_t router;
    keel_params_ctx_t params;
    keel_priority_t priority;
    keel_dispatch_t dispatch;
    keel_php_ctx_t php;
    keel_memory_t memory;
    keel_opcache_watch_t opcache_watch;
    h2o_linklist_t generations;  /* keel_generation_t by link, oldest first */
    keel_generation_t *active;   /* serves new requests */
    keel_generation_t *incoming; /* starting, to replace active */
    uint32_t last_generation;
    /* No generation serves and the last start failed: the next start is
     * due at retry_at_ms (the pool's backoff over failed_starts). */
    unsigned failed_starts;
    uint64_t retry_at_ms; /* 0: none pending */
    h2o_timeout_entry_t retry_entry;
    bool stop_requested;      /* SIGTERM or SIGINT arrived: not ready from then on */
    keel_reload_cb reload_cb; /* who waits for the reload under way */
    void *reload_data;
    const keel_front_hooks_t *hooks;
    void *hooks_owner;
} keel_front_t;

/* Wires f's parts together once cfg, router, params and priority are
 * filled and env.loop exists (the timeouts are initialised here). */
void keel_front_init(keel_front_t *f, const keel_front_hooks_t *hooks, void *hooks_owner);

/* Starts the first generation. Returns 0, or -1 with a message in err. */
int keel_front_start(keel_front_t *f, char *err, size_t errlen);

/* Starts generation N+1 (SIGHUP, admin, --watch, OPcache); cb (if any)
 * hears the outcome. One at a time: a second request while one is under
 * way waits for the same one. Refused, with the reason, while
 * --max-draining old generations still drain. While no generation serves
 * and a retry is pending, it starts one now. */
void keel_front_reload(keel_front_t *f, const char *why, keel_reload_cb cb, void *data);
/* The one waiting with data left (its client went away). */
void keel_front_forget_reload_waiter(keel_front_t *f, void *data);

/* Stopping: requests waiting in the front get 503 and every generation is
 * told to go; hooks->all_gone follows once their zygotes have exited. */
void keel_front_stop(keel_front_t *f);

/* A child exited (SIGCHLD): returns true when it was one of the zygotes. */
bool keel_front_reaped(keel_front_t *f, pid_t pid, int status);

/* Whether f is ready to take traffic, and why (supervisor/readiness.h). */
void keel_front_readiness(const keel_front_t *f, keel_readiness_t *out);

/* Periodic: workers' age, idle time and hard memory limit; memory figures. */
void keel_front_tick(keel_front_t *f);

#endif
