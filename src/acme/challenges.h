/* The challenges being answered right now, and the lookups the host's
 * listeners make while the CA validates: HTTP-01 by token, TLS-ALPN-01 by
 * server name. An entry lives from the moment keel tells the CA it is
 * ready until the authorization is decided. No I/O. */
#ifndef KEEL_ACME_CHALLENGES_H
#define KEEL_ACME_CHALLENGES_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>

/* Which challenges the host can answer (keel_acme_config_t.challenges). */
#define KEEL_ACME_CHALLENGE_HTTP01     1u
#define KEEL_ACME_CHALLENGE_TLS_ALPN01 2u

/* Where HTTP-01 answers are served, on the cleartext listener (port 80). */
#define KEEL_ACME_HTTP01_PREFIX "/.well-known/acme-challenge/"

typedef enum {
    KEEL_ACME_HTTP01,
    KEEL_ACME_TLS_ALPN01,
} keel_acme_challenge_kind_t;

typedef struct keel_acme_challenge_entry_s keel_acme_challenge_entry_t;

typedef struct {
    keel_acme_challenge_entry_t *head;
} keel_acme_challenges_t;

/* Adds the answer to a challenge for name: for HTTP-01 the key
 * authorization served at its token; for TLS-ALPN-01 a certificate and key
 * made from it (alpn_cert.h). Returns 0, or -1 (out of memory, or the
 * certificate could not be made). A token already present is replaced. */
int keel_acme_challenges_add(keel_acme_challenges_t *t, keel_acme_challenge_kind_t kind, const char *name,
                             const char *token, const char *key_authorization);

/* Removes the entry for token, if any. */
void keel_acme_challenges_remove(keel_acme_challenges_t *t, const char *token);

/* Removes every entry. */
void keel_acme_challenges_clear(keel_acme_challenges_t *t);

/* The key authorization to answer GET /.well-known/acme-challenge/TOKEN
 * with, or NULL; borrowed until the entry is removed. */
const char *keel_acme_challenges_http01(const keel_acme_challenges_t *t, const char *token, size_t token_len);

/* The certificate and key to present to a client that offers acme-tls/1
 * for server_name (compared without regard to case), borrowed until the
 * entry is removed; returns -1 when there is none. */
int keel_acme_challenges_tls_alpn01(const keel_acme_challenges_t *t, const char *server_name, X509 **cert,
                                    EVP_PKEY **key);

/* The token in a request path (no query) under KEEL_ACME_HTTP01_PREFIX:
 * true with *token pointing into path when the rest is a base64url token,
 * false for any other path. Pure; fuzzed. */
bool keel_acme_http01_token(const char *path, size_t len, const char **token, size_t *token_len);

#endif
