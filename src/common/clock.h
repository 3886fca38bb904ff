/* The monotonic clock keel times everything with. */
#ifndef KEEL_COMMON_CLOCK_H
#define KEEL_COMMON_CLOCK_H

#include <stdint.h>

/* Milliseconds on CLOCK_MONOTONIC: never jumps with the wall clock. */
uint64_t keel_now_ms(void);

#endif
