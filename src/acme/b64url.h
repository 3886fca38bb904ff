/* base64url without padding (RFC 4648 §5), the encoding JOSE and ACME use
 * for every binary field. Pure. */
#ifndef KEEL_ACME_B64URL_H
#define KEEL_ACME_B64URL_H

#include <stdbool.h>
#include <stddef.h>

/* Characters the encoding of n bytes takes, without a terminator. */
size_t keel_b64url_len(size_t n);

/* Encodes n bytes into out, NUL-terminated. Returns the length written,
 * or 0 (out untouched) when cap is below keel_b64url_len(n) + 1 or the
 * input is empty. */
size_t keel_b64url_encode(const void *in, size_t n, char *out, size_t cap);

/* The same into a malloc'd string the caller frees; NULL when out of
 * memory. An empty input gives "". */
char *keel_b64url_encode_alloc(const void *in, size_t n);

/* Whether s[0..n) is non-empty and made only of the base64url alphabet
 * (A-Z a-z 0-9 - _), as RFC 8555 §8.3 requires of challenge tokens. */
bool keel_b64url_is_token(const char *s, size_t n);

#endif
