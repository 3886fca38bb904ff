#include "supervisor/worker_report.h"

#define MIN_BOUND (2ull << 30)

uint64_t
keel_report_memory_bound(uint64_t ram_bytes, uint64_t swap_bytes)
{
    uint64_t total = ram_bytes + swap_bytes;
    if (total < ram_bytes || total > UINT64_MAX / 2) /* overflow: nothing is impossible */
        return UINT64_MAX;
    return 2 * total > MIN_BOUND ? 2 * total : MIN_BOUND;
}

bool
keel_report_stats_plausible(const keel_ipc_stats_t *before, const keel_ipc_stats_t *now, uint64_t bound)
{
    if (now->requests != before->requests + 1)
        return false;
    const uint64_t figures[] = {now->zend_usage, now->zend_peak, now->zend_real_usage, now->zend_real_peak,
                                now->rss_private};
    for (unsigned i = 0; i < sizeof(figures) / sizeof(figures[0]); i++)
        if (figures[i] > bound)
            return false;
    /* a peak is never below what it is the peak of */
    return now->zend_peak >= now->zend_usage && now->zend_real_peak >= now->zend_real_usage;
}

bool
keel_report_opcache_plausible(const keel_ipc_opcache_stats_t *s, uint64_t bound)
{
    const uint64_t bytes[] = {s->used, s->free, s->wasted, s->interned_used, s->interned_free};
    for (unsigned i = 0; i < sizeof(bytes) / sizeof(bytes[0]); i++)
        if (bytes[i] > bound)
            return false;
    return s->keys <= s->max_keys || s->max_keys == 0;
}
