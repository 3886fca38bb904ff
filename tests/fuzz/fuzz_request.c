/*
 * Fuzzes the request path where libh2o's parsers meet keel's, without
 * sockets: the first input byte picks HTTP/1 (a raw head through
 * keel_http1_parse_request with libh2o's phr_parse_request) or HTTP/2 (an
 * HPACK block through keel's h2o_hpack_parse_headers, which calls
 * libh2o's), and the size limit; the rest is the head. What is accepted
 * is then routed as far as routing is pure (route_path.h) and turned into
 * the CGI parameters PHP gets (keel_params_build). The checks are the
 * promises of http1_guard.h, host_check.h and params.c, made on what
 * comes out rather than trusted.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <h2o.h>
#include <h2o/http2.h>
#include <h2o/http2_internal.h>

#include "front/header_copy.h"
#include "front/host_check.h"
#include "front/http1_parse.h"
#include "front/params.h"
#include "front/parser_hooks.h"
#include "front/route_path.h"
#include "fuzz_check.h"
#include "ipc/message.h"

#define MAX_HEADERS 100 /* libh2o's H2O_MAX_HEADERS */

/* libh2o's own (the fuzzer does not link keel's hook). */
int phr_parse_request(const char *buf, size_t len, const char **method, size_t *method_len, const char **path,
                      size_t *path_len, int *minor_version, keel_http1_header_t *headers, size_t *num_headers,
                      size_t last_len);

static int
name_is(h2o_iovec_t name, const char *want)
{
    return name.len == strlen(want) && strncasecmp(name.base, want, name.len) == 0;
}

/* The CGI parameters of a request, routed as a PHP script when its path
 * names one, else as the front controller; checked entry by entry. */
static void
check_params(h2o_mem_pool_t *pool, h2o_req_t *req)
{
    static keel_router_t router = {.root = "/srv/app", .root_len = 8, .front_controller = "/index.php"};
    keel_params_ctx_t ctx = {.fallback_name = "127.0.0.1", .server_addr = "127.0.0.1", .server_port = "8080"};
    keel_route_t route = {.kind = KEEL_ROUTE_PHP, .router = &router};
    size_t plen = req->query_at == SIZE_MAX ? req->path.len : req->query_at;
    char *decoded = h2o_mem_alloc_pool(pool, plen + 1);
    size_t dlen = 0;
    if (keel_path_decode(req->path.base, plen, decoded, &dlen) != KEEL_PATH_OK)
        return;
    size_t script = keel_path_php_prefix(decoded, dlen);
    if (script == 0 || dlen + 9 > sizeof(route.file))
        return;
    memcpy(route.script_name, decoded, script);
    memcpy(route.path_info, decoded + script, dlen - script + 1);
    memcpy(route.file, "/srv/app", 8);
    memcpy(route.file + 8, decoded, script);
    route.file[8 + script] = '\0';
    keel_params_request_t in = {.method = req->method,
                                .path = req->path,
                                .query_at = req->query_at,
                                .version = req->version,
                                .authority = req->authority,
                                .headers = &req->headers};
    h2o_iovec_t payload = keel_params_build(pool, &in, &ctx, &route);
    keel_ipc_kv_reader_t r = {(const uint8_t *)payload.base, (const uint8_t *)payload.base + payload.len};
    const char *name, *value;
    size_t nlen, vlen;
    keel_ipc_result_t res;
    while ((res = keel_ipc_kv_next(&r, &name, &nlen, &value, &vlen)) == KEEL_IPC_OK) {
        CHECK(nlen > 0);
        if (nlen >= 5 && memcmp(name, "HTTP_", 5) == 0) {
            /* a header with a name, and nothing PHP could mistake for another */
            CHECK(nlen > 5);
            for (size_t i = 5; i < nlen; i++)
                CHECK(!(name[i] >= 'a' && name[i] <= 'z') && name[i] != '-' && name[i] != ':');
        }
        if (nlen == 11 && memcmp(name, "SERVER_NAME", 11) == 0)
            CHECK(memchr(value, '/', vlen) == NULL);
        if (nlen == 9 && memcmp(name, "HTTP_HOST", 9) == 0)
            CHECK(keel_http_host_ok(value, vlen));
    }
    CHECK(res == KEEL_IPC_NEED_MORE);
}

static void check_http1(h2o_mem_pool_t *pool, size_t max_head, int r, size_t len, const char *method, size_t method_len,
                        const char *path, size_t path_len, int minor, keel_http1_header_t *h, size_t n, int has_body);

/* h2o's view of what the HTTP/1 parser accepted, as its init_headers
 * builds it: names lowercased, Host as the authority, the headers it
 * consumes (Content-Length, Transfer-Encoding, Expect, Upgrade) kept out. */
static void
http1_request(h2o_mem_pool_t *pool, h2o_req_t *req, const char *method, size_t method_len, const char *path,
              size_t path_len, int minor, keel_http1_header_t *h, size_t n)
{
    req->method = h2o_iovec_init(method, method_len);
    req->path = h2o_iovec_init(path, path_len);
    req->query_at = h2o_strstr(path, path_len, H2O_STRLIT("?"));
    req->version = 0x100 | (minor != 0);
    for (size_t i = 0; i < n; i++) {
        h2o_strtolower((char *)h[i].name, h[i].name_len);
        h2o_iovec_t name = h2o_iovec_init(h[i].name, h[i].name_len);
        if (name_is(name, "host"))
            req->authority = h2o_iovec_init(h[i].value, h[i].value_len);
        else if (!name_is(name, "content-length") && !name_is(name, "transfer-encoding") && !name_is(name, "expect") &&
                 !name_is(name, "upgrade"))
            h2o_add_header_by_str(pool, &req->headers, h[i].name, h[i].name_len, 1, NULL, h[i].value, h[i].value_len);
    }
}

