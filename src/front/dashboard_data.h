/*
 * The dashboard's data (GET /dashboard.json on the admin listener): the
 * picture of now from the same snapshot as /status, the last minutes from
 * the sample ring, and the events since the page last asked. Pure: no
 * I/O, no clock read here (the caller passes both clocks), so it is
 * unit-tested; front/admin_dashboard.c takes the snapshot and sends it.
 *
 * Every string comes out as well-formed UTF-8 (common/utf8.h), and jansson
 * escapes it as JSON; the page shows it as text (textContent), never as
 * markup, since paths and messages in it may come from PHP or a client.
 */
#ifndef KEEL_FRONT_DASHBOARD_DATA_H
#define KEEL_FRONT_DASHBOARD_DATA_H

#include <stdint.h>

#include <jansson.h>

#include "front/dashboard_query.h"
#include "front/sample_ring.h"
#include "front/snapshot.h"

/* Workers a sample keeps for each one the pools may hold at most: a
 * reload runs the old and the new generation side by side. */
#define KEEL_DASHBOARD_WORKERS_PER_SLOT 2
#define KEEL_DASHBOARD_WORKERS_MIN      8
#define KEEL_DASHBOARD_WORKERS_MAX      256

typedef struct {
    uint64_t now_ms;      /* monotonic (common/clock.h), the clock samples and events are taken on */
    int64_t wall_now_ms;  /* Unix time in milliseconds, to date them for the page */
    uint64_t interval_ms; /* how often the ring is sampled */
} keel_dashboard_clock_t;

/* How many workers each sample of a ring for s's pools keeps. */
size_t keel_dashboard_workers_per_sample(const keel_front_snapshot_t *s);

/* Adds one sample of s, taken at at_ms, to r. */
void keel_dashboard_sample(keel_sample_ring_t *r, const keel_front_snapshot_t *s, uint64_t at_ms);

/* The document: now (s), the samples of r and the events of s->events
 * after q's marks. Returns a new reference, or NULL when memory is short. */
json_t *keel_dashboard_json(const keel_front_snapshot_t *s, const keel_sample_ring_t *r,
                            const keel_dashboard_query_t *q, const keel_dashboard_clock_t *c);

#endif
