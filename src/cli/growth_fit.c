#include "cli/growth_fit.h"

#include <math.h>
#include <stdlib.h>

/* The normal quantile of a two-sided 95% interval. */
#define Z_95 1.959963984540054

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double
median_sorted(const double *v, size_t n)
{
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Var(S) of Kendall's S under no trend, less what ties take away: groups
 * of t equal values among the samples' bytes (their request counts are
 * what the slopes divide by, so ties there give no pair at all and count
 * through n_pairs instead). `y` is sorted.
 */
static double
kendall_variance(const double *y, size_t n)
{
    double v = (double)n * (double)(n - 1) * (2.0 * (double)n + 5.0);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && y[j] == y[i])
            j++;
        double t = (double)(j - i);
        v -= t * (t - 1) * (2 * t + 5);
        i = j;
    }
    return v / 18.0;
}

int
keel_growth_fit(const keel_mem_sample_t *samples, size_t n, keel_growth_fit_t *out)
{
    *out = (keel_growth_fit_t){.samples = n};
    if (n > KEEL_GROWTH_MAX_SAMPLES)
        return -1;
    if (n < 3)
        return 0;
    double *slopes = malloc(n * (n - 1) / 2 * sizeof(double));
    double *work = malloc(n * sizeof(double));
    if (slopes == NULL || work == NULL) {
        free(slopes);
        free(work);
        return -1;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            double dx = (double)samples[j].requests - (double)samples[i].requests;
            if (dx != 0)
                slopes[m++] = ((double)samples[j].bytes - (double)samples[i].bytes) / dx;
        }
    if (m < 2) {
        free(slopes);
        free(work);
        return 0;
    }
    qsort(slopes, m, sizeof(double), cmp_double);
    out->slope = median_sorted(slopes, m);

    /* Sen's interval: the slopes ranked (m - C)/2 and (m + C)/2 + 1, where
     * C is the half-width of Kendall's S at 95% (rounded as Gilbert does). */
    for (size_t i = 0; i < n; i++)
        work[i] = (double)samples[i].bytes;
    qsort(work, n, sizeof(double), cmp_double);
    double c = Z_95 * sqrt(kendall_variance(work, n));
    double lo_rank = round(((double)m - c) / 2), hi_rank = round(((double)m + c) / 2) + 1;
    size_t lo = lo_rank < 1 ? 0 : (size_t)lo_rank - 1;
    size_t hi = hi_rank > (double)m ? m - 1 : (size_t)hi_rank - 1;
    out->lower = slopes[lo];
    out->upper = slopes[hi];

    for (size_t i = 0; i < n; i++)
        work[i] = (double)samples[i].bytes - out->slope * (double)samples[i].requests;
    qsort(work, n, sizeof(double), cmp_double);
    out->intercept = median_sorted(work, n);
    out->valid = true;
    free(slopes);
    free(work);
    return 0;
}
