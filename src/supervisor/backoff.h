/*
 * When to try again after workers fail to start: a pure decision, so the
 * schedule is unit-tested without processes.
 */
#ifndef KEEL_SUPERVISOR_BACKOFF_H
#define KEEL_SUPERVISOR_BACKOFF_H

#include <stdint.h>

#define KEEL_BACKOFF_FIRST_MS 100
#define KEEL_BACKOFF_MAX_MS   10000

/* Delay before the next start after `failures` consecutive failed starts:
 * 0 for none, then 100 ms doubling per failure, capped at 10 s. */
uint64_t keel_backoff_delay_ms(unsigned failures);

/* Whether to give up: `failures` consecutive failed starts have reached
 * the configured maximum. */
int keel_backoff_give_up(unsigned failures, unsigned max_consecutive);

#endif
