#include "front/https_redirect.h"

#include <stdio.h>
#include <string.h>

/* The host of "host:port" or "[v6]:port"; a name without a port whole. */
static size_t
host_len(const char *authority, size_t len)
{
    if (len == 0)
        return 0;
    const char *end = authority[0] == '[' ? memchr(authority, ']', len) : memchr(authority, ':', len);
    if (end == NULL)
        return len;
    return (size_t)(end - authority) + (authority[0] == '[' ? 1 : 0);
}

size_t
keel_https_location(const char *authority, size_t authority_len, const char *fallback, int https_port, const char *path,
                    size_t path_len, char *out, size_t outsize)
{
    const char *host = authority;
    size_t hlen = host_len(authority, authority_len);
    if (hlen == 0) {
        host = fallback;
        hlen = strlen(fallback);
    }
    if (outsize < hlen + path_len + KEEL_HTTPS_LOCATION_EXTRA || https_port < 1 || https_port > 65535)
        return 0;
    char port[8] = "";
    if (https_port != 443)
        snprintf(port, sizeof(port), ":%d", https_port);
    size_t n = 0;
    memcpy(out, "https://", 8);
    n += 8;
    memcpy(out + n, host, hlen);
    n += hlen;
    memcpy(out + n, port, strlen(port));
    n += strlen(port);
    memcpy(out + n, path, path_len);
    n += path_len;
    out[n] = '\0';
    return n;
}
