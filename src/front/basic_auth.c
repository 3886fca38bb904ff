#include "front/basic_auth.h"

#include <string.h>
#include <strings.h>

static int
b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

size_t
keel_basic_auth_user(const char *value, size_t len, char *out, size_t outlen)
{
    if (len < 6 || strncasecmp(value, "basic ", 6) != 0)
        return 0;
    size_t i = 6;
    while (i < len && value[i] == ' ')
        i++;
    /* decode until the first ':' of the plain text, or the end */
    char plain[512];
    size_t n = 0;
    unsigned bits = 0, acc = 0;
    for (; i < len; i++) {
        if (value[i] == '=')
            break;
        int v = b64_value(value[i]);
        if (v < 0)
            return 0;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n == sizeof(plain))
                return 0;
            plain[n++] = (char)((acc >> bits) & 0xff);
        }
    }
    for (; i < len; i++)
        if (value[i] != '=')
            return 0; /* data after padding */
    const char *colon = memchr(plain, ':', n);
    if (colon == NULL)
        return 0;
    size_t ulen = (size_t)(colon - plain);
    if (ulen >= outlen)
        return 0;
    memcpy(out, plain, ulen);
    out[ulen] = '\0';
    return ulen;
}
