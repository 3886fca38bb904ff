/*
 * keel's HTTP/1 request-head parsing around libh2o's (picohttpparser's
 * phr_parse_request): the parser finds the parts, keel decides what is
 * accepted (http1_guard.h), enforces the size of the head, and rewrites
 * the header list libh2o goes on with:
 *  - headers h2o consumes itself (Content-Length, Transfer-Encoding,
 *    Expect, Upgrade) are copied under keel's own names, so PHP still sees
 *    them as HTTP_* as it does behind nginx (header_copy.h, params.c); a
 *    client's headers under those names are dropped;
 *  - Expect is dropped from HTTP/1.0 requests, which must not get a 100
 *    Continue (RFC 9110 10.1.1) and which h2o would send one;
 *  - trailing spaces of a value are not part of it (nginx drops them;
 *    libh2o would refuse "chunked " as a transfer coding);
 *  - a request keel answers with 501 or 505 is handed on without its
 *    body headers and with a marker header (KEEL_HTTP1_VERDICT_HEADER)
 *    that http.c answers before anything else; other refusals are a
 *    parse error, which libh2o answers with 400 and a close.
 * The exported phr_parse_request (http1_parser_hook.c) calls this with
 * the library's parser; the fuzzer calls it directly.
 */
#ifndef KEEL_FRONT_HTTP1_PARSE_H
#define KEEL_FRONT_HTTP1_PARSE_H

#include <stddef.h>

#include <h2o.h>

#include "front/http1_guard.h"

/* A name no HTTP/1 or HTTP/2 client can send (names cannot contain ':',
 * and HTTP/2 refuses unknown pseudo-headers); its value is the status. */
#define KEEL_HTTP1_VERDICT_HEADER ":keel-verdict"

/* picohttpparser's phr_parse_request. */
typedef int (*keel_phr_parse_request_fn)(const char *buf, size_t len, const char **method, size_t *method_len,
                                         const char **path, size_t *path_len, int *minor_version,
                                         keel_http1_header_t *headers, size_t *num_headers, size_t last_len);

/*
 * Parses the head at buf (len bytes) with `parse` and applies keel's rules,
 * with phr_parse_request's contract: the head's length, -2 while it is
 * incomplete, -1 for a request to refuse with 400. *num_headers is the
 * capacity of headers on entry. Returns -1 once more than max_head bytes
 * have come without a complete head, or the head is longer.
 * pool holds what a rewritten request points to (a 505's method and
 * target) for the request's life; without one (NULL) a 505 is a 400.
 * *has_body is set when the head announces a body libh2o will now read.
 */
int keel_http1_parse_request(keel_phr_parse_request_fn parse, h2o_mem_pool_t *pool, size_t max_head, const char *buf,
                             size_t len, const char **method, size_t *method_len, const char **path, size_t *path_len,
                             int *minor_version, keel_http1_header_t *headers, size_t *num_headers, size_t last_len,
                             int *has_body);

#endif
