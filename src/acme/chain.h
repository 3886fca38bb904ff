/* A certificate chain in PEM, as the CA sends it (RFC 8555 §7.4.2,
 * application/pem-certificate-chain) and as the state directory keeps it:
 * the leaf first, then the certificates that issued it. Parsing it is
 * fuzzed (tests/fuzz/fuzz_acme_chain.c). Pure. */
#ifndef KEEL_ACME_CHAIN_H
#define KEEL_ACME_CHAIN_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A chain longer than this is refused: real ones have two or three. */
#define KEEL_ACME_CHAIN_MAX 10
/* Largest PEM chain accepted. */
#define KEEL_ACME_CHAIN_BYTES (64 * 1024)

typedef struct {
    X509 *leaf;
    STACK_OF(X509) * issuers; /* the rest, in order; possibly empty */
    int64_t not_before_ms;    /* the leaf's validity, ms since the epoch */
    int64_t not_after_ms;
} keel_acme_chain_t;

/* Parses pem[0..len): one or more CERTIFICATE blocks and nothing else but
 * whitespace between them. Returns 0 with *out filled (free with
 * keel_acme_chain_free), or -1 with the reason in err. */
int keel_acme_chain_parse(const char *pem, size_t len, keel_acme_chain_t *out, char *err, size_t errlen);

void keel_acme_chain_free(keel_acme_chain_t *c);

/* Whether the leaf is valid for every one of names (subjectAltName DNS
 * entries, no wildcard matching). */
bool keel_acme_chain_covers(const keel_acme_chain_t *c, const char *const *names, size_t n);

/* Whether key is the leaf's private key. */
bool keel_acme_chain_matches_key(const keel_acme_chain_t *c, EVP_PKEY *key);

/* An ASN1_TIME as ms since the epoch; -1 when it cannot be read. */
int64_t keel_acme_asn1_time_ms(const ASN1_TIME *t);

#endif
