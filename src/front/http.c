#include "front/http.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "front/compress.h"
#include "front/etag_match.h"
#include "front/http1_parse.h"
#include "front/params.h"
#include "front/range_guard.h"
#include "front/refusal_log.h"

typedef struct {
    h2o_handler_t super;
    h2o_hostconf_t *host; /* h2o names requests without Host after it */
    keel_routing_t *const *routing;
    h2o_handler_t *files;        /* h2o's file handler, at "/": given absolute paths */
    keel_refusal_log_t refusals; /* symlink refusals logged, once per path */
    keel_php_ctx_t *php;
    const char *listen_host;
    int listen_port;
    uint64_t max_body;
    const keel_http_tls_t *tls;
    bool precompressed; /* --compress: h2o's file handler serves .gz and .br siblings */
} http_handler_t;

/* h2o_filecache_get_etag's format */
static size_t
file_etag(const struct stat *st, char *etag, size_t size)
{
    int n = snprintf(etag, size, "\"%08x-%zx\"", (unsigned)st->st_mtime, (size_t)st->st_size);
    return n < 0 ? 0 : (size_t)n;
}

/* The Last-Modified date h2o's file handler sends. */
static size_t
file_date(const struct stat *st, char date[H2O_TIMESTR_RFC1123_LEN + 1])
{
    struct tm tm;
    gmtime_r(&st->st_mtime, &tm);
    h2o_time2str_rfc1123(date, &tm);
    return strlen(date);
}

/*
 * Conditional requests for a static file, made to behave as nginx's:
 * - h2o's file handler answers 304 only when If-None-Match is exactly its
 *   ETag; clients may send a list, weak tags or "*". A header that matches
 *   is replaced with the exact tag so h2o's check succeeds.
 * - nginx answers If-Modified-Since with 304 only for the exact
 *   Last-Modified date (its default "if_modified_since exact"); h2o also
 *   for any later date. Other dates are dropped so h2o sends the file.
 */
static void
match_conditionals(h2o_req_t *req, const struct stat *st)
{
    ssize_t inm = h2o_find_header(&req->headers, H2O_TOKEN_IF_NONE_MATCH, -1);
    ssize_t ims = h2o_find_header(&req->headers, H2O_TOKEN_IF_MODIFIED_SINCE, -1);
    if (inm != -1) {
        h2o_iovec_t *value = &req->headers.entries[inm].value;
        char etag[64];
        size_t n = file_etag(st, etag, sizeof(etag));
        if (keel_etag_list_matches(value->base, value->len, etag, n))
            *value = h2o_strdup(&req->pool, etag, n);
    }
    if (ims != -1) {
        char date[H2O_TIMESTR_RFC1123_LEN + 1];
        size_t n = file_date(st, date);
        if (!h2o_memis(req->headers.entries[ims].value.base, req->headers.entries[ims].value.len, date, n))
            h2o_delete_header(&req->headers, ims);
    }
}

/* A Range h2o's file handler must not honour (a stale If-Range, parts
 * that outweigh the file: range_guard.h) is dropped: the whole file. */
static void
guard_range(h2o_req_t *req, const struct stat *st)
{
    ssize_t range = h2o_find_header(&req->headers, H2O_TOKEN_RANGE, -1);
    if (range == -1)
        return;
    ssize_t if_range = h2o_find_header(&req->headers, H2O_TOKEN_IF_RANGE, -1);
    char etag[64], date[H2O_TIMESTR_RFC1123_LEN + 1];
    keel_range_request_t r = {
        .range = req->headers.entries[range].value.base,
        .range_len = req->headers.entries[range].value.len,
        .if_range = if_range == -1 ? NULL : req->headers.entries[if_range].value.base,
        .if_range_len = if_range == -1 ? 0 : req->headers.entries[if_range].value.len,
        .etag = etag,
        .etag_len = file_etag(st, etag, sizeof(etag)),
        .last_modified = date,
        .last_modified_len = file_date(st, date),
        .file_size = (size_t)st->st_size,
    };
    if (keel_range_decide(&r) == KEEL_RANGE_WHOLE)
        h2o_delete_header(&req->headers, range);
}

