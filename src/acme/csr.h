/* The certificate signing request sent to finalize an order (RFC 8555
 * §7.4): the names in a subjectAltName, the first also as the subject's
 * common name, signed with the certificate's key. Pure. */
#ifndef KEEL_ACME_CSR_H
#define KEEL_ACME_CSR_H

#include <openssl/evp.h>
#include <stddef.h>

/* The CSR's DER in a buffer the caller frees with OPENSSL_free, its length
 * in *len; NULL on failure (OpenSSL's error queue says why). */
unsigned char *keel_acme_csr_der(EVP_PKEY *key, const char *const *names, size_t n, size_t *len);

#endif
