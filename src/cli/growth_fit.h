/*
 * Growth per request with a confidence interval, for `keel leakcheck`: a
 * worker's private memory against the requests it served, fitted by
 * Theil-Sen (the median of the slopes between every pair of samples, as
 * supervisor/leak.c does live) with Sen's rank-based 95% interval (Sen
 * 1968; Gilbert 1987, section 16.5). Why this rather than least squares or
 * a bootstrap: docs/decisions.md. Pure.
 */
#ifndef KEEL_CLI_GROWTH_FIT_H
#define KEEL_CLI_GROWTH_FIT_H

#include <stdbool.h>
#include <stddef.h>

#include "supervisor/leak.h"

/* More samples than this are refused: the fit holds every pairwise slope,
 * n(n-1)/2 of them (8 MiB at this bound). */
#define KEEL_GROWTH_MAX_SAMPLES 1448

typedef struct {
    bool valid;   /* three samples or more, at two request counts or more */
    double slope; /* bytes per request */
    double lower; /* the 95% interval of the slope */
    double upper;
    double intercept; /* bytes at 0 requests: the median of bytes - slope x requests */
    size_t samples;   /* used in the fit */
} keel_growth_fit_t;

/*
 * Fits samples[0..n) (any order; pairs at the same request count give no
 * slope). The interval assumes the deviations from a straight line are
 * independent; see docs/decisions.md for what that means for memory.
 * Returns 0 (out->valid says whether there was enough to fit), or -1 when
 * n is past KEEL_GROWTH_MAX_SAMPLES or memory runs out.
 */
int keel_growth_fit(const keel_mem_sample_t *samples, size_t n, keel_growth_fit_t *out);

#endif
