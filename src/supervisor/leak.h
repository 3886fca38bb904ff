/*
 * Leak detection: a worker's private memory against the number of requests
 * it has served, fitted robustly (Theil-Sen: the median of pairwise slopes)
 * so a few spikes do not move the estimate. This is the by-hand method
 * (measure after 1k, 10k, 100k requests, divide) made continuous. Pure and
 * bounded in memory.
 */
#ifndef KEEL_SUPERVISOR_LEAK_H
#define KEEL_SUPERVISOR_LEAK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Samples kept per worker; when full, every other sample is dropped and
 * the sampling interval doubles, so the series always spans the worker's
 * whole life in bounded memory. */
#define KEEL_LEAK_MAX_SAMPLES 64

typedef struct {
    uint64_t requests;
    uint64_t bytes;
} keel_mem_sample_t;

typedef struct {
    keel_mem_sample_t samples[KEEL_LEAK_MAX_SAMPLES];
    size_t count;
    uint64_t warmup;   /* requests ignored at the start (caches filling up) */
    uint64_t interval; /* requests between kept samples; starts at 1 */
    uint64_t next_at;  /* request count of the next sample to keep */
} keel_leak_series_t;

void keel_leak_series_init(keel_leak_series_t *s, uint64_t warmup_requests);

/* Offers the figure after the request numbered `requests` (1-based,
 * increasing). It is kept or skipped according to the interval; figures
 * within the warm-up (requests <= warmup) are never kept. */
void keel_leak_series_add(keel_leak_series_t *s, uint64_t requests, uint64_t bytes);

typedef struct {
    bool valid;               /* enough samples for an estimate */
    double bytes_per_request; /* robust slope */
    uint64_t since_request;   /* first sample in the fit */
    uint64_t until_request;   /* last sample in the fit */
    size_t samples;
} keel_leak_estimate_t;

/* Needs at least `min_samples` (>= 2; smaller counts as 2) kept samples
 * after the warm-up, at two or more distinct request counts. `samples`
 * and `since_request` are filled in even when the estimate is not valid. */
keel_leak_estimate_t keel_leak_estimate(const keel_leak_series_t *s, size_t min_samples);

/* The growth across an estimate's samples (its slope times the requests
 * they span) a leak must reach before it is reported. Resident memory
 * moves a page at a time: a steady worker whose allocator touches one
 * more page during 15 requests fits 4096 / 13 = 315 bytes per request,
 * so the slope alone would report it. Eight pages is more than a steady
 * worker's late page faults and less than 15 requests of a 4 KiB leak. */
#define KEEL_LEAK_MIN_GROWTH_BYTES (32.0 * 1024)

/* Whether an estimate shows a leak worth reporting: valid, growth
 * strictly above threshold bytes per request, and more than
 * KEEL_LEAK_MIN_GROWTH_BYTES across the requests its samples span. */
bool keel_leak_suspected(const keel_leak_estimate_t *e, double threshold_bytes_per_request);

/* Requests at the start of a worker's life left out of its series, and
 * the samples past them an estimate needs before it is shown or logged:
 * fewer samples of page-granular figures say little, and "no estimate"
 * must not read as "no growth". */
#define KEEL_LEAK_WARMUP_REQUESTS 50
#define KEEL_LEAK_MIN_SAMPLES     16

/* The estimate /status, /metrics and the log may show for one worker:
 * valid only with KEEL_LEAK_MIN_SAMPLES samples or more. */
keel_leak_estimate_t keel_leak_published(const keel_leak_series_t *s);

/*
 * An estimate that holds across recycling: a pool's workers come and go
 * (each recycle starts a series from nothing), so the pool keeps the
 * final estimate of each worker that left with one, the last
 * KEEL_LEAK_HISTORY of them, and publishes the median of those and of
 * the current workers' published estimates.
 */
#define KEEL_LEAK_HISTORY 16

typedef struct {
    double bytes_per_request[KEEL_LEAK_HISTORY];
    size_t count, next;
} keel_leak_history_t;

void keel_leak_history_add(keel_leak_history_t *h, double bytes_per_request);

typedef struct {
    bool valid;
    double bytes_per_request; /* the median */
    size_t workers;           /* estimates it is the median of */
} keel_leak_pool_estimate_t;

/* The median of h's estimates and `current` (n of them): valid when there
 * is at least one. */
keel_leak_pool_estimate_t keel_leak_pool_estimate(const keel_leak_history_t *h, const double *current, size_t n);

#endif
