/*
 * The front's TLS: one OpenSSL context per certificate, chosen by the
 * name the client asks for (SNI), HTTP/2 or HTTP/1.1 by ALPN, TLS 1.2 and
 * 1.3 only, session tickets under rotating keys, OCSP responses stapled
 * when the certificate names a responder (ocsp.h), and TLS-ALPN-01
 * answers for the ACME client (docs/acme.md).
 *
 * Certificates come from --tls-cert/--tls-key (read at start and again on
 * keel_tls_reload) and from the ACME client (keel_tls_install). A swap
 * changes what new handshakes get; connections already open keep theirs.
 * server.c owns it; it reports nothing up.
 */
#ifndef KEEL_FRONT_TLS_H
#define KEEL_FRONT_TLS_H

#include <stddef.h>

#include <h2o.h>

#include "acme/acme.h"
#include "common/config.h"

/* TLS 1.2's suites (TLS 1.3 keeps OpenSSL's three, all AEAD): ECDHE
 * only, AEAD only; docs/security.md ("TLS"). */
#define KEEL_TLS12_CIPHERS                                                                                             \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"                         \
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
#define KEEL_TLS_GROUPS "X25519:P-256:P-384"

typedef struct keel_tls_s keel_tls_t;

/*
 * Reads the --tls-cert/--tls-key pairs of cfg and sets up the contexts;
 * acme_names (n of them, may be 0) are the names the ACME client manages,
 * which get no other certificate while theirs is missing. Returns NULL
 * with one line in err naming the file at fault (unreadable, not PEM, a
 * key that does not match its certificate).
 */
keel_tls_t *keel_tls_create(const keel_config_t *cfg, const char *const *acme_names, size_t n, char *err,
                            size_t errlen);

/* Starts rotating the session-ticket keys on loop's timer. */
void keel_tls_start(keel_tls_t *t, h2o_loop_t *loop);

/* The ACME client, for TLS-ALPN-01 (NULL: none). */
void keel_tls_set_acme(keel_tls_t *t, keel_acme_t *acme);

/* Reads the files again. On any error the certificates in use stay, and
 * err says why (one line, naming the file). Returns 0 or -1. */
int keel_tls_reload(keel_tls_t *t, char *err, size_t errlen);

/* A certificate from the ACME client, for its names, from the next
 * handshake on. */
void keel_tls_install(keel_tls_t *t, const keel_acme_certificate_t *c);

/* A connection accepted on an https:// listener: the handshake, then
 * HTTP/2 or HTTP/1.1 through actx (or, for an acme-tls/1 client, the
 * challenge certificate and the end). */
void keel_tls_accept(keel_tls_t *t, h2o_accept_ctx_t *actx, h2o_socket_t *sock);

/* Stops its timers and descriptors on the loop (from inside the loop, as
 * keel stops). */
void keel_tls_stop(keel_tls_t *t);

/* Frees what is not held by a connection still open. */
void keel_tls_destroy(keel_tls_t *t);

#endif
