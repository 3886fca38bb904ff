/*
 * Text that reaches a JSON document (and a web page) from elsewhere — a
 * request's path, a directory a PHP script created, a message — must be
 * valid UTF-8: jansson refuses anything else, and a browser would guess.
 * What is not well-formed is replaced, so the rest still shows.
 */
#ifndef KEEL_COMMON_UTF8_H
#define KEEL_COMMON_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Copies src[0..len) into dst[cap] (cap > 0, NUL-terminated) as
 * well-formed UTF-8 (Unicode's table 3-7): each maximal ill-formed part
 * (a stray continuation byte, a truncated, overlong or surrogate sequence,
 * a code point past U+10FFFF) and each NUL becomes U+FFFD. When dst is too
 * small the copy stops before the first character that does not fit
 * whole. Returns the length written. */
size_t keel_utf8_clean(char *dst, size_t cap, const char *src, size_t len);

/* Whether s[0..len) is well-formed UTF-8 without NUL bytes. */
bool keel_utf8_valid(const char *s, size_t len);

#endif
