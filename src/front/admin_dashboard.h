/*
 * The dashboard on the admin listener: GET / (a page), /assets/NAME (its
 * script, style sheet and icon, built into keel: front/dashboard/) and
 * GET /dashboard.json (its data: dashboard_data.h). It keeps the last
 * minutes in a sample ring, filled once a second from the same snapshot
 * as /status, so a page opened now shows them at once; the events come
 * with the snapshot (event_log.h).
 *
 * The page and its files hold no data and need no token; the data does
 * (admin_guard.h decides). Every answer forbids caching, sniffing, framing
 * and loading anything from elsewhere (docs/security.md, "Dashboard").
 */
#ifndef KEEL_FRONT_ADMIN_DASHBOARD_H
#define KEEL_FRONT_ADMIN_DASHBOARD_H

#include <stdbool.h>

#include <h2o.h>

#include "front/sample_ring.h"
#include "front/snapshot.h"

/* One sample a second, five minutes of them. */
#define KEEL_DASHBOARD_INTERVAL_MS 1000
#define KEEL_DASHBOARD_SAMPLES     300

/* Fills out with the front's snapshot, allocating from pool. */
typedef void (*keel_dashboard_snapshot_fn)(void *owner, h2o_mem_pool_t *pool, keel_front_snapshot_t *out);

typedef struct {
    h2o_loop_t *loop;
    keel_dashboard_snapshot_fn snapshot;
    void *owner;
    keel_sample_ring_t ring; /* allocated at the first sample, sized for the pools then */
    bool ring_failed;        /* it could not be: said once, no history */
    h2o_timeout_t timeout;
    h2o_timeout_entry_t entry;
} keel_dashboard_t;

void keel_dashboard_init(keel_dashboard_t *d, h2o_loop_t *loop, keel_dashboard_snapshot_fn snapshot, void *owner);

/* Starts sampling (once the front serves): one sample now, then each
 * KEEL_DASHBOARD_INTERVAL_MS. */
void keel_dashboard_start(keel_dashboard_t *d);

/* Answers GET / or /assets/NAME (404 for a name keel does not have). */
void keel_dashboard_page(keel_dashboard_t *d, h2o_req_t *req);

/* Answers GET /dashboard.json[?samples_after=N&events_after=M] (400 for a
 * malformed query). */
void keel_dashboard_data(keel_dashboard_t *d, h2o_req_t *req);

#endif
