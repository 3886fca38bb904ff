/*
 * keel's rules for an HTTP/1 request head, on what libh2o's parser
 * (picohttpparser) found, refused as nginx refuses them:
 *  - request smuggling (RFC 9112 3.2, 6.1, 6.3): two Host, two
 *    Content-Length or two Transfer-Encoding headers, Content-Length with
 *    Transfer-Encoding, Transfer-Encoding in HTTP/1.0: 400. libh2o 2.2
 *    would keep the last Host and the first Content-Length silently,
 *    letting keel read a body differently from a proxy in front of it;
 *  - an obs-fold continuation line (RFC 9112 5.2): 400, where libh2o
 *    would hand PHP a header with an empty name;
 *  - a Host nginx would refuse (host_check.h): 400;
 *  - a transfer coding other than chunked: 501 (libh2o: 400);
 *  - a request line naming HTTP/2 or later: 505 (libh2o: 400).
 * The checks run in http1_parse.c; this part is pure and fuzzed.
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

/* What becomes of a request: served, or refused with this status. */
typedef enum {
    KEEL_HTTP1_OK = 0,
    KEEL_HTTP1_BAD_REQUEST = 400,
    KEEL_HTTP1_NOT_IMPLEMENTED = 501,     /* a transfer coding keel cannot decode */
    KEEL_HTTP1_VERSION_UNSUPPORTED = 505, /* HTTP/2.0 and up in an HTTP/1 request line */
} keel_http1_verdict_t;

/*
 * The verdict on the headers of an HTTP/1.<minor_version> request, in
 * nginx's order. A NULL name is picohttpparser's report of a continuation
 * line.
 */
keel_http1_verdict_t keel_http1_headers_verdict(const keel_http1_header_t *headers, size_t count, int minor_version);

/* Where the request line's parts are, in the buffer it was found in. */
typedef struct {
    size_t method_at, method_len;
    size_t target_at, target_len;
    size_t length; /* the line with its LF, or all there is when it has not ended yet */
} keel_http1_line_t;

/*
 * For a head picohttpparser refused or has not finished: does its request
 * line ("METHOD SP TARGET SP HTTP/") go on with a major version above 1,
 * which nginx answers with 505 as soon as it sees the digit that says so
 * (2 to 9, or 1 and another digit)? Returns KEEL_HTTP1_VERSION_UNSUPPORTED
 * with *line filled, KEEL_HTTP1_OK when too little has arrived to tell,
 * or KEEL_HTTP1_BAD_REQUEST for anything else (HTTP/2's connection preface
 * included: "PRI * HTTP/2.0" is libh2o's to recognise).
 */
keel_http1_verdict_t keel_http1_version_verdict(const char *buf, size_t len, keel_http1_line_t *line);

#endif
