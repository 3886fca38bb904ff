/*
 * The admin listener: a separate HTTP listener (loopback by default) with
 * GET /status (JSON), GET /metrics (Prometheus text), GET /healthz and
 * /readyz (probes), POST /reload and a dashboard at GET /
 * (admin_dashboard.h). It
 * shares the front's event loop but not its routes, so nothing on the
 * public listener can reach it. Both pages render one snapshot of the
 * front (snapshot.h); what it needs of the front comes through
 * keel_admin_ops_t, so it knows nothing else of it. Who may ask is
 * decided by admin_guard.h: a bearer token (--admin-token), required when
 * the listener is reachable beyond loopback, and no cross-site requests.
 */
#ifndef KEEL_FRONT_ADMIN_H
#define KEEL_FRONT_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <h2o.h>

#include "common/config.h"
#include "common/token_file.h"
#include "front/admin_dashboard.h"
#include "front/snapshot.h"
#include "supervisor/readiness.h"

/* A reload's outcome: the new generation's number, or 0 and why not. */
typedef void (*keel_admin_reload_done)(void *data, uint32_t generation, const char *error);

typedef struct {
    /* Fills out, allocating from pool. */
    void (*snapshot)(void *owner, h2o_mem_pool_t *pool, keel_front_snapshot_t *out);
    /* Starts a reload; done(data, ...) hears its outcome. */
    void (*reload)(void *owner, keel_admin_reload_done done, void *data);
    /* The one waiting with data went away before the outcome. */
    void (*forget_reload)(void *owner, void *data);
    /* Whether keel is ready (GET /readyz). */
    void (*readiness)(void *owner, keel_readiness_t *out);
} keel_admin_ops_t;

typedef struct {
    h2o_globalconf_t conf;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    h2o_hostconf_t *host;   /* h2o names requests without Host after it */
    h2o_socket_t *listener; /* NULL when off */
    const keel_admin_ops_t *ops;
    void *owner;
    char token[KEEL_TOKEN_MAX + 1]; /* --admin-token's token */
    size_t token_len;               /* 0: none */
    uint64_t refused;               /* requests refused by admin_guard.h */
    keel_dashboard_t dashboard;
    bool read_only; /* the --metrics listener: /metrics, /healthz, /readyz */
} keel_admin_t;

/* Binds cfg->admin on loop. Returns 0 (also when off or when the default
 * address is taken, with a warning), or -1 with a message in err when an
 * address given with --admin cannot be used, the token file cannot be
 * read, or the address is reachable beyond loopback without a token. */
int keel_admin_start(keel_admin_t *a, h2o_loop_t *loop, const keel_config_t *cfg, const keel_admin_ops_t *ops,
                     void *owner, char *err, size_t errlen);

/* The read-only listener on cfg->metrics (--metrics): /metrics, /healthz
 * and /readyz, no token. Returns 0 (also when off), or -1 with a message
 * in err when the address cannot be used. */
int keel_admin_start_metrics(keel_admin_t *a, h2o_loop_t *loop, const keel_config_t *cfg, const keel_admin_ops_t *ops,
                             void *owner, char *err, size_t errlen);

/* Starts serving it (from the start: /healthz answers while the first
 * generation boots). */
void keel_admin_accept(keel_admin_t *a);

#endif
