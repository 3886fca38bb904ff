#include "acme/schedule.h"

int64_t
keel_acme_renew_at_ms(int64_t not_before_ms, int64_t not_after_ms)
{
    if (not_after_ms <= not_before_ms)
        return not_before_ms < not_after_ms ? not_before_ms : not_after_ms;
    /* Divided first so that no product of two times can overflow. */
    int64_t life = not_after_ms - not_before_ms;
    return not_before_ms + life / 3 * 2 + (life % 3) * 2 / 3;
}

uint64_t
keel_acme_retry_delay_ms(const keel_acme_backoff_t *b, unsigned failures, int64_t now_ms, int64_t expires_ms)
{
    uint64_t first = b->first_ms > 0 ? b->first_ms : 1;
    uint64_t max = b->max_ms >= first ? b->max_ms : first;
    uint64_t d = first;
    for (unsigned i = 1; i < failures && d < max; i++)
        d = d > max / 2 ? max : d * 2;
    if (d > max)
        d = max;
    if (expires_ms > now_ms) {
        uint64_t quarter = (uint64_t)(expires_ms - now_ms) / 4;
        if (quarter < first)
            quarter = first;
        if (d > quarter)
            d = quarter;
    }
    return d;
}

int64_t
keel_acme_next_attempt_ms(const keel_acme_backoff_t *b, const keel_acme_history_t *h)
{
    int64_t at = h->have_cert ? keel_acme_renew_at_ms(h->not_before_ms, h->not_after_ms) : 0;
    if (h->failures > 0) {
        int64_t expires = h->have_cert ? h->not_after_ms : 0;
        uint64_t d = keel_acme_retry_delay_ms(b, h->failures, h->last_failure_ms, expires);
        int64_t retry = h->last_failure_ms + (int64_t)d;
        if (retry > at)
            at = retry;
        if (h->not_before_next_ms > at)
            at = h->not_before_next_ms;
    }
    return at;
}
