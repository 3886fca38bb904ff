#include "acme/b64url.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

size_t
keel_b64url_len(size_t n)
{
    return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

size_t
keel_b64url_encode(const void *in, size_t n, char *out, size_t cap)
{
    size_t len = keel_b64url_len(n);
    if (n == 0 || cap < len + 1 || n > (size_t)1 << 28)
        return 0;
    /* OpenSSL writes standard base64 with padding, 4 characters per 3
     * bytes; it is turned into the URL alphabet in place. */
    size_t full = (n + 2) / 3 * 4;
    char *tmp = malloc(full + 1);
    if (tmp == NULL)
        return 0;
    int w = EVP_EncodeBlock((unsigned char *)tmp, in, (int)n);
    if (w < 0 || (size_t)w != full) {
        free(tmp);
        return 0;
    }
    for (size_t i = 0; i < len; i++)
        out[i] = tmp[i] == '+' ? '-' : tmp[i] == '/' ? '_' : tmp[i];
    out[len] = '\0';
    free(tmp);
    return len;
}

char *
keel_b64url_encode_alloc(const void *in, size_t n)
{
    size_t len = keel_b64url_len(n);
    char *out = malloc(len + 1);
    if (out == NULL)
        return NULL;
    out[0] = '\0';
    if (n > 0 && keel_b64url_encode(in, n, out, len + 1) != len) {
        free(out);
        return NULL;
    }
    return out;
}

bool
keel_b64url_is_token(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    }
    return true;
}
