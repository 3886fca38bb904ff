#include "front/tls.h"

#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <h2o/http1.h>
#include <h2o/http2.h>

#include "common/clock.h"
#include "common/log.h"
#include "front/ocsp.h"
#include "front/read_park.h"
#include "front/ticket_keys.h"
#include "front/tls_names.h"

/* A missing certificate is logged at most this often. */
#define NO_CERT_WARN_EVERY_MS 60000
#define MAX_NAMES             100 /* names kept from one certificate */

/* One certificate with the context that serves it. */
typedef struct {
    SSL_CTX *ctx;
    char *names[MAX_NAMES];
    size_t n_names;
    char *label;       /* for the log: the file, or the first name */
    keel_ocsp_t *ocsp; /* stapling, when the leaf names a responder */
} tls_cert_t;

struct keel_tls_s {
    h2o_loop_t *loop;
    const keel_config_t *cfg;
    SSL_CTX *accept_ctx; /* callbacks only; the certificate's context is switched in by name */
    tls_cert_t files[KEEL_MAX_TLS_PAIRS];
    size_t n_files;
    tls_cert_t acme_certs[KEEL_MAX_ACME_DOMAINS];
    size_t n_acme;
    char *acme_names[KEEL_MAX_ACME_DOMAINS * MAX_NAMES]; /* managed by the ACME client */
    size_t n_acme_names;
    keel_acme_t *acme;
    int offer_index; /* SSL ex_data: the ClientHello offers acme-tls/1 */
    keel_ticket_keys_t tickets;
    h2o_timeout_t rotate_timeout;
    h2o_timeout_entry_t rotate_entry;
    uint64_t no_cert_said_at;
    keel_ocsp_fetcher_t *ocsp; /* made for the first certificate with a responder */
};

/* --- the log --- */

/* OpenSSL's first queued reason, or fallback. */
static const char *
ssl_reason(const char *fallback)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    ERR_clear_error();
    return r != NULL ? r : fallback;
}

/* --- certificates --- */

static void
cert_free(tls_cert_t *c)
{
    keel_ocsp_destroy(c->ocsp);
    SSL_CTX_free(c->ctx); /* connections still open hold their own reference */
    for (size_t i = 0; i < c->n_names; i++)
        free(c->names[i]);
    free(c->label);
    memset(c, 0, sizeof(*c));
}

static void
add_name(tls_cert_t *c, const char *name, size_t len)
{
    if (c->n_names == MAX_NAMES || len == 0)
        return;
    char *s = malloc(len + 1);
    if (s == NULL)
        return;
    for (size_t i = 0; i < len; i++)
        s[i] = name[i] >= 'A' && name[i] <= 'Z' ? (char)(name[i] + 32) : name[i];
    s[len] = '\0';
    c->names[c->n_names++] = s;
}

/* The DNS names of the certificate's subjectAltName, else its CN. */
static void
names_of(tls_cert_t *c, X509 *leaf)
{
    GENERAL_NAMES *sans = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; sans != NULL && i < sk_GENERAL_NAME_num(sans); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
        if (g->type == GEN_DNS)
            add_name(c, (const char *)ASN1_STRING_get0_data(g->d.dNSName), (size_t)ASN1_STRING_length(g->d.dNSName));
    }
    GENERAL_NAMES_free(sans);
    if (c->n_names == 0) {
        char cn[256];
        int n = X509_NAME_get_text_by_NID(X509_get_subject_name(leaf), NID_commonName, cn, sizeof(cn));
        if (n > 0)
            add_name(c, cn, (size_t)n);
    }
}

typedef struct {
    h2o_timeout_entry_t timeout;
    h2o_socket_t *sock;
    h2o_accept_ctx_t *actx;
    struct timeval connected_at;
    int refused_name; /* the handshake was refused for want of a certificate */
} handshake_t;

static int on_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in, unsigned inlen,
                   void *arg);
static int on_ticket_key(SSL *ssl, unsigned char *name, unsigned char *iv, EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx,
                         int enc);

/* What every context of keel's has in common: protocol versions,
 * suites, ALPN, tickets. A handshake moves from the accept context to a
 * certificate's, and OpenSSL reads the ALPN callback from the latter. */
