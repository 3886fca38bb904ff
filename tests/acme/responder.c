/*
 * A stand-in for keel's front while it has no TLS listener: one process,
 * one libh2o event loop, with keel's ACME client plugged in the way the
 * front is meant to plug it in (docs/acme.md):
 *
 *   - the client's descriptor is watched by the loop (DONT_READ socket),
 *     keel_acme_run() called when it is readable;
 *   - a cleartext h2o listener answers GET /.well-known/acme-challenge/TOKEN
 *     with keel_acme_http01_response();
 *   - a TLS listener (OpenSSL through h2o) answers TLS-ALPN-01: a client
 *     that offers "acme-tls/1" gets keel_acme_tls_alpn01()'s certificate
 *     for its server name, and the connection closes after the handshake;
 *   - certificates and failures arrive through the client's callbacks.
 *
 * Options are the future `keel serve` options (--acme-domain, ...), plus
 * the listening descriptors the test passes in (--http-fd, --tls-fd) and
 * the backoff (--retry-first-ms, --retry-max-ms). Each event is one line on
 * stdout, for tests/acme/ to wait on; keel's log goes to stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <h2o.h>

#include "acme/acme.h"
#include "common/log.h"

#define MAX_DOMAINS 16

typedef struct {
    h2o_handler_t super;
    keel_acme_t **acme;
} challenge_handler_t;

typedef struct {
    keel_acme_t *acme;
    h2o_globalconf_t conf;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    h2o_socket_t *http_listener;
    h2o_socket_t *tls_listener;
    h2o_socket_t *acme_sock;
    h2o_socket_t *signals;
    SSL_CTX *ssl_ctx;
    int offer_index; /* SSL ex_data: the client offered acme-tls/1 */
    int stop;
} responder_t;

/* ------------------------------------------------------------ what the client reports */

static void
on_certificate(void *owner, const keel_acme_certificate_t *c)
{
    (void)owner;
    char serial[128] = "?";
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(c->leaf), NULL);
    char *hex = bn != NULL ? BN_bn2hex(bn) : NULL;
    if (hex != NULL)
        snprintf(serial, sizeof(serial), "%s", hex);
    OPENSSL_free(hex);
    BN_free(bn);
    printf("certificate %s issued_now=%d not_before_ms=%lld not_after_ms=%lld renew_at_ms=%lld serial=%s issuers=%d "
           "chain=%s key=%s names=",
           c->names[0], c->issued_now, (long long)c->not_before_ms, (long long)c->not_after_ms,
           (long long)c->renew_at_ms, serial, sk_X509_num(c->issuers), c->chain_path, c->key_path);
    for (size_t i = 0; i < c->n_names; i++)
        printf("%s%s", i ? "," : "", c->names[i]);
    printf("\n");
    fflush(stdout);
}

static void
on_failed(void *owner, const char *name, const char *reason, uint64_t retry_in_ms)
{
    (void)owner;
    printf("failed %s retry_in_ms=%llu reason=%s\n", name, (unsigned long long)retry_in_ms, reason);
    fflush(stdout);
}

/* ------------------------------------------------------------ HTTP-01 */

static int
on_req(h2o_handler_t *self, h2o_req_t *req)
{
    keel_acme_t *acme = *((challenge_handler_t *)self)->acme;
    const char *token;
    size_t len;
    const char *body = NULL;
    if (h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) &&
        keel_acme_http01_token(req->path_normalized.base, req->path_normalized.len, &token, &len))
        body = keel_acme_http01_response(acme, token, len);
    printf("http-01 %.*s %s\n", (int)req->path_normalized.len, req->path_normalized.base, body ? "answered" : "404");
    fflush(stdout);
    if (body == NULL) {
        h2o_send_error_404(req, "Not Found", "not found\n", 0);
        return 0;
    }
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, H2O_STRLIT("application/octet-stream"));
    h2o_send_inline(req, body, strlen(body));
    return 0;
}

static void
on_http_accept(h2o_socket_t *listener, const char *err)
{
    responder_t *r = listener->data;
    if (err != NULL)
        return;
    h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
    if (sock != NULL)
        h2o_accept(&r->accept_ctx, sock);
}

/* ------------------------------------------------------------ TLS-ALPN-01 */

/* Only here can the ClientHello's extensions be read: remember whether it
 * offers acme-tls/1 for the server-name callback, which comes next. */
