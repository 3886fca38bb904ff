/* TLS-ALPN-01 (RFC 8737): the self-signed certificate a TLS listener shows
 * a validating CA that offers ALPN "acme-tls/1" for the name, and how to
 * tell such a client from others. Pure. */
#ifndef KEEL_ACME_ALPN_CERT_H
#define KEEL_ACME_ALPN_CERT_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>

/* The ALPN protocol a validating CA offers, and only it. */
#define KEEL_ACME_TLS_ALPN_PROTOCOL "acme-tls/1"
/* id-pe-acmeIdentifier (RFC 8737 §6.1). */
#define KEEL_ACME_IDENTIFIER_OID "1.3.6.1.5.5.7.1.31"

/* A new key and a certificate for name carrying, as RFC 8737 §3 asks, a
 * subjectAltName with name as its only entry and a critical
 * acmeIdentifier extension holding the SHA-256 digest of
 * key_authorization. Returns 0 with both set (the caller frees them), or
 * -1 (OpenSSL's error queue says why). */
int keel_acme_alpn_cert(const char *name, const char *key_authorization, X509 **cert, EVP_PKEY **key);

/* Whether a ClientHello's ALPN extension (its body, as
 * SSL_client_hello_get0_ext returns it: a 2-byte length, then 1-byte
 * length-prefixed names) offers "acme-tls/1". A malformed extension offers
 * nothing. */
bool keel_acme_alpn_offers_acme_tls(const unsigned char *ext, size_t len);

#endif