static SSL_CTX *
new_ctx(keel_tls_t *t)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL)
        return NULL;
    static const unsigned char sid[] = "keel";
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(ctx, KEEL_TLS12_CIPHERS) != 1 || SSL_CTX_set1_groups_list(ctx, KEEL_TLS_GROUPS) != 1 ||
        SSL_CTX_set_session_id_context(ctx, sid, sizeof(sid) - 1) != 1 ||
        SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, on_ticket_key) != 1) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    /* resumption by tickets only: nothing kept per session on the server */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_timeout(ctx, (long)(KEEL_TICKET_PERIOD_MS / 1000 * (KEEL_TICKET_KEYS - 1)));
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_alpn_select_cb(ctx, on_alpn, t);
    SSL_CTX_set_app_data(ctx, t);
    return ctx;
}

/* OCSP stapling for c when its leaf names a responder and the chain has
 * its issuer. */
static void
staple(keel_tls_t *t, tls_cert_t *c, X509 *leaf, STACK_OF(X509) * chain, const char *label)
{
    if (!keel_ocsp_has_responder(leaf))
        return;
    if (sk_X509_num(chain) == 0) {
        keel_warn("ocsp: %s: the chain has no issuer to check responses with; no stapling", label);
        return;
    }
    char err[256];
    if (t->ocsp == NULL && (t->ocsp = keel_ocsp_fetcher_create(err, sizeof(err))) == NULL) {
        keel_warn("%s; no stapling", err);
        return;
    }
    if (t->loop != NULL && keel_ocsp_fetcher_running(t->ocsp) == 0 && keel_ocsp_fetcher_start(t->ocsp, t->loop) != 0)
        keel_warn("ocsp: cannot watch the fetcher: %s", strerror(errno));
    if ((c->ocsp = keel_ocsp_create(t->ocsp, leaf, sk_X509_value(chain, 0), label)) == NULL)
        return;
    SSL_CTX_set_tlsext_status_cb(c->ctx, keel_ocsp_status_cb);
    SSL_CTX_set_tlsext_status_arg(c->ctx, c->ocsp);
}

static int
cert_ctx(keel_tls_t *t, tls_cert_t *c, X509 *leaf, STACK_OF(X509) * chain, EVP_PKEY *key, const char *label)
{
    if ((c->ctx = new_ctx(t)) == NULL)
        return -1;
    if (SSL_CTX_use_cert_and_key(c->ctx, leaf, key, chain, 1) != 1)
        return -1;
    names_of(c, leaf);
    staple(t, c, leaf, chain, label);
    return 0;
}

/* No passphrase prompt on a terminal: an encrypted key is refused. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag, (void)u;
    return -1;
}

/* Reads one --tls-cert/--tls-key pair into c; one line in err naming the
 * file otherwise. */
static int
load_pair(keel_tls_t *t, tls_cert_t *c, const char *cert_path, const char *key_path, char *err, size_t errlen)
{
    X509 *leaf = NULL;
    STACK_OF(X509) *chain = NULL;
    EVP_PKEY *key = NULL;
    int rc = -1;
    memset(c, 0, sizeof(*c));
    BIO *b = BIO_new_file(cert_path, "r");
    if (b == NULL) {
        snprintf(err, errlen, "--tls-cert %s: %s", cert_path, strerror(errno ? errno : EIO));
        goto Exit;
    }
    leaf = PEM_read_bio_X509(b, NULL, no_passphrase, NULL);
    if (leaf == NULL) {
        snprintf(err, errlen, "--tls-cert %s: no PEM certificate in it (%s)", cert_path, ssl_reason("unreadable"));
        BIO_free(b);
        goto Exit;
    }
    if ((chain = sk_X509_new_null()) == NULL) {
        BIO_free(b);
        snprintf(err, errlen, "out of memory");
        goto Exit;
    }
    X509 *next;
    while ((next = PEM_read_bio_X509(b, NULL, no_passphrase, NULL)) != NULL)
        if (!sk_X509_push(chain, next)) {
            X509_free(next);
            break;
        }
    unsigned long e = ERR_peek_last_error();
    ERR_clear_error();
    BIO_free(b);
    /* the end of the file is the expected way out of that loop */
    if (e != 0 && ERR_GET_REASON(e) != PEM_R_NO_START_LINE) {
        snprintf(err, errlen, "--tls-cert %s: a certificate after the first cannot be read (%s)", cert_path,
                 ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "bad PEM");
        goto Exit;
    }
    errno = 0;
    if ((b = BIO_new_file(key_path, "r")) == NULL) {
        snprintf(err, errlen, "--tls-key %s: %s", key_path, strerror(errno ? errno : EIO));
        goto Exit;
    }
    key = PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL);
    BIO_free(b);
    if (key == NULL) {
        snprintf(err, errlen, "--tls-key %s: no PEM private key in it, or one with a passphrase (%s)", key_path,
                 ssl_reason("unreadable"));
        goto Exit;
    }
    if (X509_check_private_key(leaf, key) != 1) {
        ERR_clear_error();
        snprintf(err, errlen, "--tls-key %s does not match the certificate in --tls-cert %s", key_path, cert_path);
        goto Exit;
    }
    if (cert_ctx(t, c, leaf, chain, key, cert_path) != 0) {
        snprintf(err, errlen, "--tls-cert %s: %s", cert_path, ssl_reason("cannot be used"));
        cert_free(c);
        goto Exit;
    }
    if (X509_cmp_current_time(X509_get0_notAfter(leaf)) < 0)
        keel_warn("--tls-cert %s has expired: clients will refuse it", cert_path);
    c->label = strdup(cert_path);
    rc = 0;
