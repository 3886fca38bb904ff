/*
 * The Host a client names (HTTP/1 Host, HTTP/2 :authority), checked as
 * nginx checks it (ngx_http_validate_host) before anything uses it:
 * SERVER_NAME and HTTP_HOST come from it, and a name such as
 * "evil.com/../x" must not reach PHP. Pure, fuzzed with the HTTP/1 guard.
 */
#ifndef KEEL_FRONT_HOST_CHECK_H
#define KEEL_FRONT_HOST_CHECK_H

#include <stddef.h>

/*
 * Returns 1 when host may be used, 0 when the request must get 400: an
 * empty name (a port alone, or only a trailing dot), two dots in a row,
 * '/', NUL, a control character, a space or DEL. Anything else passes, as
 * with nginx: a port after ':', an IPv6 literal in brackets, bytes past
 * 0x7f (internationalised names as sent).
 */
int keel_http_host_ok(const char *host, size_t len);

#endif
