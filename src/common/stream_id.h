/*
 * Request stream ids that cannot be guessed: a permutation of the 32-bit
 * counters, keyed by a secret drawn at start. A permutation, so ids are
 * unique until the counter wraps (4 billion requests); keyed, so knowing
 * some ids tells nothing usable about the others.
 */
#ifndef KEEL_COMMON_STREAM_ID_H
#define KEEL_COMMON_STREAM_ID_H

#include <stdint.h>

/* The id of the n-th stream under key: a bijection of n for each key. */
uint32_t keel_stream_id(uint64_t key, uint32_t n);

/* A key from the kernel's random source; 0 (and errno) when none can be had. */
uint64_t keel_stream_key(void);

#endif