Exit:
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
    EVP_PKEY_free(key);
    return rc;
}

/* Reads every pair into files; all or nothing. */
static int
load_files(keel_tls_t *t, tls_cert_t *files, char *err, size_t errlen)
{
    for (size_t i = 0; i < t->cfg->tls_cert_count; i++)
        if (load_pair(t, &files[i], t->cfg->tls_cert[i], t->cfg->tls_key[i], err, errlen) != 0) {
            while (i-- > 0)
                cert_free(&files[i]);
            return -1;
        }
    return 0;
}

/* --- choosing a certificate --- */

static bool
acme_managed(const keel_tls_t *t, const char *name, size_t len)
{
    for (size_t i = 0; i < t->n_acme_names; i++)
        if (keel_tls_name_matches(t->acme_names[i], name, len))
            return true;
    return false;
}

static int
pick(const tls_cert_t *certs, size_t n, const char *name, size_t len)
{
    const char *const *lists[KEEL_MAX_TLS_PAIRS > KEEL_MAX_ACME_DOMAINS ? KEEL_MAX_TLS_PAIRS : KEEL_MAX_ACME_DOMAINS];
    size_t counts[sizeof(lists) / sizeof(lists[0])];
    for (size_t i = 0; i < n; i++) {
        lists[i] = (const char *const *)certs[i].names;
        counts[i] = certs[i].n_names;
    }
    return keel_tls_name_pick(lists, counts, n, name, len);
}

/* The certificate for name (NULL: the client sent none), or NULL. */
static const tls_cert_t *
choose(const keel_tls_t *t, const char *name)
{
    if (name != NULL) {
        size_t len = strlen(name);
        int i = pick(t->acme_certs, t->n_acme, name, len);
        if (i >= 0)
            return &t->acme_certs[i];
        if ((i = pick(t->files, t->n_files, name, len)) >= 0)
            return &t->files[i];
        /* a name the ACME client is getting a certificate for gets no
         * other one meanwhile: it would not match */
        if (acme_managed(t, name, len))
            return NULL;
    }
    if (t->n_files > 0)
        return &t->files[0];
    if (t->n_acme > 0)
        return &t->acme_certs[0];
    return NULL;
}

/* --- OpenSSL's callbacks --- */

/* Only here can the ClientHello's extensions be read: whether it offers
 * acme-tls/1, for the server-name callback that follows. */
static int
on_client_hello(SSL *ssl, int *alert, void *arg)
{
    keel_tls_t *t = arg;
    const unsigned char *ext;
    size_t len;
    int offers = t->acme != NULL &&
                 SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &ext, &len) &&
                 keel_acme_alpn_offers_acme_tls(ext, len);
    if (SSL_set_ex_data(ssl, t->offer_index, offers ? (void *)1 : NULL) != 1) {
        *alert = SSL_AD_INTERNAL_ERROR;
        return SSL_CLIENT_HELLO_ERROR;
    }
    return SSL_CLIENT_HELLO_SUCCESS;
}

