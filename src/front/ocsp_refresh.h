/*
 * When keel fetches a certificate's OCSP response again, and whether a
 * response may be stapled. Pure (times in ms since the epoch), unit-tested;
 * ocsp.c does the fetching.
 */
#ifndef KEEL_FRONT_OCSP_REFRESH_H
#define KEEL_FRONT_OCSP_REFRESH_H

#include <stdbool.h>
#include <stdint.h>

#define KEEL_OCSP_RETRY_FIRST_MS     (60 * 1000)               /* after a first failure */
#define KEEL_OCSP_RETRY_MAX_MS       (60 * 60 * 1000)          /* the backoff's cap */
#define KEEL_OCSP_NO_NEXT_MS         (60 * 60 * 1000)          /* a response without nextUpdate: asked again after */
#define KEEL_OCSP_MIN_GAP_MS         (5 * 60 * 1000)           /* never sooner than this after a success */
#define KEEL_OCSP_SKEW_MS            (5 * 60 * 1000)           /* clocks may differ by this much */
#define KEEL_OCSP_NO_NEXT_MAX_AGE_MS (7ull * 24 * 3600 * 1000) /* stapled at most this long without nextUpdate */

/*
 * The time of the next fetch. After a success (failures 0): halfway
 * through the response's validity (this_update to next_update; 0 when it
 * has no nextUpdate), at least KEEL_OCSP_MIN_GAP_MS from now. After
 * `failures` failures in a row: a doubling backoff from
 * KEEL_OCSP_RETRY_FIRST_MS to KEEL_OCSP_RETRY_MAX_MS, but never later than
 * halfway to the expiry of the response still held (held_next_update, 0:
 * none), so a stapled response is replaced before it lapses when it can be.
 */
uint64_t keel_ocsp_next_fetch_ms(uint64_t now_ms, int64_t this_update_ms, int64_t next_update_ms, unsigned failures,
                                 int64_t held_next_update_ms);

/* Whether a response with these dates may be stapled at now. */
bool keel_ocsp_fresh(uint64_t now_ms, int64_t this_update_ms, int64_t next_update_ms);

#endif
