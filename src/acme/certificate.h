/* What the ACME client hands its host when a certificate is ready: at
 * start, for each usable certificate in the state directory, and after each
 * issuance or renewal. Types only. */
#ifndef KEEL_ACME_CERTIFICATE_H
#define KEEL_ACME_CERTIFICATE_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Everything is borrowed for the duration of the callback: a host that
 * keeps the objects takes its own references (X509_up_ref, EVP_PKEY_up_ref)
 * or copies the PEM. */
typedef struct {
    const char *const *names; /* the names it is for; names[0] names it */
    size_t n_names;
    X509 *leaf;
    STACK_OF(X509) * issuers; /* the chain after the leaf, in order */
    EVP_PKEY *key;
    const char *chain_pem; /* leaf then issuers, as stored */
    size_t chain_pem_len;
    const char *key_pem;
    size_t key_pem_len;
    const char *chain_path; /* where they are kept (STATE_DIR/acme/CA/NAME/) */
    const char *key_path;
    int64_t not_before_ms; /* the leaf's validity, ms since the epoch */
    int64_t not_after_ms;
    int64_t renew_at_ms; /* when keel will start renewing it */
    bool issued_now;     /* false: read from the state directory at start */
} keel_acme_certificate_t;

#endif