static int
on_client_hello(SSL *ssl, int *alert, void *arg)
{
    responder_t *r = arg;
    const unsigned char *ext;
    size_t len;
    int offers = SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &ext, &len) &&
                 keel_acme_alpn_offers_acme_tls(ext, len);
    if (SSL_set_ex_data(ssl, r->offer_index, offers ? (void *)1 : NULL) != 1) {
        *alert = SSL_AD_INTERNAL_ERROR;
        return SSL_CLIENT_HELLO_ERROR;
    }
    return SSL_CLIENT_HELLO_SUCCESS;
}

static int
on_server_name(SSL *ssl, int *alert, void *arg)
{
    responder_t *r = arg;
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    X509 *cert;
    EVP_PKEY *key;
    int offers = SSL_get_ex_data(ssl, r->offer_index) != NULL;
    int found = offers && keel_acme_tls_alpn01(r->acme, name, &cert, &key) == 0;
    printf("tls-alpn-01 %s offers=%d %s\n", name != NULL ? name : "-", offers, found ? "answered" : "refused");
    fflush(stdout);
    /* this listener serves nothing but challenges */
    if (!found) {
        *alert = SSL_AD_UNRECOGNIZED_NAME;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    if (SSL_use_certificate(ssl, cert) != 1 || SSL_use_PrivateKey(ssl, key) != 1) {
        *alert = SSL_AD_INTERNAL_ERROR;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    return SSL_TLSEXT_ERR_OK;
}

static int
on_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in, unsigned inlen, void *arg)
{
    (void)ssl;
    (void)arg;
    static const unsigned char ours[] = "\x0a" KEEL_ACME_TLS_ALPN_PROTOCOL;
    unsigned char *sel;
    if (SSL_select_next_proto(&sel, outlen, ours, sizeof(ours) - 1, in, inlen) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    *out = sel;
    return SSL_TLSEXT_ERR_OK;
}

static void
on_tls_handshake(h2o_socket_t *sock, const char *err)
{
    h2o_iovec_t proto = err == NULL ? h2o_socket_ssl_get_selected_protocol(sock) : h2o_iovec_init(NULL, 0);
    printf("tls-alpn-01 handshake %s%.*s\n", err != NULL ? err : "done alpn=", (int)proto.len,
           proto.base != NULL ? proto.base : "");
    fflush(stdout);
    /* RFC 8737 §3: nothing follows the handshake */
    h2o_socket_close(sock);
}

static void
on_tls_accept(h2o_socket_t *listener, const char *err)
{
    responder_t *r = listener->data;
    if (err != NULL)
        return;
    h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
    if (sock != NULL)
        h2o_socket_ssl_handshake(sock, r->ssl_ctx, NULL, on_tls_handshake);
}

static SSL_CTX *
tls_context(responder_t *r)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL)
        return NULL;
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_client_hello_cb(ctx, on_client_hello, r);
    SSL_CTX_set_tlsext_servername_callback(ctx, on_server_name);
    SSL_CTX_set_tlsext_servername_arg(ctx, r);
    SSL_CTX_set_alpn_select_cb(ctx, on_alpn, r);
    return ctx;
}

/* ------------------------------------------------------------ the loop */

static void
on_acme_ready(h2o_socket_t *sock, const char *err)
{
    responder_t *r = sock->data;
    if (err == NULL)
        keel_acme_run(r->acme);
}

static void
on_signal(h2o_socket_t *sock, const char *err)
{
    responder_t *r = sock->data;
    struct signalfd_siginfo si;
    if (err == NULL && read(h2o_socket_get_fd(sock), &si, sizeof(si)) == (ssize_t)sizeof(si))
        r->stop = 1;
}

