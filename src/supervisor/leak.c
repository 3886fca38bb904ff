#include "supervisor/leak.h"

#include <stdlib.h>
#include <string.h>

/* Every pair of kept samples gives one slope. */
#define MAX_SLOPES (KEEL_LEAK_MAX_SAMPLES * (KEEL_LEAK_MAX_SAMPLES - 1) / 2)

void
keel_leak_series_init(keel_leak_series_t *s, uint64_t warmup_requests)
{
    memset(s, 0, sizeof(*s));
    s->warmup = warmup_requests;
    s->interval = 1;
    /* The first figure worth keeping is the one after the warm-up; a
     * warm-up of UINT64_MAX means nothing is ever kept. */
    s->next_at = warmup_requests == UINT64_MAX ? UINT64_MAX : warmup_requests + 1;
}

/* Keeps samples 0, 2, 4, ...: the first sample survives every halving, so
 * the series keeps reaching back to the end of the warm-up. */
static void
halve(keel_leak_series_t *s)
{
    size_t kept = 0;
    for (size_t i = 0; i < s->count; i += 2)
        s->samples[kept++] = s->samples[i];
    s->count = kept;
    if (s->interval <= UINT64_MAX / 2)
        s->interval *= 2;
}

/* next_at saturates rather than wrapping round to an early request. */
static uint64_t
add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

void
keel_leak_series_add(keel_leak_series_t *s, uint64_t requests, uint64_t bytes)
{
    if (requests <= s->warmup || requests < s->next_at)
        return;
    if (s->count >= KEEL_LEAK_MAX_SAMPLES) {
        halve(s);
        /* With the wider interval this figure may now fall between two
         * kept ones; keep the grid the surviving samples are on. */
        s->next_at = add_sat(s->samples[s->count - 1].requests, s->interval);
        if (requests < s->next_at)
            return;
    }
    s->samples[s->count].requests = requests;
    s->samples[s->count].bytes = bytes;
    s->count++;
    s->next_at = add_sat(requests, s->interval);
}

/* b - a as a double, without the wrap-round of unsigned subtraction. */
static double
signed_diff(uint64_t b, uint64_t a)
{
    return b >= a ? (double)(b - a) : -(double)(a - b);
}

static int
cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

keel_leak_estimate_t
keel_leak_estimate(const keel_leak_series_t *s, size_t min_samples)
{
    keel_leak_estimate_t e = {0};
    if (min_samples < 2)
        min_samples = 2;

    /* The series only keeps figures after the warm-up, but the struct is
     * open, so filter again rather than trust it. */
    keel_mem_sample_t fit[KEEL_LEAK_MAX_SAMPLES];
    size_t n = 0;
    size_t count = s->count < KEEL_LEAK_MAX_SAMPLES ? s->count : KEEL_LEAK_MAX_SAMPLES;
    for (size_t i = 0; i < count; i++)
        if (s->samples[i].requests > s->warmup)
            fit[n++] = s->samples[i];
    e.samples = n;
    if (n == 0)
        return e;
    e.since_request = fit[0].requests;
    e.until_request = fit[n - 1].requests;
    if (n < min_samples)
        return e;

    double slopes[MAX_SLOPES];
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            /* Two figures at the same request count say nothing about
             * growth per request. */
            if (fit[i].requests == fit[j].requests)
                continue;
            slopes[m++] = signed_diff(fit[j].bytes, fit[i].bytes) / signed_diff(fit[j].requests, fit[i].requests);
        }
    }
    if (m == 0)
        return e;
    qsort(slopes, m, sizeof(slopes[0]), cmp_double);
    e.bytes_per_request = m % 2 == 1 ? slopes[m / 2] : (slopes[m / 2 - 1] + slopes[m / 2]) / 2.0;
    e.valid = true;
    return e;
}

bool
keel_leak_suspected(const keel_leak_estimate_t *e, double threshold_bytes_per_request)
{
    if (!e->valid || !(e->bytes_per_request > threshold_bytes_per_request))
        return false;
    double span = e->until_request > e->since_request ? (double)(e->until_request - e->since_request) : 0.0;
    return e->bytes_per_request * span > KEEL_LEAK_MIN_GROWTH_BYTES;
}

keel_leak_estimate_t
keel_leak_published(const keel_leak_series_t *s)
{
    return keel_leak_estimate(s, KEEL_LEAK_MIN_SAMPLES);
}

void
keel_leak_history_add(keel_leak_history_t *h, double bytes_per_request)
{
    h->bytes_per_request[h->next] = bytes_per_request;
    h->next = (h->next + 1) % KEEL_LEAK_HISTORY;
    if (h->count < KEEL_LEAK_HISTORY)
        h->count++;
}

keel_leak_pool_estimate_t
keel_leak_pool_estimate(const keel_leak_history_t *h, const double *current, size_t n)
{
    keel_leak_pool_estimate_t e = {0};
    double all[KEEL_LEAK_HISTORY + 64];
    size_t m = 0;
    for (size_t i = 0; i < h->count && i < KEEL_LEAK_HISTORY; i++)
        all[m++] = h->bytes_per_request[i];
    for (size_t i = 0; i < n && m < sizeof(all) / sizeof(all[0]); i++)
        all[m++] = current[i];
    if (m == 0)
        return e;
    qsort(all, m, sizeof(all[0]), cmp_double);
    e.valid = true;
    e.workers = m;
    e.bytes_per_request = m % 2 == 1 ? all[m / 2] : (all[m / 2 - 1] + all[m / 2]) / 2.0;
    return e;
}
