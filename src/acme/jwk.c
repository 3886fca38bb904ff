#include "acme/jwk.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "acme/b64url.h"

/* P-256 coordinates are 32 bytes, left-padded with zeros (RFC 7518 §6.2.1.2). */
#define P256_COORD 32
/* RSA moduli past 8192 bits are refused: nobody uses them for an account. */
#define RSA_MAX_BYTES 1024

static int
is_p256(EVP_PKEY *key)
{
    char group[64];
    size_t len = 0;
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
        return 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &len) != 1)
        return 0;
    return strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0;
}

static int
is_rsa(EVP_PKEY *key)
{
    return EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA && EVP_PKEY_get_bits(key) >= 2048 &&
           EVP_PKEY_get_bits(key) <= RSA_MAX_BYTES * 8;
}

const char *
keel_acme_jws_alg(EVP_PKEY *key)
{
    if (key == NULL)
        return NULL;
    if (is_p256(key))
        return "ES256";
    if (is_rsa(key))
        return "RS256";
    return NULL;
}

/* The big number `param` of key, base64url-encoded over `width` bytes
 * (left-padded), or over its minimal length when width is 0; NULL on
 * failure. */
static json_t *
bn_member(EVP_PKEY *key, const char *param, size_t width)
{
    BIGNUM *bn = NULL;
    if (EVP_PKEY_get_bn_param(key, param, &bn) != 1)
        return NULL;
    json_t *out = NULL;
    size_t n = width ? width : (size_t)BN_num_bytes(bn);
    unsigned char *buf = malloc(n ? n : 1);
    if (buf != NULL && n > 0 && (size_t)BN_num_bytes(bn) <= n && BN_bn2binpad(bn, buf, (int)n) == (int)n) {
        char *text = keel_b64url_encode_alloc(buf, n);
        if (text != NULL)
            out = json_string(text);
        free(text);
    }
    free(buf);
    BN_free(bn);
    return out;
}

json_t *
keel_acme_jwk(EVP_PKEY *key)
{
    json_t *jwk = json_object();
    if (jwk == NULL)
        return NULL;
    int ok;
    if (is_p256(key)) {
        ok = json_object_set_new(jwk, "crv", json_string("P-256")) == 0 &&
             json_object_set_new(jwk, "kty", json_string("EC")) == 0 &&
             json_object_set_new(jwk, "x", bn_member(key, OSSL_PKEY_PARAM_EC_PUB_X, P256_COORD)) == 0 &&
             json_object_set_new(jwk, "y", bn_member(key, OSSL_PKEY_PARAM_EC_PUB_Y, P256_COORD)) == 0;
    } else if (is_rsa(key)) {
        ok = json_object_set_new(jwk, "e", bn_member(key, OSSL_PKEY_PARAM_RSA_E, 0)) == 0 &&
             json_object_set_new(jwk, "kty", json_string("RSA")) == 0 &&
             json_object_set_new(jwk, "n", bn_member(key, OSSL_PKEY_PARAM_RSA_N, 0)) == 0;
    } else {
        ok = 0;
    }
    if (!ok) {
        json_decref(jwk);
        return NULL;
    }
    return jwk;
}

int
keel_acme_jwk_thumbprint(EVP_PKEY *key, char out[KEEL_ACME_THUMBPRINT_LEN + 1])
{
    json_t *jwk = keel_acme_jwk(key);
    if (jwk == NULL)
        return -1;
    /* Sorted keys and no whitespace is exactly RFC 7638's canonical form
     * for these members, whose values are base64url or fixed strings. */
    char *canon = json_dumps(jwk, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(jwk);
    if (canon == NULL)
        return -1;
    unsigned char digest[SHA256_DIGEST_LENGTH];
    int rc = -1;
    if (SHA256((const unsigned char *)canon, strlen(canon), digest) != NULL &&
        keel_b64url_encode(digest, sizeof(digest), out, KEEL_ACME_THUMBPRINT_LEN + 1) == KEEL_ACME_THUMBPRINT_LEN)
        rc = 0;
    free(canon);
    return rc;
}
