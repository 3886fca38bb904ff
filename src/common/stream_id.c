#include "common/stream_id.h"

#include <sys/random.h>

/* splitmix64's finaliser: every input bit reaches every output bit. */
static uint64_t
mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint32_t
keel_stream_id(uint64_t key, uint32_t n)
{
    /* A Feistel network on two 16-bit halves: a bijection whatever the
     * round function, here the key mixed with the round and the half. */
    uint32_t left = n >> 16, right = n & 0xffff;
    for (uint64_t round = 0; round < 4; round++) {
        uint32_t f = (uint32_t)(mix(key ^ (round << 32) ^ right) & 0xffff);
        uint32_t next = left ^ f;
        left = right;
        right = next;
    }
    return left << 16 | right;
}

uint64_t
keel_stream_key(void)
{
    uint64_t key = 0;
    if (getrandom(&key, sizeof(key), 0) != (ssize_t)sizeof(key))
        return 0;
    return key;
}
