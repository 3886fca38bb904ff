/*
 * Where --redirect-https sends a cleartext request: the same host and
 * path on the first https:// listener. Pure and unit-tested: the host and
 * path come from the client.
 */
#ifndef KEEL_FRONT_HTTPS_REDIRECT_H
#define KEEL_FRONT_HTTPS_REDIRECT_H

#include <stddef.h>

/* What the location adds to the host and path: "https://", ":65535", NUL. */
#define KEEL_HTTPS_LOCATION_EXTRA 16

/*
 * Writes "https://HOST[:PORT]PATH" into out (outsize bytes, NUL ended):
 * HOST is authority (a Host header, already checked) without its port
 * ("[::1]:8080" gives "[::1]"), or fallback when authority names none;
 * ":PORT" is left out when https_port is 443, the scheme's own. Returns
 * the length written, 0 when out is smaller than host, path and
 * KEEL_HTTPS_LOCATION_EXTRA.
 */
size_t keel_https_location(const char *authority, size_t authority_len, const char *fallback, int https_port,
                           const char *path, size_t path_len, char *out, size_t outsize);

#endif
