#include "front/compress.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "front/compress_policy.h"

/* libh2o compresses by 8 KiB (as its own filter does). */
#define CHUNK 8192

typedef struct {
    h2o_ostream_t super;
    h2o_compress_context_t *gzip;
} encoder_t;

static void
do_send(h2o_ostream_t *self, h2o_req_t *req, h2o_iovec_t *in, size_t count, h2o_send_state_t state)
{
    encoder_t *e = (encoder_t *)self;
    h2o_iovec_t *out;
    size_t out_count;
    e->gzip->transform(e->gzip, in, count, state, &out, &out_count);
    h2o_ostream_send_next(&e->super, req, out, out_count, state);
}

static keel_compress_text_t
res_header(const h2o_req_t *req, const h2o_token_t *token)
{
    ssize_t i = h2o_find_header(&req->res.headers, token, -1);
    if (i == -1)
        return (keel_compress_text_t){NULL, 0};
    return (keel_compress_text_t){req->res.headers.entries[i].value.base, req->res.headers.entries[i].value.len};
}

static void
on_setup_ostream(h2o_filter_t *self, h2o_req_t *req, h2o_ostream_t **slot)
{
    (void)self;
    ssize_t ae = h2o_find_header(&req->headers, H2O_TOKEN_ACCEPT_ENCODING, -1);
    keel_compress_in_t in = {
        .status = req->res.status,
        .head = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD")),
        .version = req->version,
        .content_length = req->res.content_length,
        .content_type = res_header(req, H2O_TOKEN_CONTENT_TYPE),
        .content_encoding = h2o_find_header(&req->res.headers, H2O_TOKEN_CONTENT_ENCODING, -1) != -1,
        .content_range = h2o_find_header(&req->res.headers, H2O_TOKEN_CONTENT_RANGE, -1) != -1,
        .cache_control = res_header(req, H2O_TOKEN_CACHE_CONTROL),
        .accept_encoding =
            ae == -1 ? (keel_compress_text_t){NULL, 0}
                     : (keel_compress_text_t){req->headers.entries[ae].value.base, req->headers.entries[ae].value.len},
    };
    keel_compress_verdict_t v = keel_compress_decide(&in);
    if (v != KEEL_COMPRESS_NO)
        h2o_set_header_token(&req->pool, &req->res.headers, H2O_TOKEN_VARY, H2O_STRLIT("Accept-Encoding"));
    if (v == KEEL_COMPRESS_GZIP) {
        req->res.content_length = SIZE_MAX;
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_ENCODING, NULL, H2O_STRLIT("gzip"));
        /* another representation: its ETag is weak, as nginx makes it, and
         * a byte range of it means nothing to the client */
        ssize_t i = h2o_find_header(&req->res.headers, H2O_TOKEN_ETAG, -1);
        if (i != -1 && req->res.headers.entries[i].value.len > 0 && req->res.headers.entries[i].value.base[0] == '"')
            req->res.headers.entries[i].value =
                h2o_concat(&req->pool, h2o_iovec_init(H2O_STRLIT("W/")), req->res.headers.entries[i].value);
        while ((i = h2o_find_header(&req->res.headers, H2O_TOKEN_ACCEPT_RANGES, -1)) != -1)
            h2o_delete_header(&req->res.headers, i);
        encoder_t *e = (void *)h2o_add_ostream(req, sizeof(*e), slot);
        e->super.do_send = do_send;
        e->gzip = h2o_compress_gzip_open(&req->pool, KEEL_COMPRESS_GZIP_LEVEL);
        slot = &e->super.next;
        if (req->preferred_chunk_size > CHUNK)
            req->preferred_chunk_size = CHUNK;
    }
    h2o_setup_next_ostream(req, slot);
}

void
keel_compress_register(h2o_pathconf_t *path)
{
    h2o_filter_t *f = h2o_create_filter(path, sizeof(*f));
    f->on_setup_ostream = on_setup_ostream;
}

/* route->path as a raw request path again ('%', '?', '#' encoded), with
 * suffix: what the router is asked about a sibling. */
static size_t
sibling_path(const char *path, const char *suffix, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = path; *p; p++) {
        if (n + 4 + strlen(suffix) >= cap)
            return 0;
        if (*p == '%' || *p == '?' || *p == '#') {
            static const char hex[] = "0123456789ABCDEF";
            out[n++] = '%';
            out[n++] = hex[(unsigned char)*p >> 4];
            out[n++] = hex[(unsigned char)*p & 0xf];
        } else {
            out[n++] = *p;
        }
    }
    memcpy(out + n, suffix, strlen(suffix) + 1);
    return n + strlen(suffix);
}

void
keel_compress_check_siblings(h2o_req_t *req, const keel_router_t *router, const keel_route_t *route)
{
    ssize_t ae = h2o_find_header(&req->headers, H2O_TOKEN_ACCEPT_ENCODING, -1);
    if (ae == -1)
        return;
    static const char *const suffixes[] = {".gz", ".br"};
    for (size_t i = 0; i < 2; i++) {
        char file[PATH_MAX + 4];
        struct stat st;
        int n = snprintf(file, sizeof(file), "%s%s", route->file, suffixes[i]);
        if (n < 0 || (size_t)n >= sizeof(file) || lstat(file, &st) != 0)
            continue;
        char raw[PATH_MAX];
        keel_route_t *sibling = h2o_mem_alloc_pool(&req->pool, sizeof(*sibling));
        size_t len = sibling_path(route->path, suffixes[i], raw, sizeof(raw));
        if (len != 0)
            keel_route(router, raw, len, sibling);
        if (len == 0 || sibling->kind != KEEL_ROUTE_STATIC) {
            /* refused by the router: neither it nor a compressed copy */
            h2o_delete_header(&req->headers, ae);
            return;
        }
    }
}