static int
on_server_name(SSL *ssl, int *alert, void *arg)
{
    keel_tls_t *t = arg;
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (SSL_get_ex_data(ssl, t->offer_index) != NULL) {
        /* a CA validating TLS-ALPN-01: its challenge certificate, or nothing */
        X509 *cert;
        EVP_PKEY *key;
        if (name == NULL || keel_acme_tls_alpn01(t->acme, name, &cert, &key) != 0) {
            *alert = SSL_AD_UNRECOGNIZED_NAME;
            return SSL_TLSEXT_ERR_ALERT_FATAL;
        }
        if (SSL_use_certificate(ssl, cert) != 1 || SSL_use_PrivateKey(ssl, key) != 1) {
            *alert = SSL_AD_INTERNAL_ERROR;
            return SSL_TLSEXT_ERR_ALERT_FATAL;
        }
        return SSL_TLSEXT_ERR_OK;
    }
    const tls_cert_t *c = choose(t, name);
    if (c == NULL) {
        uint64_t now = keel_now_ms();
        if (t->no_cert_said_at == 0 || now - t->no_cert_said_at >= NO_CERT_WARN_EVERY_MS) {
            t->no_cert_said_at = now;
            keel_warn("https: no certificate for %s yet (the ACME client is obtaining it): the handshake is refused "
                      "with unrecognized_name",
                      name != NULL ? name : "clients that name no server");
        }
        /* libh2o gives its socket as the BIO's data, and ends a failed
         * handshake without sending what OpenSSL wrote: the accept path
         * sends the alert itself */
        h2o_socket_t *sock = BIO_get_data(SSL_get_rbio(ssl));
        if (sock != NULL && sock->data != NULL)
            ((handshake_t *)sock->data)->refused_name = 1;
        *alert = SSL_AD_UNRECOGNIZED_NAME;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    if (SSL_set_SSL_CTX(ssl, c->ctx) == NULL) {
        *alert = SSL_AD_INTERNAL_ERROR;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    return SSL_TLSEXT_ERR_OK;
}

/* h2 when offered, else http/1.1; acme-tls/1 only for a client that
 * offered it (and then it offers nothing else, RFC 8737 3). */
static int
on_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in, unsigned inlen, void *arg)
{
    keel_tls_t *t = arg;
    static const unsigned char http[] = "\x02h2\x08http/1.1";
    static const unsigned char acme[] = "\x0a" KEEL_ACME_TLS_ALPN_PROTOCOL;
    int challenge = SSL_get_ex_data(ssl, t->offer_index) != NULL;
    const unsigned char *ours = challenge ? acme : http;
    unsigned ours_len = challenge ? sizeof(acme) - 1 : sizeof(http) - 1;
    unsigned char *sel;
    if (SSL_select_next_proto(&sel, outlen, ours, ours_len, in, inlen) != OPENSSL_NPN_NEGOTIATED)
        return challenge ? SSL_TLSEXT_ERR_ALERT_FATAL : SSL_TLSEXT_ERR_NOACK;
    *out = sel;
    return SSL_TLSEXT_ERR_OK;
}

static int
on_ticket_key(SSL *ssl, unsigned char *name, unsigned char *iv, EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
    keel_tls_t *t = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
    const keel_ticket_key_t *k;
    bool renew = false;
    if (enc) {
        k = &t->tickets.keys[0];
        if (!k->set || RAND_bytes(iv, EVP_CIPHER_get_iv_length(EVP_aes_256_cbc())) != 1)
            return -1;
        memcpy(name, k->name, KEEL_TICKET_NAME_LEN);
    } else if ((k = keel_ticket_keys_find(&t->tickets, name, &renew)) == NULL) {
        return 0; /* an unknown or forgotten key: a full handshake */
    }
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, (void *)k->hmac, KEEL_TICKET_HMAC_LEN),
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "sha256", 0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_MAC_CTX_set_params(hctx, params) != 1)
        return -1;
    int ok = enc ? EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, k->aes, iv)
                 : EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, k->aes, iv);
    if (ok != 1)
        return -1;
    return renew ? 2 : 1;
}

/* --- ticket keys on the loop's timer --- */

static void
rotate_tickets(keel_tls_t *t)
{
    uint8_t random[KEEL_TICKET_RANDOM_LEN];
    if (RAND_bytes(random, sizeof(random)) != 1) {
        keel_warn("tls: no random bytes for a new session-ticket key; the current one stays");
        return;
    }
    keel_ticket_keys_rotate(&t->tickets, random, keel_now_ms());
    OPENSSL_cleanse(random, sizeof(random));
}

