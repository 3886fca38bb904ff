#include "front/params.h"

#include <ctype.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "common/text.h"
#include "front/basic_auth.h"
#include "front/header_copy.h"
#include "ipc/message.h"

#define MAX_PARAMS 64 /* fixed parameters; request headers come on top */

typedef struct {
    h2o_iovec_t name, value;
} param_t;

typedef struct {
    param_t *items;
    size_t count, cap;
    h2o_mem_pool_t *pool;
} param_list_t;

static void
add(param_list_t *l, const char *name, size_t nlen, const char *value, size_t vlen)
{
    if (l->count == l->cap)
        return; /* sized up front; cannot happen */
    l->items[l->count++] = (param_t){h2o_iovec_init(name, nlen), h2o_iovec_init(value, vlen)};
}

#define ADD_LIT(l, name, value) add(l, name, sizeof(name) - 1, value, strlen(value))
#define ADD_VEC(l, name, vec)   add(l, name, sizeof(name) - 1, (vec).base, (vec).len)

/* "Accept-Language" -> "HTTP_ACCEPT_LANGUAGE" */
static h2o_iovec_t
cgi_header_name(h2o_mem_pool_t *pool, const h2o_iovec_t *name)
{
    char *buf = h2o_mem_alloc_pool(pool, name->len + 5);
    memcpy(buf, "HTTP_", 5);
    for (size_t i = 0; i < name->len; i++) {
        char c = name->base[i];
        buf[5 + i] = c == '-' ? '_' : (char)toupper((unsigned char)c);
    }
    return h2o_iovec_init(buf, name->len + 5);
}

