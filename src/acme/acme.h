/*
 * keel's ACME client (RFC 8555): obtains and renews certificates for the
 * configured names from an ACME CA (Let's Encrypt by default), answering
 * HTTP-01 and TLS-ALPN-01 challenges through lookups the host's listeners
 * call, and hands each certificate to the host through a callback.
 *
 * Built for a single-threaded event loop: everything it waits on (libcurl's
 * sockets, its timers) is behind one descriptor. The host watches
 * keel_acme_fd() for readability and calls keel_acme_run() whenever it is
 * readable; keel_acme_run() never blocks. Every callback runs inside
 * keel_acme_start() or keel_acme_run(), on the host's thread. See
 * docs/acme.md.
 */
#ifndef KEEL_ACME_ACME_H
#define KEEL_ACME_ACME_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/alpn_cert.h"
#include "acme/certificate.h"
#include "acme/challenges.h"

#define KEEL_ACME_DEFAULT_DIRECTORY "https://acme-v02.api.letsencrypt.org/directory"
#define KEEL_ACME_DEFAULT_STATE_DIR "/var/lib/keel"

/* The options of `keel serve`, one field each. */
typedef struct {
    const char *const *domains; /* --acme-domain NAME (repeatable): one certificate per
                                   value; "a.example,www.a.example" puts several names on one */
    size_t n_domains;
    const char *directory_url; /* --acme-directory URL; NULL: Let's Encrypt */
    const char *email;         /* --acme-email ADDRESS; NULL: no contact */
    const char *ca_root;       /* --acme-ca-root FILE: trust only this CA for the directory;
                                  NULL: the system's trust store */
    const char *state_dir;     /* --state-dir DIR; NULL: /var/lib/keel */
    /* Not options: what the host's listeners can answer (a cleartext one:
     * HTTP-01; a TLS one: TLS-ALPN-01). HTTP-01 is preferred when both. */
    unsigned challenges; /* KEEL_ACME_CHALLENGE_HTTP01 | KEEL_ACME_CHALLENGE_TLS_ALPN01 */
    /* Not options: the backoff after failures; 0 takes the default
     * (KEEL_ACME_RETRY_FIRST_MS, KEEL_ACME_RETRY_MAX_MS). */
    uint64_t retry_first_ms;
    uint64_t retry_max_ms;
} keel_acme_config_t;

typedef struct {
    /* A certificate is ready to serve: at keel_acme_start() for each
     * usable one the state directory holds, then after every issuance and
     * renewal. Swap it in for cert->names; what it points to is borrowed
     * for the call (certificate.h). */
    void (*certificate)(void *owner, const keel_acme_certificate_t *cert);
    /* Optional: an attempt for the certificate named `name` failed; the
     * next starts in retry_in_ms. The certificate in use, if any, stays. */
    void (*failed)(void *owner, const char *name, const char *reason, uint64_t retry_in_ms);
} keel_acme_hooks_t;

typedef struct keel_acme_s keel_acme_t;

/* Checks the configuration, creates the state directory (0700) and the
 * account key (0600) if missing, and sets up the descriptor; contacts no
 * one yet. Returns NULL with one line in err on a bad name, an unusable
 * state directory or key, or a missing --acme-ca-root file. */
keel_acme_t *keel_acme_create(const keel_acme_config_t *cfg, const keel_acme_hooks_t *hooks, void *owner, char *err,
                              size_t errlen);

/* Reports the stored certificates (hooks->certificate) and schedules the
 * rest: an order at once for every name without one, a renewal for the
 * others. Call once, when the host is ready for the callbacks. */
void keel_acme_start(keel_acme_t *a);

/* The descriptor to watch for readability (level-triggered). */
int keel_acme_fd(const keel_acme_t *a);

/* Does what is due: reads the CA's answers, advances orders, fires timers.
 * Never blocks. */
void keel_acme_run(keel_acme_t *a);

/* Abandons whatever is under way and frees. Not from inside a callback. */
void keel_acme_destroy(keel_acme_t *a);

/* HTTP-01: the body to answer GET /.well-known/acme-challenge/TOKEN with
 * (Content-Type: application/octet-stream; any other token gets 404), or
 * NULL. Borrowed until the next keel_acme_run(). */
const char *keel_acme_http01_response(const keel_acme_t *a, const char *token, size_t token_len);

/* keel_acme_http01_token() (challenges.h) finds the token in a request
 * path. */

/* TLS-ALPN-01: the certificate and key to complete the handshake with when
 * a client offers ALPN "acme-tls/1" (keel_acme_alpn_offers_acme_tls) for
 * server_name; such a connection then only selects "acme-tls/1" and
 * closes. Borrowed until the next keel_acme_run(): SSL_use_certificate and
 * SSL_use_PrivateKey take their own references. Returns -1 when no
 * challenge for that name is being answered. */
int keel_acme_tls_alpn01(const keel_acme_t *a, const char *server_name, X509 **cert, EVP_PKEY **key);

#endif
