#include "front/proxy_params.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "front/forwarded.h"

/* Conflicts seen, logged at the 1st, 2nd, 4th, 8th...: a misconfigured
 * proxy is seen without a client being able to fill the log. Only the
 * front's thread touches it. */
static unsigned long long conflicts;

static void
add(keel_fwd_text_t *list, size_t *count, const h2o_header_t *h)
{
    if (*count == KEEL_FWD_MAX_HEADERS) {
        /* the walk reads from the right: the leftmost one goes */
        memmove(list, list + 1, (KEEL_FWD_MAX_HEADERS - 1) * sizeof(*list));
        (*count)--;
    }
    list[(*count)++] = (keel_fwd_text_t){h->value.base, h->value.len};
}

static void
first(keel_fwd_text_t *slot, const h2o_header_t *h)
{
    if (slot->base == NULL)
        *slot = (keel_fwd_text_t){h->value.base, h->value.len};
}

/* Whether peer (the connection's; NULL: a unix: socket's) is trusted; out
 * as keel_fwd_resolve. */
static bool
resolve(h2o_req_t *req, const keel_ip_t *peer, const keel_fwd_trust_t *trust, keel_fwd_result_t *out)
{
    keel_fwd_headers_t in = {0};
    for (size_t i = 0; i < req->headers.size; i++) {
        const h2o_header_t *h = &req->headers.entries[i];
        const h2o_iovec_t *n = h->name;
        if (n == &H2O_TOKEN_X_FORWARDED_FOR->buf)
            add(in.xff, &in.xff_count, h);
        else if (h2o_lcstris(n->base, n->len, H2O_STRLIT("forwarded")))
            add(in.forwarded, &in.forwarded_count, h);
        else if (h2o_lcstris(n->base, n->len, H2O_STRLIT("x-forwarded-proto")))
            first(&in.proto, h);
        else if (h2o_lcstris(n->base, n->len, H2O_STRLIT("x-forwarded-host")))
            first(&in.host, h);
        else if (h2o_lcstris(n->base, n->len, H2O_STRLIT("x-forwarded-port")))
            first(&in.port, h);
    }
    return keel_fwd_resolve(peer, trust, &in, out);
}

/* The peer's address into ip; NULL when it has none (a unix: socket's). */
static const keel_ip_t *
peer_address(const struct sockaddr *sa, keel_ip_t *ip)
{
    return sa != NULL && keel_ip_from_sockaddr(sa, ip, NULL) == 0 ? ip : NULL;
}

/* Whether such a peer could be trusted at all: the headers are read only
 * then. */
static bool
may_trust(const keel_fwd_trust_t *trust, const keel_ip_t *peer_ip, bool unix_peer)
{
    return (peer_ip != NULL && trust->count != 0) || (unix_peer && trust->unix_peers);
}

static void
to_sockaddr(const keel_ip_t *ip, int port, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof(*ss));
    if (ip->v4) {
        struct sockaddr_in *in = (struct sockaddr_in *)ss;
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)port);
        memcpy(&in->sin_addr.s_addr, ip->addr + 12, 4);
        *len = sizeof(*in);
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        memcpy(in6->sin6_addr.s6_addr, ip->addr, 16);
        *len = sizeof(*in6);
    }
}

void
keel_proxy_params_apply(h2o_req_t *req, const keel_params_ctx_t *ctx, keel_params_request_t *in,
                        struct sockaddr_storage *peer)
{
    keel_ip_t ip;
    const keel_ip_t *peer_ip = peer_address(in->peer, &ip);
    if (!may_trust(&ctx->trust, peer_ip, in->peer != NULL && in->peer->sa_family == AF_UNIX))
        return;
    keel_fwd_result_t r;
    if (!resolve(req, peer_ip, &ctx->trust, &r))
        return;
    if (r.conflict)
        conflicts++;
    if (r.conflict && (conflicts & (conflicts - 1)) == 0)
        keel_warn("a trusted proxy sent X-Forwarded-For and Forwarded naming different clients; neither is believed "
                  "(a proxy that sets one must drop the other from clients) (%llu so far)",
                  conflicts);
    if (r.client_known) {
        /* as nginx's real_ip: the header's port, or none */
        to_sockaddr(&r.client, r.client_port, peer, &in->peer_len);
        in->peer = (const struct sockaddr *)peer;
        in->peer_port_unknown = r.client_port == 0;
    }
    if (r.https >= 0)
        in->https = r.https == 1;
    if (r.host.base != NULL)
        in->forwarded_host = h2o_strdup(&req->pool, r.host.base, r.host.len);
    if (r.port != 0) {
        char *port = h2o_mem_alloc_pool(&req->pool, 8);
        snprintf(port, 8, "%d", r.port);
        in->forwarded_port = port;
    }
}

size_t
keel_proxy_client_text(h2o_req_t *req, const keel_fwd_trust_t *trust, char *buf)
{
    struct sockaddr_storage ss;
    socklen_t len = req->conn->callbacks->get_peername(req->conn, (void *)&ss);
    keel_ip_t ip;
    const keel_ip_t *peer_ip = len != 0 ? peer_address((struct sockaddr *)&ss, &ip) : NULL;
    bool unix_peer = len != 0 && ss.ss_family == AF_UNIX;
    keel_fwd_result_t r;
    if (may_trust(trust, peer_ip, unix_peer) && resolve(req, peer_ip, trust, &r) && r.client_known)
        return keel_ip_format(&r.client, buf);
    if (peer_ip != NULL)
        return keel_ip_format(peer_ip, buf);
    /* a client of a unix: listener, written as nginx's $remote_addr is */
    if (unix_peer) {
        memcpy(buf, "unix:", sizeof("unix:"));
        return sizeof("unix:") - 1;
    }
    buf[0] = '\0';
    return 0;
}
