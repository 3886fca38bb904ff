/*
 * A generation: a zygote — the front re-executes its own binary as `keel
 * zygote N <serve options>`, so PHP is initialised in a fresh process
 * image — with its OPcache, its request queues and its pool of workers.
 * It owns those three (zygote_link.h, handoff.h, pool.h), reports up to
 * its owner (the front) through keel_generation_events_t, and never calls
 * the front by name.
 *
 * Its life: STARTING (PHP and the workers boot, then the --warmup
 * request) -> ACTIVE (the front says so once it is ready) -> DRAINING
 * (replaced: what no worker took goes back to the front, workers finish
 * their request and go) -> STOPPING (its zygote is told to go, and with it
 * OPcache's shared memory) -> GONE (its zygote exited; freed). One that
 * cannot start stops without ever serving, and the one serving carries on.
 */
#ifndef KEEL_FRONT_GENERATION_H
#define KEEL_FRONT_GENERATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <h2o.h>

#include "front/env.h"
#include "front/handoff.h"
#include "front/pool.h"
#include "front/routing.h"
#include "front/warmup.h"
#include "front/zygote_link.h"
#include "supervisor/opcache_policy.h"
#include "supervisor/pool_policy.h"

typedef struct keel_generation_s keel_generation_t;

typedef struct {
    /* PHP is up in g's zygote and g->php holds its settings: return 0 to
     * let it start its workers, or -1 with a reason in why to abandon it. */
    int (*zygote_ready)(void *owner, keel_generation_t *g, char *why, size_t len);
    /* Every worker is ready, and the warm-up answered: g may serve. */
    void (*ready)(void *owner, keel_generation_t *g);
    /* g cannot start (g->failure says why); it is stopping already. */
    void (*start_failed)(void *owner, keel_generation_t *g);
    /* g's zygote exited (unexpected: nobody told it to); g is freed as
     * soon as this returns. */
    void (*gone)(void *owner, keel_generation_t *g, bool unexpected);
    /* A worker of g became free, or a queued request was bound. */
    void (*capacity)(void *owner, keel_generation_t *g);
    /* Requests no worker took, back from g's queue of `kind` (oldest first). */
    void (*returned)(void *owner, keel_generation_t *g, keel_pool_kind_t kind, h2o_linklist_t *jobs);
    /* g's pool of `kind` stopped restarting workers that fail to boot. */
    void (*given_up)(void *owner, keel_generation_t *g, keel_pool_kind_t kind);
    /* New OPcache figures in g->opcache_stats, or (reset_called) its
     * application called opcache_reset(). */
    void (*opcache)(void *owner, keel_generation_t *g, bool reset_called);
} keel_generation_events_t;

/* The PHP settings a zygote reports (PHP_INFO): what the memory budget and
 * the tmpfs watch need, as PHP has them with php.ini, conf.d and -d. */
typedef struct {
    uint64_t memory_limit;  /* bytes; UINT64_MAX for -1 */
    uint64_t opcache_bytes; /* memory_consumption + interned_strings_buffer, 0 if off */
    char temp_dir[256], upload_tmp_dir[256], session_save_path[256];
    double max_wasted_percentage;
} keel_php_settings_t;

struct keel_generation_s {
    keel_front_env_t *env;
    uint32_t number;
    keel_routing_t *routing; /* where it serves from, resolved when it started (held) */
    keel_gen_state_t state;
    pid_t zygote_pid; /* 0 once reaped */
    bool opcache;     /* OPcache is on in it */
    uint64_t started_ms;
    keel_zygote_link_t zygote;
    keel_handoff_t handoff;
    keel_pool_t pool;
    keel_warmup_t warmup;
    keel_php_settings_t php;
    keel_opcache_stats_t opcache_stats; /* the latest a worker reported */
    bool opcache_known;
    uint64_t opcache_hits, opcache_misses;
    char failure[512];   /* why it could not start */
    h2o_linklist_t link; /* in its owner's list */
    const keel_generation_events_t *events;
    void *owner;
};

/* Starts generation `number` serving from `routing` (it takes a
 * reference): its queues, and its zygote (fork + exec), which is given the
 * same resolved paths. Returns it, or NULL with a message in err. */
keel_generation_t *keel_generation_start(keel_front_env_t *env, uint32_t number, keel_routing_t *routing,
                                         const keel_generation_events_t *events, void *owner, char *err, size_t errlen);

/* It serves new requests from now on. */
void keel_generation_activate(keel_generation_t *g);
/* It was replaced: what no worker took goes back (events->returned), its
 * workers finish their request and go, and it stops once none is left. */
void keel_generation_drain(keel_generation_t *g);
/* Its zygote is told to go now: the requests its workers run get 503, and
 * what waits in its queues goes back (events->returned). */
void keel_generation_stop(keel_generation_t *g);
/* Its zygote exited with status (as from waitpid): reports gone, frees g. */
void keel_generation_reaped(keel_generation_t *g, int status);
/* Periodic: the workers' age, idle time and hard memory limit. */
void keel_generation_tick(keel_generation_t *g);

/* The generation whose queue job was sent into. */
keel_generation_t *keel_generation_of_queue(keel_handoff_t *queue);

#endif
