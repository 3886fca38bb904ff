/*
 * The HTTP/2 counterpart of http1_parser_hook.c. libh2o's HPACK decoder
 * keeps content-length out of the request's header list, so PHP would not
 * see HTTP_CONTENT_LENGTH as it does behind nginx. libh2o calls
 * h2o_hpack_parse_headers through its PLT, so this definition (exported by
 * the executable) is the one it reaches; it calls the library's own, then
 *  - drops headers the client sent under keel's copy names (in the head
 *    or trailers), which must not pose as the copies params.c reads (the
 *    HTTP/1 hook does the same), and refuses a field with an empty name;
 *  - adds the copy of content-length when the client sent one (h2o has
 *    checked it against the body). Trailers (no pseudo-header map) get no
 *    copy: they are not the request head;
 *  - refuses, with 400 on the stream, a request head whose decoded fields
 *    pass --max-header-size (HPACK lets a small frame name large values
 *    again and again) or whose :authority nginx would refuse (host_check.h);
 *  - starts the clock on a body that follows the head (body_timer.h).
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <h2o.h>

#include "front/body_timer.h"
#include "front/header_copy.h"
#include "front/host_check.h"
#include "front/parser_hooks.h"

struct st_h2o_hpack_header_table_t;
struct st_h2o_cache_digests_t;

typedef int (*parse_fn)(h2o_req_t *req, struct st_h2o_hpack_header_table_t *table, const uint8_t *src, size_t len,
                        int *pseudo_header_exists_map, size_t *content_length, struct st_h2o_cache_digests_t **digests,
                        const char **err_desc);

int h2o_hpack_parse_headers(h2o_req_t *req, struct st_h2o_hpack_header_table_t *table, const uint8_t *src, size_t len,
                            int *pseudo_header_exists_map, size_t *content_length,
                            struct st_h2o_cache_digests_t **digests, const char **err_desc);

/* Drops keel's copy names among the headers from index `from` on: those
 * the decoder just added (a request head, or trailers appended to it).
 * Returns -1 when one of them has an empty name, which libh2o lets
 * through and PHP would get as "HTTP_" (nginx refuses it). */
static int
check_fields(h2o_headers_t *headers, size_t from)
{
    size_t out = from;
    for (size_t i = from; i < headers->size; i++) {
        const h2o_iovec_t *name = headers->entries[i].name;
        if (name->len == 0)
            return -1;
        if (keel_header_copy_original(name->base, name->len) != NULL)
            continue;
        headers->entries[out++] = headers->entries[i];
    }
    headers->size = out;
    return 0;
}

/* The bytes of a decoded request head: its pseudo-header values and the
 * names and values of its fields. */
static size_t
head_size(const h2o_req_t *req)
{
    size_t n = req->input.method.len + req->input.path.len + req->input.authority.len;
    for (size_t i = 0; i < req->headers.size; i++)
        n += req->headers.entries[i].name->len + req->headers.entries[i].value.len;
    return n;
}

int
h2o_hpack_parse_headers(h2o_req_t *req, struct st_h2o_hpack_header_table_t *table, const uint8_t *src, size_t len,
                        int *pseudo_header_exists_map, size_t *content_length, struct st_h2o_cache_digests_t **digests,
                        const char **err_desc)
{
    /* Resolved once; the library cannot change under a running process. */
    static parse_fn real;
    if (real == NULL)
        real = (parse_fn)dlsym(RTLD_NEXT, "h2o_hpack_parse_headers");
    if (real == NULL) {
        *err_desc = "keel: libh2o's HPACK decoder not found";
        return -1;
    }
    size_t before = req->headers.size;
    int r = real(req, table, src, len, pseudo_header_exists_map, content_length, digests, err_desc);
    if (r != 0)
        return r;
    if (check_fields(&req->headers, before) != 0) {
        *err_desc = "empty header name";
        /* trailers cannot be answered with 400: a connection error, as
         * libh2o ends one for trailers it refuses */
        return pseudo_header_exists_map != NULL ? H2O_HTTP2_ERROR_INVALID_HEADER_CHAR : H2O_HTTP2_ERROR_PROTOCOL;
    }
    if (pseudo_header_exists_map == NULL)
        return 0;
    /* As libh2o refuses a field with invalid characters: the stream gets
     * 400, the connection goes on. */
    if (head_size(req) > keel_parser_hooks_max_header_size()) {
        *err_desc = "request header fields too large";
        return H2O_HTTP2_ERROR_INVALID_HEADER_CHAR;
    }
    if (req->input.authority.base != NULL && !keel_http_host_ok(req->input.authority.base, req->input.authority.len)) {
        *err_desc = "invalid :authority";
        return H2O_HTTP2_ERROR_INVALID_HEADER_CHAR;
    }
    if (*content_length != SIZE_MAX) {
        char *value = h2o_mem_alloc_pool(&req->pool, 24);
        int n = snprintf(value, 24, "%zu", *content_length);
        h2o_add_header_by_str(&req->pool, &req->headers, KEEL_HDR_CONTENT_LENGTH, strlen(KEEL_HDR_CONTENT_LENGTH), 0,
                              NULL, value, (size_t)n);
    }
    keel_body_timer_start_http2(req);
    return 0;
}
