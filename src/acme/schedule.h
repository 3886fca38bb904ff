/* When to order a certificate: renewal at two thirds of a certificate's
 * own lifetime, and a doubling backoff after failed attempts that never
 * lets a serving certificate lapse between two tries. Pure: every time is
 * passed in (wall clock, milliseconds since the epoch), so the schedule is
 * unit-tested without a clock. */
#ifndef KEEL_ACME_SCHEDULE_H
#define KEEL_ACME_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

/* Defaults of the backoff. The first retry waits a minute: a CA counts
 * failed validations (Let's Encrypt allows 5 per name and hour), so a
 * refused challenge is not retried at once; six hours at most, so a fixed
 * DNS record or firewall is noticed the same day. */
#define KEEL_ACME_RETRY_FIRST_MS (60 * 1000ull)
#define KEEL_ACME_RETRY_MAX_MS   (6 * 3600 * 1000ull)

typedef struct {
    uint64_t first_ms; /* delay after the first failure */
    uint64_t max_ms;   /* the longest delay */
} keel_acme_backoff_t;

/* What is known of one certificate's history. */
typedef struct {
    bool have_cert;        /* a certificate for the configured names exists */
    int64_t not_before_ms; /* its validity, when have_cert */
    int64_t not_after_ms;
    unsigned failures;          /* failed attempts since the last success */
    int64_t last_failure_ms;    /* when the last of them ended */
    int64_t not_before_next_ms; /* the CA's Retry-After on that failure (0: none) */
} keel_acme_history_t;

/* When a certificate valid from not_before to not_after is renewed: two
 * thirds into its lifetime (a 90-day certificate at day 60, a 2-minute one
 * after 80 s). A certificate whose dates are reversed is due at once. */
int64_t keel_acme_renew_at_ms(int64_t not_before_ms, int64_t not_after_ms);

/* Delay before the next attempt after `failures` (>= 1) failures in a
 * row: first, doubling each time, capped at max. While a certificate still
 * serves, the delay is also capped at a quarter of the time it has left
 * (never below first), so attempts come closer together, not further
 * apart, as its expiry nears. expires_ms <= now_ms (or 0) means none. */
uint64_t keel_acme_retry_delay_ms(const keel_acme_backoff_t *b, unsigned failures, int64_t now_ms, int64_t expires_ms);

/* When to start the next attempt (wall clock, ms): at the renewal time of
 * the certificate there is, at once when there is none, and in either case
 * not before the backoff after the last failure has passed, nor before the
 * time the CA asked for (a rate limit's Retry-After). */
int64_t keel_acme_next_attempt_ms(const keel_acme_backoff_t *b, const keel_acme_history_t *h);

#endif
