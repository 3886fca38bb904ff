#include "front/dashboard_query.h"

#include <string.h>

/* Sequence numbers count seconds or events: 18 digits is ample, and keeps
 * the arithmetic far from overflow. */
#define MAX_DIGITS 18

static int
number(const char *p, size_t n, uint64_t *out)
{
    if (n == 0 || n > MAX_DIGITS)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    *out = v;
    return 0;
}

static int
key_is(const char *p, size_t n, const char *key)
{
    return n == strlen(key) && memcmp(p, key, n) == 0;
}

int
keel_dashboard_query_parse(const char *q, size_t len, keel_dashboard_query_t *out)
{
    memset(out, 0, sizeof(*out));
    size_t i = 0;
    while (i < len) {
        const char *amp = memchr(q + i, '&', len - i);
        size_t end = amp ? (size_t)(amp - q) : len;
        const char *pair = q + i;
        size_t plen = end - i;
        const char *eq = memchr(pair, '=', plen);
        size_t klen = eq ? (size_t)(eq - pair) : plen;
        const char *val = eq ? eq + 1 : pair + plen;
        size_t vlen = eq ? plen - klen - 1 : 0;
        uint64_t *dst = key_is(pair, klen, "samples_after")  ? &out->samples_after
                        : key_is(pair, klen, "events_after") ? &out->events_after
                                                             : NULL;
        if (dst != NULL && number(val, vlen, dst) != 0)
            return -1;
        i = end + 1;
    }
    return 0;
}
