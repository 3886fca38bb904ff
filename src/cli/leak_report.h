/*
 * The arithmetic and wording of `keel leakcheck`'s run and report, apart
 * from its I/O: when to sample, where the warm-up ends, the marks at 1k,
 * 10k and 100k requests (the by-hand procedure from the field), and the
 * result line. Pure.
 */
#ifndef KEEL_CLI_LEAK_REPORT_H
#define KEEL_CLI_LEAK_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/growth_fit.h"
#include "supervisor/leak.h"

/* Samples a run takes, about: enough for a sharp fit, few enough that the
 * pairwise slopes stay small (see KEEL_GROWTH_MAX_SAMPLES). */
#define KEEL_LEAK_SAMPLES 250
/* The fewest requests a run may ask for: the warm-up and a fit after it. */
#define KEEL_LEAK_MIN_REQUESTS 100

typedef struct {
    uint64_t requests; /* asked for */
    uint64_t warmup;   /* the fit starts at this many requests: a tenth, at least 50 */
    uint64_t interval; /* requests between samples */
} keel_leak_plan_t;

keel_leak_plan_t keel_leak_plan(uint64_t requests);

/* Where the run pauses next after `done` requests, so that a sample falls
 * exactly on it: the next of the marks (1000, 10000, 100000) below the
 * requested count, else the requested count. */
uint64_t keel_leak_next_stop(const keel_leak_plan_t *p, uint64_t done);

/* Whether `requests` is one of the marks. */
int keel_leak_is_mark(uint64_t requests);

/* Bytes per request as printed: whole bytes from 10 up, one decimal below
 * ("4112", "-12", "0.4"); never "-0". Returns buf. */
const char *keel_format_growth(char *buf, size_t len, double bytes_per_request);

/* The result line, exactly:
 * "growth: N B/request (95% CI A–B) over R requests" (an en dash). */
int keel_growth_line(char *buf, size_t len, const keel_growth_fit_t *f, uint64_t requests);

/*
 * One line per mark the samples hit exactly, and one for the last sample:
 * "at 1000 requests: private memory 9.1 MiB, +3.2 MiB since request 200
 * (4112 B/request)", counted from the first sample at or past fit_from;
 * a mark before that (in the warm-up) gets its figure alone. samples are
 * in request order.
 */
void keel_leak_marks(FILE *out, const keel_mem_sample_t *s, size_t n, uint64_t fit_from);

#endif
