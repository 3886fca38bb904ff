/*
 * How long a client may take to send a request body (--body-timeout,
 * --min-body-rate): the body must be in --body-timeout after its head,
 * plus one second for every --min-body-rate bytes it has brought so far.
 * A client that keeps sending at the minimum rate is never cut; one that
 * trickles (a byte a second) is cut once the timeout has passed. Since the
 * body is capped by --max-body, so is the time a client can hold a
 * connection with it. Pure; the clock is body_timer.c.
 */
#ifndef KEEL_FRONT_BODY_DEADLINE_H
#define KEEL_FRONT_BODY_DEADLINE_H

#include <stdint.h>

/*
 * Milliseconds left for a body that began elapsed_ms ago and has brought
 * `received` bytes; 0 when its time is up. min_rate is in bytes per
 * second; 0 makes timeout_ms a limit on the whole body.
 */
uint64_t keel_body_time_left_ms(uint64_t elapsed_ms, uint64_t received, uint64_t timeout_ms, uint64_t min_rate);

#endif