/* A refusal the HTTP/1 parser hook left for the handler (http1_parse.h). */
static int
parser_verdict(h2o_req_t *req)
{
    ssize_t i = h2o_find_header_by_str(&req->headers, H2O_STRLIT(KEEL_HTTP1_VERDICT_HEADER), -1);
    if (i == -1)
        return 0;
    if (h2o_memis(req->headers.entries[i].value.base, req->headers.entries[i].value.len, H2O_STRLIT("501")))
        h2o_send_error_generic(req, 501, "Not Implemented", "Not Implemented\n", H2O_SEND_ERROR_HTTP1_CLOSE_CONNECTION);
    else
        h2o_send_error_generic(req, 505, "HTTP Version Not Supported", "HTTP Version Not Supported\n",
                               H2O_SEND_ERROR_HTTP1_CLOSE_CONNECTION);
    return 1;
}

static int answer(http_handler_t *h, h2o_req_t *req);

/* The port the request's connection came in on (keel may listen on
 * several), or fallback when it has none (a Unix socket). */
static int
connection_port(h2o_req_t *req, int fallback)
{
    struct sockaddr_storage ss;
    if (req->conn->callbacks->get_sockname(req->conn, (void *)&ss) == 0)
        return fallback;
    int32_t p = h2o_socket_getport((void *)&ss);
    return p > 0 ? p : fallback;
}

static int
on_req(h2o_handler_t *self, h2o_req_t *req)
{
    http_handler_t *h = (http_handler_t *)self;
    if (parser_verdict(req))
        return 0;
    /* HTTP-01 answers and --redirect-https, before routing */
    if (keel_tls_http_handle(h->tls, req, h->listen_host))
        return 0;
    /* libh2o lets a body one byte past --max-body through (server.c) */
    if (req->entity.base != NULL && req->entity.len > h->max_body) {
        h2o_send_error_generic(req, 413, "Request Entity Too Large", "request entity is too large",
                               H2O_SEND_ERROR_HTTP1_CLOSE_CONNECTION);
        return 0;
    }
    /* h2o fills a missing Host with the host config's name. HTTP/1.1
     * requires Host (RFC 9112 3.2): 400, as nginx answers. */
    if (req->authority.base == h->host->authority.hostport.base) {
        if (req->version == 0x101) {
            h2o_send_error_400(req, "Bad Request", "Bad Request\n", H2O_SEND_ERROR_HTTP1_CLOSE_CONNECTION);
            return 0;
        }
        /* HTTP/1.0 without Host: no HTTP_HOST, as nginx passes none. */
        req->authority = h2o_iovec_init("", 0);
    }
    return answer(h, req);
}

/* Routes req with the paths in force and answers it; -1: a static file,
 * for h2o's file handler. */