static h2o_socket_t *
watch_fd(h2o_loop_t *loop, int fd, responder_t *r)
{
    h2o_socket_t *s = h2o_evloop_socket_create(loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    s->data = r;
    return s;
}

static int
usage(void)
{
    fprintf(stderr, "usage: keel-acme-responder --acme-domain NAME... [--acme-directory URL] [--acme-email ADDR]\n"
                    "         [--acme-ca-root FILE] [--state-dir DIR] [--http-fd FD] [--tls-fd FD]\n"
                    "         [--retry-first-ms N] [--retry-max-ms N]\n");
    return 2;
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"acme-domain", required_argument, NULL, 'd'},  {"acme-directory", required_argument, NULL, 'u'},
        {"acme-email", required_argument, NULL, 'e'},   {"acme-ca-root", required_argument, NULL, 'c'},
        {"state-dir", required_argument, NULL, 's'},    {"http-fd", required_argument, NULL, 'H'},
        {"tls-fd", required_argument, NULL, 'T'},       {"retry-first-ms", required_argument, NULL, 'f'},
        {"retry-max-ms", required_argument, NULL, 'm'}, {NULL, 0, NULL, 0},
    };
    const char *domains[MAX_DOMAINS];
    keel_acme_config_t cfg = {.domains = domains};
    int http_fd = -1, tls_fd = -1, c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (cfg.n_domains == MAX_DOMAINS)
                return usage();
            domains[cfg.n_domains++] = optarg;
            break;
        case 'u':
            cfg.directory_url = optarg;
            break;
        case 'e':
            cfg.email = optarg;
            break;
        case 'c':
            cfg.ca_root = optarg;
            break;
        case 's':
            cfg.state_dir = optarg;
            break;
        case 'H':
            http_fd = atoi(optarg);
            break;
        case 'T':
            tls_fd = atoi(optarg);
            break;
        case 'f':
            cfg.retry_first_ms = strtoull(optarg, NULL, 10);
            break;
        case 'm':
            cfg.retry_max_ms = strtoull(optarg, NULL, 10);
            break;
        default:
            return usage();
        }
    }
    if (optind != argc)
        return usage();
    cfg.challenges =
        (http_fd >= 0 ? KEEL_ACME_CHALLENGE_HTTP01 : 0) | (tls_fd >= 0 ? KEEL_ACME_CHALLENGE_TLS_ALPN01 : 0);
    keel_log_set_role("acme-responder");

    static responder_t responder; /* lives for the whole process */
    responder_t *r = &responder;
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    if (sigprocmask(SIG_BLOCK, &mask, NULL) != 0 || signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
        perror("signals");
        return 1;
    }
    int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sfd < 0) {
        perror("signalfd");
        return 1;
    }

    static const keel_acme_hooks_t hooks = {.certificate = on_certificate, .failed = on_failed};
    char err[1024];
    r->acme = keel_acme_create(&cfg, &hooks, r, err, sizeof(err));
    if (r->acme == NULL) {
        fprintf(stderr, "keel-acme-responder: %s\n", err);
        return 2;
    }

    h2o_config_init(&r->conf);
    h2o_hostconf_t *hc = h2o_config_register_host(&r->conf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *pc = h2o_config_register_path(hc, "/", 0);
    challenge_handler_t *h = (void *)h2o_create_handler(pc, sizeof(*h));
    h->super.on_req = on_req;
    h->acme = &r->acme;
    h2o_loop_t *loop = h2o_evloop_create();
    h2o_context_init(&r->ctx, loop, &r->conf);
    r->accept_ctx.ctx = &r->ctx;
    r->accept_ctx.hosts = r->conf.hosts;
    if (http_fd >= 0) {
        r->http_listener = watch_fd(loop, http_fd, r);
        h2o_socket_read_start(r->http_listener, on_http_accept);
    }
    if (tls_fd >= 0) {
        r->offer_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
        if (r->offer_index < 0 || (r->ssl_ctx = tls_context(r)) == NULL) {
            fprintf(stderr, "keel-acme-responder: cannot set up TLS\n");
            return 1;
        }
        r->tls_listener = watch_fd(loop, tls_fd, r);
        h2o_socket_read_start(r->tls_listener, on_tls_accept);
    }
    /* h2o closes what it watches; the client keeps its own descriptor */
    int acme_fd = fcntl(keel_acme_fd(r->acme), F_DUPFD_CLOEXEC, 0);
    if (acme_fd < 0) {
        perror("dup");
        return 1;
    }
    r->acme_sock = watch_fd(loop, acme_fd, r);
    h2o_socket_read_start(r->acme_sock, on_acme_ready);
    r->signals = watch_fd(loop, sfd, r);
    h2o_socket_read_start(r->signals, on_signal);

    keel_acme_start(r->acme);
    printf("ready\n");
    fflush(stdout);
    while (!r->stop)
        h2o_evloop_run(loop, INT32_MAX);

    /* everything the client owns is freed, for LeakSanitizer to check */
    h2o_socket_close(r->acme_sock);
    keel_acme_destroy(r->acme);
    r->acme = NULL;
    printf("stopped\n");
    fflush(stdout);
    return 0;
}
