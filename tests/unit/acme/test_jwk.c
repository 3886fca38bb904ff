/* Tests for src/acme/jwk.c against the RFCs' examples: RFC 7638 §3.1's
 * thumbprint, and RFC 7515 A.3's P-256 key as a JWK. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/rsa.h>

#include "acme/jwk.h"
#include "acme_test_keys.h"

static void
test_rfc7638_thumbprint(void **state)
{
    (void)state;
    EVP_PKEY *key = test_rsa_key(RFC7638_N, "AQAB", NULL);
    assert_non_null(key);
    assert_string_equal(keel_acme_jws_alg(key), "RS256");
    char tp[KEEL_ACME_THUMBPRINT_LEN + 1];
    assert_int_equal(keel_acme_jwk_thumbprint(key, tp), 0);
    assert_string_equal(tp, RFC7638_THUMBPRINT);
    json_t *jwk = keel_acme_jwk(key);
    char *text = json_dumps(jwk, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(text, "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\"}");
    free(text);
    json_decref(jwk);
    EVP_PKEY_free(key);
}

static void
test_ec_jwk_has_the_rfc7515_coordinates(void **state)
{
    (void)state;
    EVP_PKEY *key = test_ec_key(RFC7515_EC_X, RFC7515_EC_Y, RFC7515_EC_D);
    assert_non_null(key);
    assert_string_equal(keel_acme_jws_alg(key), "ES256");
    json_t *jwk = keel_acme_jwk(key);
    char *text = json_dumps(jwk, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(text,
                        "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" RFC7515_EC_X "\",\"y\":\"" RFC7515_EC_Y "\"}");
    free(text);
    json_decref(jwk);
    /* SHA-256 of that canonical text, computed independently */
    char tp[KEEL_ACME_THUMBPRINT_LEN + 1];
    assert_int_equal(keel_acme_jwk_thumbprint(key, tp), 0);
    assert_string_equal(tp, "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U");
    EVP_PKEY_free(key);
}

static void
test_coordinates_keep_their_leading_zeros(void **state)
{
    (void)state;
    /* One key in 256 has an x below 2^248: its JWK must still carry 32
     * bytes (43 characters). Generate until one shows up. */
    int found = 0;
    for (int i = 0; i < 4096 && !found; i++) {
        EVP_PKEY *key = EVP_EC_gen("P-256");
        BIGNUM *x = NULL;
        assert_int_equal(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x), 1);
        if (BN_num_bytes(x) < 32) {
            found = 1;
            json_t *jwk = keel_acme_jwk(key);
            assert_int_equal(strlen(json_string_value(json_object_get(jwk, "x"))), 43);
            json_decref(jwk);
        }
        BN_free(x);
        EVP_PKEY_free(key);
    }
    assert_true(found);
}

static void
test_unsupported_keys(void **state)
{
    (void)state;
    EVP_PKEY *p384 = EVP_EC_gen("P-384");
    EVP_PKEY *rsa1024 = EVP_RSA_gen(1024);
    EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    EVP_PKEY *keys[] = {p384, rsa1024, ed};
    for (size_t i = 0; i < 3; i++) {
        assert_non_null(keys[i]);
        assert_null(keel_acme_jws_alg(keys[i]));
        assert_null(keel_acme_jwk(keys[i]));
        char tp[KEEL_ACME_THUMBPRINT_LEN + 1];
        assert_int_equal(keel_acme_jwk_thumbprint(keys[i], tp), -1);
        EVP_PKEY_free(keys[i]);
    }
    assert_null(keel_acme_jws_alg(NULL));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc7638_thumbprint),
        cmocka_unit_test(test_ec_jwk_has_the_rfc7515_coordinates),
        cmocka_unit_test(test_coordinates_keep_their_leading_zeros),
        cmocka_unit_test(test_unsupported_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
