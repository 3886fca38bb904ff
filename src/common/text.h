/*
 * Small string helpers for the per-request paths, where snprintf()'s
 * format parsing showed up in profiles for what is a copy or a number.
 */
#ifndef KEEL_COMMON_TEXT_H
#define KEEL_COMMON_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Copies src into dst[cap] (cap > 0), truncating as snprintf("%s") would;
 * returns the length written. */
static inline size_t
keel_str_copy(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
    return n;
}

/* Writes v in decimal to out (room for 20 digits, no NUL); returns the
 * length. */
static inline size_t
keel_u64_format(char *out, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

/* Writes the IPv4 address a[0].a[1].a[2].a[3] as inet_ntop() does (room
 * for 15 characters, no NUL); returns the length. */
static inline size_t
keel_ipv4_format(char *out, const uint8_t a[4])
{
    size_t n = 0;
    for (int i = 0; i < 4; i++) {
        if (i != 0)
            out[n++] = '.';
        n += keel_u64_format(out + n, a[i]);
    }
    return n;
}

#endif
