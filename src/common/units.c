#include "common/units.h"

#include <string.h>

/* Reads the leading decimal digits of s; returns how many were read, or -1
 * on overflow. */
static int
read_digits(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    int n = 0;
    while (s[n] >= '0' && s[n] <= '9') {
        unsigned d = (unsigned)(s[n] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
        n++;
    }
    *out = v;
    return n;
}

static int
scale(uint64_t v, uint64_t mul, uint64_t *out)
{
    if (mul != 0 && v > UINT64_MAX / mul)
        return -1;
    *out = v * mul;
    return 0;
}

int
keel_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    uint64_t v;
    int n = read_digits(s, &v);
    if (n <= 0 || s[n] != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int
keel_parse_size(const char *s, uint64_t *out)
{
    uint64_t v, mul = 1;
    int n = read_digits(s, &v);
    if (n <= 0)
        return -1;
    const char *unit = s + n;
    if (strcmp(unit, "") == 0 || strcmp(unit, "B") == 0 || strcmp(unit, "b") == 0)
        mul = 1;
    else if (strcmp(unit, "K") == 0 || strcmp(unit, "k") == 0)
        mul = 1ull << 10;
    else if (strcmp(unit, "M") == 0 || strcmp(unit, "m") == 0)
        mul = 1ull << 20;
    else if (strcmp(unit, "G") == 0 || strcmp(unit, "g") == 0)
        mul = 1ull << 30;
    else
        return -1;
    return scale(v, mul, out);
}

int
keel_parse_duration_ms(const char *s, uint64_t *out_ms)
{
    uint64_t v, mul;
    int n = read_digits(s, &v);
    if (n <= 0)
        return -1;
    const char *unit = s + n;
    if (strcmp(unit, "ms") == 0)
        mul = 1;
    else if (strcmp(unit, "") == 0 || strcmp(unit, "s") == 0)
        mul = 1000;
    else if (strcmp(unit, "m") == 0)
        mul = 60 * 1000;
    else if (strcmp(unit, "h") == 0)
        mul = 3600 * 1000;
    else
        return -1;
    return scale(v, mul, out_ms);
}