static void
fuzz_http1(size_t max_head, const char *buf, size_t len)
{
    h2o_mem_pool_t own, *pool = &own;
    h2o_mem_init_pool(pool);
    const char *method, *path;
    size_t method_len, path_len, n = MAX_HEADERS;
    int minor, has_body;
    keel_http1_header_t h[MAX_HEADERS];
    int r = keel_http1_parse_request(phr_parse_request, pool, max_head, buf, len, &method, &method_len, &path,
                                     &path_len, &minor, h, &n, 0, &has_body);
    CHECK(r >= -2 && r != 0);
    if (r > 0)
        check_http1(pool, max_head, r, len, method, method_len, path, path_len, minor, h, n, has_body);
    h2o_mem_clear_pool(pool);
}

static void
check_http1(h2o_mem_pool_t *pool, size_t max_head, int r, size_t len, const char *method, size_t method_len,
            const char *path, size_t path_len, int minor, keel_http1_header_t *h, size_t n, int has_body)
{
    CHECK((size_t)r <= len);
    CHECK(n <= MAX_HEADERS);
    int verdict = 0, hosts = 0, lengths = 0, codings = 0, body_headers = 0;
    for (size_t i = 0; i < n; i++) {
        CHECK(h[i].name != NULL && h[i].name_len > 0); /* no continuation line got through */
        CHECK(h[i].value_len == 0 || h[i].value[h[i].value_len - 1] != ' ');
        h2o_iovec_t name = h2o_iovec_init(h[i].name, h[i].name_len);
        if (name_is(name, KEEL_HTTP1_VERDICT_HEADER)) {
            CHECK(h2o_memis(h[i].value, h[i].value_len, H2O_STRLIT("501")) ||
                  h2o_memis(h[i].value, h[i].value_len, H2O_STRLIT("505")));
            verdict++;
        }
        if (name_is(name, "host")) {
            hosts++;
            CHECK(keel_http_host_ok(h[i].value, h[i].value_len));
        }
        lengths += name_is(name, "content-length");
        if (name_is(name, "transfer-encoding")) {
            codings++;
            CHECK(h2o_lcstris(h[i].value, h[i].value_len, H2O_STRLIT("chunked")));
            CHECK(minor != 0);
        }
        body_headers += name_is(name, "content-length") || name_is(name, "transfer-encoding") ||
                        name_is(name, "expect") || name_is(name, "upgrade");
    }
    CHECK(verdict <= 1);
    if (verdict) {
        /* refused: nothing for libh2o to read a body by */
        CHECK(body_headers == 0 && !has_body);
        return;
    }
    CHECK((size_t)r <= max_head);
    CHECK(hosts <= 1 && lengths <= 1 && codings <= 1 && !(lengths && codings));
    CHECK(has_body == (lengths || codings));
    h2o_req_t req;
    memset(&req, 0, sizeof(req));
    http1_request(pool, &req, method, method_len, path, path_len, minor, h, n);
    check_params(pool, &req);
}

static void
fuzz_http2(size_t max_head, const uint8_t *block, size_t len)
{
    keel_parser_hooks_configure(max_head);
    h2o_hpack_header_table_t table = {.hpack_capacity = 4096, .hpack_max_capacity = 4096};
    h2o_req_t req;
    memset(&req, 0, sizeof(req));
    h2o_mem_init_pool(&req.pool);
    h2o_mem_pool_t *pool = &req.pool;
    int exists = 0;
    size_t content_length;
    const char *err = NULL;
    int r = h2o_hpack_parse_headers(&req, &table, block, len, &exists, &content_length, NULL, &err);
    if (r == 0) {
        if (req.input.authority.base != NULL)
            CHECK(keel_http_host_ok(req.input.authority.base, req.input.authority.len));
        size_t head = req.input.method.len + req.input.path.len + req.input.authority.len;
        for (size_t i = 0; i < req.headers.size; i++) {
            /* the client's own keel copy names are gone */
            if (keel_header_copy_original(req.headers.entries[i].name->base, req.headers.entries[i].name->len))
                CHECK(content_length != SIZE_MAX && name_is(*req.headers.entries[i].name, KEEL_HDR_CONTENT_LENGTH));
            else
                head += req.headers.entries[i].name->len + req.headers.entries[i].value.len;
        }
        CHECK(head <= max_head);
        if (req.input.method.base != NULL && req.input.path.base != NULL && req.input.path.len > 0) {
            req.method = req.input.method;
            req.path = req.input.path;
            req.query_at = h2o_strstr(req.path.base, req.path.len, H2O_STRLIT("?"));
            req.authority = req.input.authority.base != NULL ? req.input.authority : h2o_iovec_init("", 0);
            req.version = 0x200;
            check_params(pool, &req);
        }
    }
    h2o_hpack_dispose_header_table(&table);
    h2o_mem_clear_pool(&req.pool);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    /* 1K to 16K: small enough for the fuzzer to cross */
    size_t max_head = 1024 * (1 + ((data[0] >> 1) & 15));
    char *buf = fuzz_dup(data + 1, size - 1); /* the parsers write into it (lowercasing) */
    if (data[0] & 1)
        fuzz_http2(max_head, (const uint8_t *)buf, size - 1);
    else
        fuzz_http1(max_head, buf, size - 1);
    free(buf);
    return 0;
}