static void
on_rotate(h2o_timeout_entry_t *entry)
{
    keel_tls_t *t = H2O_STRUCT_FROM_MEMBER(keel_tls_t, rotate_entry, entry);
    if (keel_ticket_keys_due(&t->tickets, keel_now_ms()))
        rotate_tickets(t);
    h2o_timeout_link(t->loop, &t->rotate_timeout, &t->rotate_entry);
}

/* --- the accept path --- */

static void
on_handshake_timeout(h2o_timeout_entry_t *entry)
{
    handshake_t *h = H2O_STRUCT_FROM_MEMBER(handshake_t, timeout, entry);
    h2o_socket_t *sock = h->sock;
    sock->data = NULL;
    free(h);
    h2o_socket_close(sock);
}

/* The fatal alert a client without a certificate to get is owed (RFC
 * 8446 6: a plaintext record before the ServerHello), so it can say
 * "unrecognized name" rather than "connection closed". Best effort: the
 * socket is closed next whatever this write does. */
static void
send_unrecognized_name(h2o_socket_t *sock)
{
    static const uint8_t alert[] = {21 /* alert */, 3, 3, 0, 2, 2 /* fatal */, SSL_AD_UNRECOGNIZED_NAME};
    ssize_t n = write(h2o_socket_get_fd(sock), alert, sizeof(alert));
    (void)n; /* a full or reset socket: the client sees the close instead */
}

static void
on_handshake(h2o_socket_t *sock, const char *err)
{
    handshake_t *h = sock->data;
    sock->data = NULL;
    h2o_timeout_unlink(&h->timeout);
    h2o_accept_ctx_t *actx = h->actx;
    struct timeval connected_at = h->connected_at;
    int refused_name = h->refused_name;
    free(h);
    if (err != NULL) {
        if (refused_name)
            send_unrecognized_name(sock);
        h2o_socket_close(sock);
        return;
    }
    h2o_iovec_t proto = h2o_socket_ssl_get_selected_protocol(sock);
    /* RFC 8737 3: after a TLS-ALPN-01 handshake nothing is exchanged */
    if (h2o_memis(proto.base, proto.len, H2O_STRLIT(KEEL_ACME_TLS_ALPN_PROTOCOL))) {
        h2o_socket_close(sock);
        return;
    }
    if (h2o_memis(proto.base, proto.len, H2O_STRLIT("h2"))) {
        h2o_http2_accept(actx, sock, connected_at);
    } else {
        /* with input already decrypted, libh2o may serve (and close) it
         * within the call: only a socket with none teaches the reader */
        bool fresh = sock->input->size == 0;
        h2o_http1_accept(actx, sock, connected_at);
        if (fresh)
            keel_read_park_learn(sock);
    }
}

void
keel_tls_accept(keel_tls_t *t, h2o_accept_ctx_t *actx, h2o_socket_t *sock)
{
    handshake_t *h = calloc(1, sizeof(*h));
    if (h == NULL) {
        h2o_socket_close(sock);
        return;
    }
    h->sock = sock;
    h->actx = actx;
    h->timeout.cb = on_handshake_timeout;
    gettimeofday(&h->connected_at, NULL);
    sock->data = h;
    /* a client that never finishes its handshake is dropped, as h2o's own
     * accept path does */
    h2o_timeout_link(t->loop, &actx->ctx->handshake_timeout, &h->timeout);
    h2o_socket_ssl_handshake(sock, t->accept_ctx, NULL, on_handshake);
}

/* --- the module --- */

keel_tls_t *
keel_tls_create(const keel_config_t *cfg, const char *const *acme_names, size_t n, char *err, size_t errlen)
{
    keel_tls_t *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->cfg = cfg;
    for (size_t i = 0; i < n && t->n_acme_names < sizeof(t->acme_names) / sizeof(t->acme_names[0]); i++)
        t->acme_names[t->n_acme_names++] = strdup(acme_names[i]);
    if ((t->offer_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL)) < 0 ||
        (t->accept_ctx = new_ctx(t)) == NULL) {
        snprintf(err, errlen, "tls: %s", ssl_reason("cannot set up OpenSSL"));
        keel_tls_destroy(t);
        return NULL;
    }
    SSL_CTX_set_client_hello_cb(t->accept_ctx, on_client_hello, t);
    SSL_CTX_set_tlsext_servername_callback(t->accept_ctx, on_server_name);
    SSL_CTX_set_tlsext_servername_arg(t->accept_ctx, t);
    if (load_files(t, t->files, err, errlen) != 0) {
        keel_tls_destroy(t);
        return NULL;
    }
    t->n_files = cfg->tls_cert_count;
    keel_ticket_keys_init(&t->tickets, KEEL_TICKET_PERIOD_MS);
    rotate_tickets(t);
    if (!t->tickets.keys[0].set) {
        snprintf(err, errlen, "tls: no random bytes for the session-ticket key");
        keel_tls_destroy(t);
        return NULL;
    }
    return t;
}

