#include "common/utf8.h"

#include <string.h>

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

/* The length of the well-formed character at s[0..len), or 0 when it is
 * not one; *bad is then the length of the maximal ill-formed part to
 * replace (at least 1). */
static size_t
char_len(const unsigned char *s, size_t len, size_t *bad)
{
    unsigned char c = s[0];
    *bad = 1;
    if (c >= 0x01 && c <= 0x7f)
        return 1;
    size_t need;
    unsigned char lo = 0x80, hi = 0xbf; /* the second byte's range */
    if (c >= 0xc2 && c <= 0xdf)
        need = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        if (c == 0xe0)
            lo = 0xa0; /* overlong below */
        else if (c == 0xed)
            hi = 0x9f; /* surrogates above */
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f; /* past U+10FFFF above */
    } else {
        return 0; /* NUL, a continuation byte, C0, C1, F5..FF */
    }
    for (size_t i = 1; i < need; i++) {
        unsigned char min = i == 1 ? lo : 0x80, max = i == 1 ? hi : 0xbf;
        if (i >= len || s[i] < min || s[i] > max) {
            *bad = i;
            return 0;
        }
    }
    return need;
}

size_t
keel_utf8_clean(char *dst, size_t cap, const char *src, size_t len)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t out = 0, i = 0;
    while (i < len) {
        size_t bad, n = char_len(s + i, len - i, &bad);
        const char *from = n ? src + i : replacement;
        size_t take = n ? n : sizeof(replacement) - 1;
        if (out + take >= cap)
            break;
        memcpy(dst + out, from, take);
        out += take;
        i += n ? n : bad;
    }
    dst[out] = '\0';
    return out;
}

bool
keel_utf8_valid(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t bad, n = char_len(u + i, len - i, &bad);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}
