/* ACME requests as JWS (RFC 7515 flattened JSON serialisation, RFC 8555
 * §6.2): a protected header naming the algorithm, the anti-replay nonce,
 * the URL and either the account's JWK (before it has a URL) or its URL
 * (kid), a base64url payload, and the signature. Pure. */
#ifndef KEEL_ACME_JWS_H
#define KEEL_ACME_JWS_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stddef.h>

/* Largest signature keel produces: RSA 8192 bits. */
#define KEEL_ACME_SIG_MAX 1024

/* Signs in[0..n) as JWS does for key's algorithm (keel_acme_jws_alg):
 * ES256 gives the 64-byte r||s form (RFC 7518 §3.4), not DER; RS256 the
 * PKCS#1 v1.5 signature. Returns the signature's length in out, or 0. */
size_t keel_acme_jws_sign(EVP_PKEY *key, const void *in, size_t n, unsigned char *out, size_t cap);

/* The request body for a POST to url: payload (NULL for a POST-as-GET,
 * whose payload is empty) signed with key, identified by kid or, when kid
 * is NULL, by its JWK. Returns malloc'd JSON text, or NULL for an
 * unsupported key or no memory. */
char *keel_acme_jws(EVP_PKEY *key, const char *kid, const char *nonce, const char *url, const json_t *payload);

#endif
