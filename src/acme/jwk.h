/* The account key as JOSE sees it: its JWK (RFC 7517), its thumbprint
 * (RFC 7638) and its JWS algorithm. ECDSA P-256 (ES256) and RSA of 2048
 * bits or more (RS256) are supported. Pure. */
#ifndef KEEL_ACME_JWK_H
#define KEEL_ACME_JWK_H

#include <jansson.h>
#include <openssl/evp.h>

/* A SHA-256 digest in base64url: 43 characters. */
#define KEEL_ACME_THUMBPRINT_LEN 43

/* "ES256" or "RS256" for a supported key, NULL for any other. */
const char *keel_acme_jws_alg(EVP_PKEY *key);

/* The public JWK of key with exactly the members RFC 7638 requires (EC:
 * crv, kty, x, y; RSA: e, kty, n), as a new jansson object; NULL for an
 * unsupported key or no memory. */
json_t *keel_acme_jwk(EVP_PKEY *key);

/* key's RFC 7638 thumbprint: SHA-256 over the JWK's members in
 * lexicographic order with no whitespace, base64url-encoded into out
 * (NUL-terminated). Returns 0, or -1 for an unsupported key. */
int keel_acme_jwk_thumbprint(EVP_PKEY *key, char out[KEEL_ACME_THUMBPRINT_LEN + 1]);

#endif
