#include "front/ocsp.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme/http.h"
#include "acme/poller.h"
#include "common/clock.h"
#include "common/log.h"
#include "front/ocsp_refresh.h"

struct keel_ocsp_fetcher_s {
    keel_acme_poller_t poller;
    keel_acme_http_t *http;
    h2o_socket_t *sock; /* the poller's descriptor (a copy) on the loop */
};

struct keel_ocsp_s {
    keel_ocsp_fetcher_t *fetcher;
    X509 *leaf, *issuer;
    OCSP_CERTID *id;
    char *url, *label;
    keel_acme_http_req_t *req;
    keel_acme_timer_t timer;
    unsigned failures;
    unsigned char *der; /* the response held, or NULL */
    int der_len;
    int64_t this_update_ms, next_update_ms;
};

/* --- the fetcher --- */

static void
on_ready(h2o_socket_t *sock, const char *err)
{
    keel_ocsp_fetcher_t *f = sock->data;
    if (err == NULL)
        keel_acme_poller_run(&f->poller);
}

keel_ocsp_fetcher_t *
keel_ocsp_fetcher_create(char *err, size_t errlen)
{
    keel_ocsp_fetcher_t *f = calloc(1, sizeof(*f));
    if (f == NULL) {
        snprintf(err, errlen, "ocsp: out of memory");
        return NULL;
    }
    if (keel_acme_poller_init(&f->poller, err, errlen) != 0) {
        free(f);
        return NULL;
    }
    if ((f->http = keel_acme_http_create(&f->poller, NULL, "keel/" KEEL_VERSION " (OCSP)", err, errlen)) == NULL) {
        keel_acme_poller_dispose(&f->poller);
        free(f);
        return NULL;
    }
    keel_acme_http_allow_plain(f->http);
    f->poller.ready = keel_acme_http_on_ready;
    f->poller.ready_ctx = f->http;
    return f;
}

