/* Tests for src/acme/schedule.c: renewal at two thirds of a certificate's
 * lifetime, the doubling backoff, and retries that never let a serving
 * certificate lapse between two attempts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "acme/schedule.h"

#define S   1000ll
#define MIN (60 * S)
#define H   (60 * MIN)
#define DAY (24 * H)
/* 2026-12-07T00:00:00Z, in ms */
#define T0 1796601600000ll

static const keel_acme_backoff_t defaults = {KEEL_ACME_RETRY_FIRST_MS, KEEL_ACME_RETRY_MAX_MS};

static void
test_renewal_at_two_thirds(void **state)
{
    (void)state;
    /* the example: a 2-minute certificate renews after 80 s */
    assert_int_equal(keel_acme_renew_at_ms(T0, T0 + 2 * MIN), T0 + 80 * S);
    /* Let's Encrypt's 90 days: at day 60 */
    assert_int_equal(keel_acme_renew_at_ms(T0, T0 + 90 * DAY), T0 + 60 * DAY);
    /* pebble's default 5 years, and a lifetime not divisible by 3 */
    assert_int_equal(keel_acme_renew_at_ms(0, 100), 66);
    assert_int_equal(keel_acme_renew_at_ms(0, 101), 67);
    assert_int_equal(keel_acme_renew_at_ms(T0, T0 + 1), T0);
    /* huge dates do not overflow */
    assert_int_equal(keel_acme_renew_at_ms(0, INT64_MAX), INT64_MAX / 3 * 2 + (INT64_MAX % 3) * 2 / 3);
}

static void
test_reversed_dates_are_due_at_once(void **state)
{
    (void)state;
    assert_int_equal(keel_acme_renew_at_ms(T0, T0), T0);
    assert_int_equal(keel_acme_renew_at_ms(T0, T0 - DAY), T0 - DAY);
}

static void
test_backoff_doubles_and_caps(void **state)
{
    (void)state;
    keel_acme_backoff_t b = {1000, 4000};
    assert_int_equal(keel_acme_retry_delay_ms(&b, 1, T0, 0), 1000);
    assert_int_equal(keel_acme_retry_delay_ms(&b, 2, T0, 0), 2000);
    assert_int_equal(keel_acme_retry_delay_ms(&b, 3, T0, 0), 4000);
    assert_int_equal(keel_acme_retry_delay_ms(&b, 4, T0, 0), 4000);
    assert_int_equal(keel_acme_retry_delay_ms(&b, ~0u, T0, 0), 4000);
    /* the defaults: a minute, then 2, 4, ... up to 6 hours */
    assert_int_equal(keel_acme_retry_delay_ms(&defaults, 1, T0, 0), MIN);
    assert_int_equal(keel_acme_retry_delay_ms(&defaults, 2, T0, 0), 2 * MIN);
    assert_int_equal(keel_acme_retry_delay_ms(&defaults, 9, T0, 0), 256 * MIN);
    assert_int_equal(keel_acme_retry_delay_ms(&defaults, 10, T0, 0), 6 * H);
    assert_int_equal(keel_acme_retry_delay_ms(&defaults, 1000, T0, 0), 6 * H);
    /* a cap that is not a power-of-two multiple is reached exactly */
    keel_acme_backoff_t odd = {1000, 5000};
    assert_int_equal(keel_acme_retry_delay_ms(&odd, 4, T0, 0), 5000);
    /* nonsense settings still give a positive, bounded delay */
    keel_acme_backoff_t zero = {0, 0};
    assert_int_equal(keel_acme_retry_delay_ms(&zero, 5, T0, 0), 1);
    keel_acme_backoff_t inverted = {5000, 1000};
    assert_int_equal(keel_acme_retry_delay_ms(&inverted, 3, T0, 0), 5000);
}

static void
test_backoff_stays_within_a_quarter_of_the_time_left(void **state)
{
    (void)state;
    /* 40 minutes left: never more than 10 minutes between attempts */
    assert_int_equal(keel_acme_retry_delay_ms(&defaults, 8, T0, T0 + 40 * MIN), 10 * MIN);
    assert_int_equal(keel_acme_retry_delay_ms(&defaults, 2, T0, T0 + 40 * MIN), 2 * MIN);
    /* but never below the first delay, even at the last moment */
    assert_int_equal(keel_acme_retry_delay_ms(&defaults, 8, T0, T0 + 10 * S), MIN);
    /* an expired certificate no longer bounds anything */
    assert_int_equal(keel_acme_retry_delay_ms(&defaults, 10, T0, T0 - S), 6 * H);
    /* Each retry lands before the expiry for as long as the time left
     * exceeds the first delay: the certificate cannot lapse between two
     * attempts because the schedule stretched. */
    keel_acme_backoff_t b = {1000, 3600 * S};
    int64_t expires = T0 + 2 * MIN, now = T0 + 80 * S;
    for (unsigned f = 1; expires - now > (int64_t)b.first_ms; f++) {
        uint64_t d = keel_acme_retry_delay_ms(&b, f, now, expires);
        assert_true(now + (int64_t)d < expires);
        now += (int64_t)d;
    }
}

static void
test_next_attempt(void **state)
{
    (void)state;
    keel_acme_backoff_t b = {1000, 4000};
    /* nothing yet: at once */
    keel_acme_history_t h = {0};
    assert_int_equal(keel_acme_next_attempt_ms(&b, &h), 0);
    /* nothing yet and two failures: 2 s after the last */
    h.failures = 2;
    h.last_failure_ms = T0;
    assert_int_equal(keel_acme_next_attempt_ms(&b, &h), T0 + 2000);
    /* a certificate: at its renewal time */
    h = (keel_acme_history_t){.have_cert = true, .not_before_ms = T0, .not_after_ms = T0 + 2 * MIN};
    assert_int_equal(keel_acme_next_attempt_ms(&b, &h), T0 + 80 * S);
    /* renewal failing: backoff from the failure, bounded by the time left */
    h.failures = 3;
    h.last_failure_ms = T0 + 90 * S;
    assert_int_equal(keel_acme_next_attempt_ms(&b, &h), T0 + 94 * S);
    h.failures = 1;
    h.last_failure_ms = T0 + 117 * S; /* 3 s left: a quarter is below first */
    assert_int_equal(keel_acme_next_attempt_ms(&b, &h), T0 + 118 * S);
    /* the CA's Retry-After (a rate limit) wins over a shorter backoff ... */
    h = (keel_acme_history_t){.failures = 1, .last_failure_ms = T0, .not_before_next_ms = T0 + H};
    assert_int_equal(keel_acme_next_attempt_ms(&b, &h), T0 + H);
    /* ... and not over a longer one */
    h.not_before_next_ms = T0 + 10;
    assert_int_equal(keel_acme_next_attempt_ms(&b, &h), T0 + 1000);
    /* a failure cannot pull the attempt before the renewal time */
    h = (keel_acme_history_t){
        .have_cert = true, .not_before_ms = T0, .not_after_ms = T0 + 90 * DAY, .failures = 1, .last_failure_ms = T0};
    assert_int_equal(keel_acme_next_attempt_ms(&b, &h), T0 + 60 * DAY);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_renewal_at_two_thirds),
        cmocka_unit_test(test_reversed_dates_are_due_at_once),
        cmocka_unit_test(test_backoff_doubles_and_caps),
        cmocka_unit_test(test_backoff_stays_within_a_quarter_of_the_time_left),
        cmocka_unit_test(test_next_attempt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
