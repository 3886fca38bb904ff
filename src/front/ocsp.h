/*
 * OCSP stapling: for each certificate whose leaf names an OCSP responder
 * (authorityInfoAccess), keel fetches a response from it (libcurl, on the
 * ACME client's poller and HTTP client: one descriptor on the front's
 * loop, nothing blocks), checks it (for this certificate, signed by its
 * issuer or a responder the issuer delegated to, current), keeps it, and
 * staples it to every handshake that asks (status_request). Refreshed
 * halfway through its validity (ocsp_refresh.h); a failure keeps the
 * response held while it is current, is logged, and retried with a
 * backoff. A certificate without a responder, or before the first
 * response, is served without a staple.
 */
#ifndef KEEL_FRONT_OCSP_H
#define KEEL_FRONT_OCSP_H

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <h2o.h>

typedef struct keel_ocsp_fetcher_s keel_ocsp_fetcher_t;
typedef struct keel_ocsp_s keel_ocsp_t;

/* The poller and HTTP client the fetches share. Returns NULL with one line
 * in err. */
keel_ocsp_fetcher_t *keel_ocsp_fetcher_create(char *err, size_t errlen);

/* Watches the fetcher's descriptor on loop: fetches start from here on. */
int keel_ocsp_fetcher_start(keel_ocsp_fetcher_t *f, h2o_loop_t *loop);

/* Whether keel_ocsp_fetcher_start has run. */
int keel_ocsp_fetcher_running(const keel_ocsp_fetcher_t *f);

/* Stops watching (from inside the loop), then frees (after it). */
void keel_ocsp_fetcher_stop(keel_ocsp_fetcher_t *f);
void keel_ocsp_fetcher_destroy(keel_ocsp_fetcher_t *f);

/* Whether the leaf names an OCSP responder. */
int keel_ocsp_has_responder(X509 *leaf);

/*
 * Stapling for one certificate: leaf, its issuer (the chain's next
 * certificate), label for the log. Fetches at once (once the fetcher is
 * started). Returns NULL when the leaf names no responder or on memory
 * failure.
 */
keel_ocsp_t *keel_ocsp_create(keel_ocsp_fetcher_t *f, X509 *leaf, X509 *issuer, const char *label);

/* Stops its fetch and timer, and frees. */
void keel_ocsp_destroy(keel_ocsp_t *o);

/* OpenSSL's status callback for a context whose argument is a
 * keel_ocsp_t: staples the response held, if current. */
int keel_ocsp_status_cb(SSL *ssl, void *arg);

#endif