static int
answer(http_handler_t *h, h2o_req_t *req)
{
    size_t plen = req->query_at == SIZE_MAX ? req->path.len : req->query_at;
    keel_route_t route;
    keel_route(&(*h->routing)->router, req->path.base, plen, &route);
    switch (route.kind) {
    case KEEL_ROUTE_STATIC:
        /* h2o's file handler, next on this path, serves it with
         * Content-Type, ETag/Last-Modified/304, Range and HEAD. It sits at
         * the file system's root and maps path_normalized under it: give
         * it the checked file under this generation's resolved root, so
         * the file comes from the release that routed it. */
        req->path_normalized = h2o_strdup(&req->pool, route.file, SIZE_MAX);
        struct stat st;
        if (stat(route.file, &st) == 0) {
            match_conditionals(req, &st);
            guard_range(req, &st);
        }
        if (h->precompressed)
            keel_compress_check_siblings(req, &(*h->routing)->router, &route);
        return -1;
    case KEEL_ROUTE_PHP:
    case KEEL_ROUTE_WORKER:
        return keel_php_handle(h->php, req, &route, (*h->routing)->id);
    case KEEL_ROUTE_REDIRECT_SLASH: {
        h2o_iovec_t query = req->query_at == SIZE_MAX
                                ? h2o_iovec_init("", 0)
                                : h2o_iovec_init(req->path.base + req->query_at, req->path.len - req->query_at);
        /* As nginx (absolute_redirect, port_in_redirect): the name the
         * client used, and the port keel listens on. */
        h2o_iovec_t host = keel_host_without_port(
            req->authority.len ? req->authority : h2o_iovec_init(h->listen_host, strlen(h->listen_host)));
        char port[16] = "";
        int tls = keel_params_conn_is_tls(req->conn), listening = connection_port(req, h->listen_port);
        if (listening > 0 && listening != (tls ? 443 : 80))
            snprintf(port, sizeof(port), ":%d", listening);
        h2o_iovec_t scheme = tls ? h2o_iovec_init(H2O_STRLIT("https")) : h2o_iovec_init(H2O_STRLIT("http"));
        h2o_iovec_t url =
            h2o_concat(&req->pool, scheme, h2o_iovec_init(H2O_STRLIT("://")), host, h2o_iovec_init(port, strlen(port)),
                       h2o_iovec_init(req->path.base, plen), h2o_iovec_init(H2O_STRLIT("/")), query);
        h2o_send_redirect(req, 301, "Moved Permanently", url.base, url.len);
        return 0;
    }
    case KEEL_ROUTE_FORBIDDEN:
        if (route.refusal != KEEL_REFUSAL_NONE)
            keel_refusal_log(&h->refusals, route.path, keel_route_refusal_text(route.refusal), route.target);
        h2o_send_error_403(req, "Forbidden", "Forbidden\n", 0);
        return 0;
    case KEEL_ROUTE_BAD_REQUEST:
        h2o_send_error_400(req, "Bad Request", "Bad Request\n", 0);
        return 0;
    case KEEL_ROUTE_NOT_FOUND:
    default:
        h2o_send_error_404(req, "Not Found", "Not Found\n", 0);
        return 0;
    }
}

/* A PHP request routed with paths that no longer serve (php_request.h):
 * routed again, and answered as if it had just arrived. */
static void
on_reroute(void *owner, h2o_req_t *req)
{
    http_handler_t *h = owner;
    if (answer(h, req) != 0 && h->files->on_req(h->files, req) != 0)
        h2o_send_error_404(req, "Not Found", "Not Found\n", 0);
}

void
keel_http_register(h2o_hostconf_t *host, h2o_pathconf_t *path, keel_routing_t *const *routing, keel_php_ctx_t *php,
                   const char *listen_host, int listen_port, uint64_t max_body, bool precompressed,
                   const keel_http_tls_t *tls)
{
    http_handler_t *h = (void *)h2o_create_handler(path, sizeof(*h));
    h->super.on_req = on_req;
    h->host = host;
    h->routing = routing;
    h->php = php;
    h->listen_host = listen_host;
    h->listen_port = listen_port;
    h->max_body = max_body;
    h->precompressed = precompressed;
    /* Reached only through on_req above, which returns -1 (on to it) for
     * nothing but a checked static file: no index files, since
     * directories never reach it (routing runs index.php). With
     * precompressed, a file's .br or .gz sibling goes in its place to a
     * client that takes it (nginx's gzip_static). */
    static const char *no_index[] = {NULL};
    /* (its handler is the first member of h2o's opaque file handler) */
    h->files = (h2o_handler_t *)h2o_file_register(path, "/", no_index, NULL,
                                                  precompressed ? H2O_FILE_FLAG_SEND_COMPRESSED : 0);
    php->reroute = on_reroute;
    php->reroute_owner = h;
    h->tls = tls;
    keel_tls_http_register(path, tls);
}
