/*
 * The query of GET /dashboard.json: what the page already has, so the
 * answer carries only what is new. `samples_after=N&events_after=M`, both
 * optional decimal sequence numbers; other keys are ignored. Pure, and
 * fuzzed: the bytes come from whoever reaches the admin listener.
 */
#ifndef KEEL_FRONT_DASHBOARD_QUERY_H
#define KEEL_FRONT_DASHBOARD_QUERY_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t samples_after; /* 0: every sample held */
    uint64_t events_after;  /* 0: every event held */
} keel_dashboard_query_t;

/* Parses q[0..len) (the part after '?', without it; may be empty) into
 * out. Returns 0, or -1 when a known key has a value that is not a decimal
 * number below 10^18 (the page sent something it should not). */
int keel_dashboard_query_parse(const char *q, size_t len, keel_dashboard_query_t *out);

#endif
