/*
 * Request smuggling guard for HTTP/1 (RFC 9112 3.2, 6.3): a request with
 * two Host headers, several Content-Length headers, or Content-Length
 * together with Transfer-Encoding is refused with 400, as nginx does.
 * libh2o 2.2 would keep the last Host and the first Content-Length
 * silently, letting keel read a body differently from a proxy in front of
 * it. The check runs on the headers h2o's parser found (see
 * http1_parser_hook.c); this part is pure and fuzzed.
 */
#ifndef KEEL_FRONT_HTTP1_GUARD_H
#define KEEL_FRONT_HTTP1_GUARD_H

#include <stddef.h>

/* Layout of picohttpparser's struct phr_header, which libh2o bundles
 * without installing its header. */
typedef struct {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
} keel_http1_header_t;

/* Returns 1 when the header list is acceptable, 0 when it must be refused.
 * A NULL name is a continuation line of the previous header. */
int keel_http1_headers_ok(const keel_http1_header_t *headers, size_t count);

#endif
