#include "acme/jws.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <stdlib.h>
#include <string.h>

#include "acme/b64url.h"
#include "acme/jwk.h"

#define P256_COORD 32

/* DER ECDSA-Sig-Value to JWS's fixed-width r||s. */
static size_t
ecdsa_der_to_raw(const unsigned char *der, size_t len, unsigned char *out, size_t cap)
{
    if (cap < 2 * P256_COORD)
        return 0;
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
    if (sig == NULL)
        return 0;
    const BIGNUM *r, *s;
    ECDSA_SIG_get0(sig, &r, &s);
    size_t n = 0;
    if (BN_bn2binpad(r, out, P256_COORD) == P256_COORD && BN_bn2binpad(s, out + P256_COORD, P256_COORD) == P256_COORD)
        n = 2 * P256_COORD;
    ECDSA_SIG_free(sig);
    return n;
}

size_t
keel_acme_jws_sign(EVP_PKEY *key, const void *in, size_t n, unsigned char *out, size_t cap)
{
    const char *alg = keel_acme_jws_alg(key);
    if (alg == NULL)
        return 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (md == NULL)
        return 0;
    unsigned char der[KEEL_ACME_SIG_MAX + 16];
    size_t der_len = sizeof(der);
    size_t result = 0;
    if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 && EVP_DigestSign(md, der, &der_len, in, n) == 1) {
        if (strcmp(alg, "ES256") == 0) {
            result = ecdsa_der_to_raw(der, der_len, out, cap);
        } else if (der_len <= cap) {
            memcpy(out, der, der_len);
            result = der_len;
        }
    }
    EVP_MD_CTX_free(md);
    return result;
}

/* base64url of the compact JSON text of v, malloc'd. */
static char *
encode_json(const json_t *v)
{
    char *text = json_dumps(v, JSON_COMPACT);
    if (text == NULL)
        return NULL;
    char *out = keel_b64url_encode_alloc(text, strlen(text));
    free(text);
    return out;
}

char *
keel_acme_jws(EVP_PKEY *key, const char *kid, const char *nonce, const char *url, const json_t *payload)
{
    const char *alg = keel_acme_jws_alg(key);
    if (alg == NULL)
        return NULL;
    json_t *header = json_object();
    json_t *jws = json_object();
    char *prot = NULL, *body = NULL, *signing = NULL, *result = NULL;
    if (header == NULL || jws == NULL)
        goto out;
    if (json_object_set_new(header, "alg", json_string(alg)) != 0 ||
        json_object_set_new(header, "nonce", json_string(nonce)) != 0 ||
        json_object_set_new(header, "url", json_string(url)) != 0)
        goto out;
    if (kid != NULL ? json_object_set_new(header, "kid", json_string(kid)) != 0
                    : json_object_set_new(header, "jwk", keel_acme_jwk(key)) != 0)
        goto out;
    prot = encode_json(header);
    body = payload != NULL ? encode_json(payload) : strdup("");
    if (prot == NULL || body == NULL)
        goto out;
    /* The signing input is ASCII(protected "." payload), RFC 7515 §5.1. */
    size_t plen = strlen(prot), blen = strlen(body);
    signing = malloc(plen + 1 + blen + 1);
    if (signing == NULL)
        goto out;
    memcpy(signing, prot, plen);
    signing[plen] = '.';
    memcpy(signing + plen + 1, body, blen + 1);
    unsigned char sig[KEEL_ACME_SIG_MAX];
    size_t sig_len = keel_acme_jws_sign(key, signing, plen + 1 + blen, sig, sizeof(sig));
    if (sig_len == 0)
        goto out;
    char *sig_text = keel_b64url_encode_alloc(sig, sig_len);
    if (sig_text == NULL)
        goto out;
    if (json_object_set_new(jws, "protected", json_string(prot)) == 0 &&
        json_object_set_new(jws, "payload", json_string(body)) == 0 &&
        json_object_set_new(jws, "signature", json_string(sig_text)) == 0)
        result = json_dumps(jws, JSON_COMPACT);
    free(sig_text);
out:
    free(prot);
    free(body);
    free(signing);
    json_decref(header);
    json_decref(jws);
    return result;
}
