/* A deterministic stream of 64-bit values for tests (splitmix64): the same
 * seed gives the same draws on every run. */
#ifndef KEEL_TESTS_UNIT_TEST_RANDOM_H
#define KEEL_TESTS_UNIT_TEST_RANDOM_H

#include <stdint.h>

static inline uint64_t
test_next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

#endif