static void
add_address(param_list_t *l, const char *addr_name, const char *port_name, const struct sockaddr *csa, socklen_t len)
{
    struct sockaddr *sa = (struct sockaddr *)csa; /* h2o's helpers take it non-const, and only read it */
    char *host;
    size_t hlen;
    if (sa->sa_family == AF_UNIX) {
        /* a unix: listener: "unix:" and the path, if the socket has one
         * (the listener's does, a client's usually not), and no port, as
         * nginx's $remote_addr and $server_addr give it */
        const struct sockaddr_un *un = (const struct sockaddr_un *)csa;
        size_t at = offsetof(struct sockaddr_un, sun_path);
        size_t plen = (size_t)len > at ? strnlen(un->sun_path, (size_t)len - at) : 0;
        host = h2o_mem_alloc_pool(l->pool, 5 + plen + 1);
        memcpy(host, "unix:", 5);
        memcpy(host + 5, un->sun_path, plen);
        host[5 + plen] = '\0';
        add(l, addr_name, strlen(addr_name), host, 5 + plen);
        add(l, port_name, strlen(port_name), "", 0);
        return;
    }
    if (sa->sa_family == AF_INET) {
        /* the common case, without the sprintf() h2o formats it with */
        host = h2o_mem_alloc_pool(l->pool, 16);
        hlen = keel_ipv4_format(host, (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr.s_addr);
    } else {
        host = h2o_mem_alloc_pool(l->pool, NI_MAXHOST);
        hlen = h2o_socket_getnumerichost(sa, len, host);
        if (hlen == SIZE_MAX)
            hlen = 0;
    }
    char *port = h2o_mem_alloc_pool(l->pool, 20);
    int32_t p = h2o_socket_getport(sa);
    size_t plen = keel_u64_format(port, p < 0 ? 0 : (uint64_t)p);
    add(l, addr_name, strlen(addr_name), host, hlen);
    add(l, port_name, strlen(port_name), port, plen);
}

bool
keel_params_conn_is_tls(h2o_conn_t *conn)
{
    if (conn->callbacks->get_socket == NULL)
        return false;
    h2o_socket_t *sock = conn->callbacks->get_socket(conn);
    return sock != NULL && sock->ssl != NULL;
}

/* What the connection's scheme tells PHP: REQUEST_SCHEME and HTTPS as
 * nginx's fastcgi_params give them, and mod_ssl's SSL_PROTOCOL and
 * SSL_CIPHER over TLS. */
static void
add_scheme(param_list_t *l, const keel_params_request_t *req)
{
    ADD_LIT(l, "REQUEST_SCHEME", req->https ? "https" : "http");
    if (!req->https)
        return;
    ADD_LIT(l, "HTTPS", "on");
    if (req->ssl_protocol != NULL)
        ADD_LIT(l, "SSL_PROTOCOL", req->ssl_protocol);
    if (req->ssl_cipher != NULL)
        ADD_LIT(l, "SSL_CIPHER", req->ssl_cipher);
}

h2o_iovec_t
keel_host_without_port(h2o_iovec_t host)
{
    if (host.len == 0)
        return host;
    /* "[::1]:8080": the port follows the bracket; "host:8080": the colon */
    const char *end = host.base[0] == '[' ? memchr(host.base, ']', host.len) : memchr(host.base, ':', host.len);
    if (end == NULL)
        return host;
    if (host.base[0] == '[')
        end++;
    return h2o_iovec_init(host.base, (size_t)(end - host.base));
}

static socklen_t
ask_sockname(void *conn, struct sockaddr *out)
{
    h2o_conn_t *c = conn;
    return c->callbacks->get_sockname(c, out);
}

void
keel_params_from_h2o(h2o_req_t *req, const keel_params_ctx_t *ctx, keel_params_request_t *in,
                     struct sockaddr_storage *peer, struct sockaddr_storage *local)
{
    *in = (keel_params_request_t){
        .method = req->method,
        .path = req->path,
        .query_at = req->query_at,
        .version = req->version,
        /* the connection's, as nginx's $https: an HTTP/2 client names
         * its own :scheme, which proves nothing */
        .https = keel_params_conn_is_tls(req->conn),
        .authority = req->authority,
        .headers = &req->headers,
        .has_body = req->entity.base != NULL,
        .body_len = req->entity.base != NULL ? req->entity.len : 0,
    };
    if (in->https) {
        h2o_socket_t *sock = req->conn->callbacks->get_socket(req->conn);
        in->ssl_protocol = h2o_socket_get_ssl_protocol_version(sock);
        in->ssl_cipher = h2o_socket_get_ssl_cipher(sock);
    }
    if ((in->peer_len = req->conn->callbacks->get_peername(req->conn, (void *)peer)) != 0)
        in->peer = (const struct sockaddr *)peer;
    /* bound to one address: no getsockname() at all; else one per connection */
    if (ctx->server_addr == NULL) {
        in->local_len = ctx->socknames != NULL ? keel_sockname_cached(ctx->socknames, req->conn->id, ask_sockname,
                                                                      req->conn, (void *)local)
                                               : ask_sockname(req->conn, (void *)local);
        if (in->local_len != 0)
            in->local = (const struct sockaddr *)local;
    }
}

h2o_iovec_t
keel_params_build(h2o_mem_pool_t *pool, const keel_params_request_t *req, const keel_params_ctx_t *ctx,
                  const keel_route_t *route)
{
    const keel_router_t *router = route->router; /* the generation's paths */
    const char *server_name = ctx->server_name, *fallback_name = ctx->fallback_name;
    param_list_t l = {.cap = MAX_PARAMS + ctx->extra_count + req->headers->size, .pool = pool};
    l.items = h2o_mem_alloc_pool(pool, l.cap * sizeof(*l.items));

    /* request line */
    h2o_iovec_t query = req->query_at == SIZE_MAX
                            ? h2o_iovec_init("", 0)
                            : h2o_iovec_init(req->path.base + req->query_at + 1, req->path.len - req->query_at - 1);
    ADD_VEC(&l, "REQUEST_METHOD", req->method);
    ADD_VEC(&l, "REQUEST_URI", req->path);
    ADD_VEC(&l, "QUERY_STRING", query);
    const char *proto = req->version >= 0x200 ? "HTTP/2.0" : req->version == 0x100 ? "HTTP/1.0" : "HTTP/1.1";
    ADD_LIT(&l, "SERVER_PROTOCOL", proto);
    ADD_LIT(&l, "GATEWAY_INTERFACE", "CGI/1.1");
    ADD_LIT(&l, "SERVER_SOFTWARE", "keel/" KEEL_VERSION);
    add_scheme(&l, req);
    ADD_LIT(&l, "REDIRECT_STATUS", "200");
    /* PHP-FPM's own parameter: applications see the same $_SERVER keys. */
    ADD_LIT(&l, "FCGI_ROLE", "RESPONDER");
    /* As FrankenPHP sets it, so integrations detect worker mode. */
    if (route->kind == KEEL_ROUTE_WORKER)
        ADD_LIT(&l, "FRANKENPHP_WORKER", "1");

    /* script */
    ADD_LIT(&l, "DOCUMENT_ROOT", router->root_len ? router->root : "/");
    ADD_LIT(&l, "SCRIPT_FILENAME", h2o_strdup(pool, route->file, SIZE_MAX).base);
    h2o_iovec_t script_name = h2o_strdup(pool, route->script_name, SIZE_MAX);
    ADD_VEC(&l, "SCRIPT_NAME", script_name);
    /* nginx's $document_uri after try_files: the script's URI */
    ADD_VEC(&l, "DOCUMENT_URI", script_name);
    ADD_LIT(&l, "PATH_INFO", h2o_strdup(pool, route->path_info, SIZE_MAX).base);

    /* connection */
    if (req->peer != NULL) {
        add_address(&l, "REMOTE_ADDR", "REMOTE_PORT", req->peer, req->peer_len);
        if (req->peer_port_unknown)
            l.items[l.count - 1].value.len = 0;
    }
    size_t before = l.count;
    if (ctx->server_addr != NULL) {
        ADD_LIT(&l, "SERVER_ADDR", ctx->server_addr);
        ADD_LIT(&l, "SERVER_PORT", ctx->server_port);
    } else if (req->local != NULL) {
        add_address(&l, "SERVER_ADDR", "SERVER_PORT", req->local, req->local_len);
    }
    if (req->forwarded_port != NULL && l.count == before + 2) /* SERVER_PORT is the last */
        l.items[l.count - 1].value = h2o_iovec_init(req->forwarded_port, strlen(req->forwarded_port));
    /* SERVER_NAME: the configured name, else the host the client asked
     * for without its port (or the listening address without a Host). */
    h2o_iovec_t host = server_name != NULL        ? h2o_iovec_init(server_name, strlen(server_name))
                       : req->forwarded_host.base ? req->forwarded_host
                                                  : keel_host_without_port(req->authority);
    if (host.len == 0 && fallback_name != NULL)
        host = h2o_iovec_init(fallback_name, strlen(fallback_name));
    ADD_VEC(&l, "SERVER_NAME", host);
    /* nginx's $remote_user: the user of Basic credentials, else empty */
    ssize_t auth = h2o_find_header(req->headers, H2O_TOKEN_AUTHORIZATION, -1);
    char *user = h2o_mem_alloc_pool(pool, 256);
    size_t user_len = 0;
    if (auth != -1)
        user_len = keel_basic_auth_user(req->headers->entries[auth].value.base, req->headers->entries[auth].value.len,
                                        user, 256);
    add(&l, "REMOTE_USER", 11, user, user_len);

    /* body */
    if (req->has_body) {
        char *cl = h2o_mem_alloc_pool(pool, 20);
        add(&l, "CONTENT_LENGTH", 14, cl, keel_u64_format(cl, req->body_len));
    } else {
        ADD_LIT(&l, "CONTENT_LENGTH", "");
    }
    ssize_t ct = h2o_find_header(req->headers, H2O_TOKEN_CONTENT_TYPE, -1);
    if (ct != -1)
        ADD_VEC(&l, "CONTENT_TYPE", req->headers->entries[ct].value);
    else
        ADD_LIT(&l, "CONTENT_TYPE", "");

    /* --param, as nginx's fastcgi_param: a name keel sets already gets
     * the configured value (PHP-FPM would keep the last of the two). */
    for (size_t i = 0; i < ctx->extra_count; i++) {
        const char *kv = ctx->extra[i], *eq = strchr(kv, '=');
        size_t klen = (size_t)(eq - kv), j;
        for (j = 0; j < l.count; j++)
            if (h2o_memis(l.items[j].name.base, l.items[j].name.len, kv, klen))
                break;
        if (j < l.count)
            l.items[j].value = h2o_iovec_init(eq + 1, strlen(eq + 1));
        else
            add(&l, kv, klen, eq + 1, strlen(eq + 1));
    }

    /* HTTP_* for every request header; repeats are joined with ", "
     * (cookies with "; "), so no value is lost. */
    size_t first_header = l.count;
    /* h2o keeps Host as the request's authority, not as a header. */
    if (req->authority.len != 0)
        ADD_VEC(&l, "HTTP_HOST", req->authority);
    for (size_t i = 0; i < req->headers->size; i++) {
        const h2o_header_t *h = &req->headers->entries[i];
        /* Like nginx (underscores_in_headers off): "X_Forwarded_For" must
         * not be able to pose as X-Forwarded-For once both become
         * HTTP_X_FORWARDED_FOR. */
        if (memchr(h->name->base, '_', h->name->len) != NULL)
            continue;
        /* Headers h2o consumes itself (Content-Length, Transfer-Encoding,
         * Expect, Upgrade) reach PHP from the parser hooks' copies, under
         * their own names; any other name is passed as it came. */
        h2o_iovec_t hname = *h->name;
        const char *original = keel_header_copy_original(hname.base, hname.len);
        if (original != NULL)
            hname = h2o_iovec_init(original, strlen(original));
        h2o_iovec_t name = cgi_header_name(pool, &hname);
        size_t j;
        for (j = first_header; j < l.count; j++)
            if (h2o_memis(l.items[j].name.base, l.items[j].name.len, name.base, name.len))
                break;
        /* Optional whitespace around a field value is not part of it (RFC 9110 5.5). */
        h2o_iovec_t value = h->value;
        while (value.len && value.base[value.len - 1] == ' ')
            value.len--; /* trailing tabs stay, as nginx passes them */
        if (j < l.count) {
            const char *sep = h->name == &H2O_TOKEN_COOKIE->buf ? "; " : ", ";
            l.items[j].value = h2o_concat(pool, l.items[j].value, h2o_iovec_init(sep, 2), value);
        } else {
            add(&l, name.base, name.len, value.base, value.len);
        }
    }

    size_t size = 0;
    for (size_t i = 0; i < l.count; i++)
        size += keel_ipc_kv_size(l.items[i].name.len, l.items[i].value.len);
    uint8_t *buf = h2o_mem_alloc_pool(pool, size), *p = buf;
    for (size_t i = 0; i < l.count; i++)
        p += keel_ipc_kv_put(p, l.items[i].name.base, l.items[i].name.len, l.items[i].value.base, l.items[i].value.len);
    return h2o_iovec_init(buf, size);
}