void
keel_tls_start(keel_tls_t *t, h2o_loop_t *loop)
{
    t->loop = loop;
    /* checked every tenth of a period, so a key is never much older */
    h2o_timeout_init(loop, &t->rotate_timeout, KEEL_TICKET_PERIOD_MS / 10);
    t->rotate_entry.cb = on_rotate;
    h2o_timeout_link(loop, &t->rotate_timeout, &t->rotate_entry);
    if (t->ocsp != NULL && keel_ocsp_fetcher_start(t->ocsp, loop) != 0)
        keel_warn("ocsp: cannot watch the fetcher: %s; no stapling", strerror(errno));
}

void
keel_tls_stop(keel_tls_t *t)
{
    if (t == NULL)
        return;
    keel_ocsp_fetcher_stop(t->ocsp);
    if (h2o_timeout_is_linked(&t->rotate_entry))
        h2o_timeout_unlink(&t->rotate_entry);
}

void
keel_tls_set_acme(keel_tls_t *t, keel_acme_t *acme)
{
    t->acme = acme;
}

int
keel_tls_reload(keel_tls_t *t, char *err, size_t errlen)
{
    tls_cert_t fresh[KEEL_MAX_TLS_PAIRS];
    if (load_files(t, fresh, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < t->n_files; i++)
        cert_free(&t->files[i]);
    memcpy(t->files, fresh, sizeof(fresh[0]) * t->cfg->tls_cert_count);
    t->n_files = t->cfg->tls_cert_count;
    return 0;
}

void
keel_tls_install(keel_tls_t *t, const keel_acme_certificate_t *c)
{
    tls_cert_t fresh;
    memset(&fresh, 0, sizeof(fresh));
    if (cert_ctx(t, &fresh, c->leaf, c->issuers, c->key, c->names[0]) != 0) {
        keel_error("acme: %s: the certificate cannot be used: %s", c->names[0], ssl_reason("unknown"));
        cert_free(&fresh);
        return;
    }
    /* the client's names, not only the certificate's: they are the same
     * when the CA did its job, and these are what it manages */
    for (size_t i = 0; i < fresh.n_names; i++)
        free(fresh.names[i]);
    fresh.n_names = 0;
    for (size_t i = 0; i < c->n_names; i++)
        add_name(&fresh, c->names[i], strlen(c->names[i]));
    fresh.label = strdup(c->names[0]);
    size_t i;
    for (i = 0; i < t->n_acme; i++)
        if (strcmp(t->acme_certs[i].label, c->names[0]) == 0)
            break;
    if (i == t->n_acme) {
        if (t->n_acme == KEEL_MAX_ACME_DOMAINS) {
            cert_free(&fresh);
            return;
        }
        t->n_acme++;
    } else {
        cert_free(&t->acme_certs[i]);
    }
    t->acme_certs[i] = fresh;
    keel_info("https: serving the certificate for %s (valid until %lld s after the epoch)", c->names[0],
              (long long)(c->not_after_ms / 1000));
}

void
keel_tls_destroy(keel_tls_t *t)
{
    if (t == NULL)
        return;
    if (h2o_timeout_is_linked(&t->rotate_entry))
        h2o_timeout_unlink(&t->rotate_entry);
    for (size_t i = 0; i < t->n_files; i++)
        cert_free(&t->files[i]);
    for (size_t i = 0; i < t->n_acme; i++)
        cert_free(&t->acme_certs[i]);
    for (size_t i = 0; i < t->n_acme_names; i++)
        free(t->acme_names[i]);
    SSL_CTX_free(t->accept_ctx);
    keel_ocsp_fetcher_destroy(t->ocsp);
    OPENSSL_cleanse(&t->tickets, sizeof(t->tickets));
    free(t);
}