int
keel_ocsp_fetcher_start(keel_ocsp_fetcher_t *f, h2o_loop_t *loop)
{
    /* h2o closes what it watches: it gets a copy */
    int fd = fcntl(f->poller.epoll_fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    f->sock = h2o_evloop_socket_create(loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    f->sock->data = f;
    h2o_socket_read_start(f->sock, on_ready);
    return 0;
}

int
keel_ocsp_fetcher_running(const keel_ocsp_fetcher_t *f)
{
    return f->sock != NULL;
}

void
keel_ocsp_fetcher_stop(keel_ocsp_fetcher_t *f)
{
    if (f != NULL && f->sock != NULL) {
        h2o_socket_close(f->sock);
        f->sock = NULL;
    }
}

void
keel_ocsp_fetcher_destroy(keel_ocsp_fetcher_t *f)
{
    if (f == NULL)
        return;
    keel_acme_http_destroy(f->http);
    keel_acme_poller_dispose(&f->poller);
    free(f);
}

/* --- one certificate --- */

static char *
responder_url(X509 *leaf)
{
    STACK_OF(OPENSSL_STRING) *urls = X509_get1_ocsp(leaf);
    char *url = NULL;
    for (int i = 0; urls != NULL && i < sk_OPENSSL_STRING_num(urls) && url == NULL; i++) {
        const char *u = sk_OPENSSL_STRING_value(urls, i);
        if (strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0)
            url = strdup(u);
    }
    X509_email_free(urls); /* frees an OPENSSL_STRING stack */
    return url;
}

int
keel_ocsp_has_responder(X509 *leaf)
{
    char *url = responder_url(leaf);
    free(url);
    return url != NULL;
}

static int64_t
asn1_ms(const ASN1_GENERALIZEDTIME *t)
{
    struct tm tm;
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    return (int64_t)timegm(&tm) * 1000;
}

static uint64_t
wall_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The poller's timers run on keel_now_ms(); OCSP dates are wall-clock. */
static void
schedule(keel_ocsp_t *o, uint64_t wall_at)
{
    uint64_t now = wall_ms();
    uint64_t in = wall_at > now ? wall_at - now : 0;
    keel_acme_timer_arm(&o->fetcher->poller, &o->timer, keel_now_ms() + in);
}

static void
failed(keel_ocsp_t *o, const char *why)
{
    o->failures++;
    uint64_t now = wall_ms();
    uint64_t at = keel_ocsp_next_fetch_ms(now, 0, 0, o->failures, o->der != NULL ? o->next_update_ms : 0);
    keel_warn("ocsp: %s: %s; %s, asking again in %llu s", o->label, why,
              o->der != NULL && keel_ocsp_fresh(now, o->this_update_ms, o->next_update_ms)
                  ? "the response held is still stapled"
                  : "no response is stapled",
              (unsigned long long)((at - now) / 1000));
    schedule(o, at);
}

/* Checks a DER response for this certificate; returns NULL when usable,
 * else why not. Fills the dates. */
static const char *
check(keel_ocsp_t *o, const unsigned char *der, long len, int64_t *this_ms, int64_t *next_ms)
{
    const char *why = NULL;
    OCSP_RESPONSE *resp = d2i_OCSP_RESPONSE(NULL, &der, len);
    OCSP_BASICRESP *basic = NULL;
    X509_STORE *store = NULL;
    STACK_OF(X509) *issuers = NULL;
    if (resp == NULL) {
        why = "the responder's answer is not an OCSP response";
        goto Exit;
    }
    if (OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
        why = OCSP_response_status_str(OCSP_response_status(resp));
        goto Exit;
    }
    if ((basic = OCSP_response_get1_basic(resp)) == NULL) {
        why = "no basic response in it";
        goto Exit;
    }
    /* signed by the issuer, or by a responder the issuer certified for
     * OCSP signing: the issuer is the trust anchor */
    store = X509_STORE_new();
    issuers = sk_X509_new_null();
    if (store == NULL || issuers == NULL || X509_STORE_add_cert(store, o->issuer) != 1 ||
        X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN) != 1 || !sk_X509_push(issuers, o->issuer)) {
        why = "out of memory";
        goto Exit;
    }
    if (OCSP_basic_verify(basic, issuers, store, 0) != 1) {
        why = "its signature does not verify against the certificate's issuer";
        goto Exit;
    }
    int status, reason;
    ASN1_GENERALIZEDTIME *rev, *thisupd, *nextupd;
    if (OCSP_resp_find_status(basic, o->id, &status, &reason, &rev, &thisupd, &nextupd) != 1) {
        why = "it says nothing of this certificate";
        goto Exit;
    }
    if (OCSP_check_validity(thisupd, nextupd, KEEL_OCSP_SKEW_MS / 1000, -1) != 1) {
        why = "it is not current";
        goto Exit;
    }
    if (status != V_OCSP_CERTSTATUS_GOOD)
        keel_warn("ocsp: %s: the responder says the certificate is %s", o->label, OCSP_cert_status_str(status));
    *this_ms = asn1_ms(thisupd);
    *next_ms = asn1_ms(nextupd);
Exit:
    ERR_clear_error();
    sk_X509_free(issuers);
    X509_STORE_free(store);
    OCSP_BASICRESP_free(basic);
    OCSP_RESPONSE_free(resp);
    return why;
}

static void
on_response(void *ctx, const keel_acme_http_response_t *r)
{
    keel_ocsp_t *o = ctx;
    o->req = NULL;
    char why[512];
    if (r->error != NULL) {
        snprintf(why, sizeof(why), "%s: %s", o->url, r->error);
        failed(o, why);
        return;
    }
    if (r->status != 200) {
        snprintf(why, sizeof(why), "%s answered HTTP %ld", o->url, r->status);
        failed(o, why);
        return;
    }
    int64_t this_ms = 0, next_ms = 0;
    const char *bad = check(o, (const unsigned char *)r->body, (long)r->body_len, &this_ms, &next_ms);
    if (bad != NULL) {
        snprintf(why, sizeof(why), "%s: %s", o->url, bad);
        failed(o, why);
        return;
    }
    unsigned char *copy = OPENSSL_memdup(r->body, r->body_len);
    if (copy == NULL) {
        failed(o, "out of memory");
        return;
    }
    int news = o->der == NULL || o->failures > 0;
    OPENSSL_free(o->der);
    o->der = copy;
    o->der_len = (int)r->body_len;
    o->this_update_ms = this_ms;
    o->next_update_ms = next_ms;
    if (news)
        keel_info("ocsp: %s: stapling the response of %s", o->label, o->url);
    o->failures = 0;
    schedule(o, keel_ocsp_next_fetch_ms(wall_ms(), this_ms, next_ms, 0, 0));
}

static void
fetch(keel_acme_timer_t *timer)
{
    keel_ocsp_t *o = H2O_STRUCT_FROM_MEMBER(keel_ocsp_t, timer, timer);
    OCSP_REQUEST *req = OCSP_REQUEST_new();
    OCSP_CERTID *id = req != NULL ? OCSP_CERTID_dup(o->id) : NULL;
    unsigned char *der = NULL;
    int len = -1;
    if (id != NULL && OCSP_request_add0_id(req, id) != NULL)
        len = i2d_OCSP_REQUEST(req, &der);
    else
        OCSP_CERTID_free(id);
    OCSP_REQUEST_free(req);
    if (len <= 0) {
        failed(o, "cannot encode the request");
        return;
    }
    o->req = keel_acme_http_request(o->fetcher->http, "POST", o->url, (const char *)der, (size_t)len,
                                    "application/ocsp-request", "application/ocsp-response", on_response, o);
    OPENSSL_free(der);
    if (o->req == NULL)
        failed(o, "cannot start the request");
}

keel_ocsp_t *
keel_ocsp_create(keel_ocsp_fetcher_t *f, X509 *leaf, X509 *issuer, const char *label)
{
    char *url = responder_url(leaf);
    if (url == NULL || issuer == NULL) {
        free(url);
        return NULL;
    }
    keel_ocsp_t *o = calloc(1, sizeof(*o));
    if (o == NULL || (o->id = OCSP_cert_to_id(NULL, leaf, issuer)) == NULL || (o->label = strdup(label)) == NULL) {
        if (o != NULL) {
            OCSP_CERTID_free(o->id);
            free(o);
        }
        free(url);
        return NULL;
    }
    o->fetcher = f;
    o->url = url;
    X509_up_ref(leaf);
    X509_up_ref(issuer);
    o->leaf = leaf;
    o->issuer = issuer;
    o->timer.cb = fetch;
    keel_acme_timer_arm(&f->poller, &o->timer, keel_now_ms());
    return o;
}

void
keel_ocsp_destroy(keel_ocsp_t *o)
{
    if (o == NULL)
        return;
    if (o->req != NULL)
        keel_acme_http_cancel(o->fetcher->http, o->req);
    keel_acme_timer_cancel(&o->fetcher->poller, &o->timer);
    OCSP_CERTID_free(o->id);
    X509_free(o->leaf);
    X509_free(o->issuer);
    OPENSSL_free(o->der);
    free(o->url);
    free(o->label);
    free(o);
}

int
keel_ocsp_status_cb(SSL *ssl, void *arg)
{
    keel_ocsp_t *o = arg;
    if (o == NULL || o->der == NULL || !keel_ocsp_fresh(wall_ms(), o->this_update_ms, o->next_update_ms))
        return SSL_TLSEXT_ERR_NOACK;
    unsigned char *copy = OPENSSL_memdup(o->der, (size_t)o->der_len);
    if (copy == NULL)
        return SSL_TLSEXT_ERR_NOACK;
    /* OpenSSL takes copy and frees it */
    if (SSL_set_tlsext_status_ocsp_resp(ssl, copy, o->der_len) != 1) {
        OPENSSL_free(copy);
        return SSL_TLSEXT_ERR_NOACK;
    }
    return SSL_TLSEXT_ERR_OK;
}
