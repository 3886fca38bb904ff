/* Tests for src/acme/jws.c: RFC 7515's RS256 example signature exactly
 * (PKCS#1 v1.5 is deterministic), ES256 in JWS's r||s form, and the
 * flattened JSON an ACME request carries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acme/b64url.h"
#include "acme/jwk.h"
#include "acme/jws.h"
#include "acme_test_keys.h"

static void
test_rs256_reproduces_rfc7515_a2(void **state)
{
    (void)state;
    EVP_PKEY *key = test_rsa_key(RFC7515_RSA_N, RFC7515_RSA_E, RFC7515_RSA_D);
    assert_non_null(key);
    unsigned char sig[KEEL_ACME_SIG_MAX];
    size_t n = keel_acme_jws_sign(key, RFC7515_RS256_INPUT, strlen(RFC7515_RS256_INPUT), sig, sizeof(sig));
    assert_int_equal(n, 256);
    char *text = keel_b64url_encode_alloc(sig, n);
    assert_string_equal(text, RFC7515_RS256_SIG);
    free(text);
    EVP_PKEY_free(key);
}

static void
test_es256_is_r_and_s_and_verifies(void **state)
{
    (void)state;
    EVP_PKEY *key = test_ec_key(RFC7515_EC_X, RFC7515_EC_Y, RFC7515_EC_D);
    assert_non_null(key);
    /* the verifier accepts RFC 7515 A.3's own signature ... */
    size_t rfc_len = 0;
    unsigned char *rfc_sig = test_b64url_decode(RFC7515_ES256_SIG, &rfc_len);
    assert_true(test_es256_verify(key, RFC7515_ES256_INPUT, strlen(RFC7515_ES256_INPUT), rfc_sig, rfc_len));
    free(rfc_sig);
    /* ... and keel's (ECDSA is randomised: same form, different bytes) */
    for (int i = 0; i < 64; i++) {
        unsigned char sig[KEEL_ACME_SIG_MAX];
        size_t n = keel_acme_jws_sign(key, RFC7515_ES256_INPUT, strlen(RFC7515_ES256_INPUT), sig, sizeof(sig));
        assert_int_equal(n, 64);
        assert_true(test_es256_verify(key, RFC7515_ES256_INPUT, strlen(RFC7515_ES256_INPUT), sig, n));
        assert_false(test_es256_verify(key, RFC7515_RS256_INPUT, strlen(RFC7515_RS256_INPUT), sig, n));
    }
    unsigned char small[63];
    assert_int_equal(keel_acme_jws_sign(key, "x", 1, small, sizeof(small)), 0);
    EVP_PKEY_free(key);
}

/* The decoded JSON of a base64url member of jws. */
static json_t *
decoded(json_t *jws, const char *member)
{
    size_t len = 0;
    unsigned char *raw = test_b64url_decode(json_string_value(json_object_get(jws, member)), &len);
    assert_non_null(raw);
    json_t *v = len > 0 ? json_loadb((const char *)raw, len, 0, NULL) : NULL;
    free(raw);
    return v;
}

static void
check_signature(EVP_PKEY *key, json_t *jws)
{
    const char *prot = json_string_value(json_object_get(jws, "protected"));
    const char *payload = json_string_value(json_object_get(jws, "payload"));
    size_t len = strlen(prot) + 1 + strlen(payload);
    char *input = malloc(len + 1);
    strcpy(input, prot);
    strcat(input, ".");
    strcat(input, payload);
    size_t sig_len = 0;
    unsigned char *sig = test_b64url_decode(json_string_value(json_object_get(jws, "signature")), &sig_len);
    assert_true(test_es256_verify(key, input, len, sig, sig_len));
    free(sig);
    free(input);
}

static void
test_new_account_request_carries_the_jwk(void **state)
{
    (void)state;
    EVP_PKEY *key = test_ec_key(RFC7515_EC_X, RFC7515_EC_Y, RFC7515_EC_D);
    json_t *payload = json_pack("{s:b}", "termsOfServiceAgreed", 1);
    char *body = keel_acme_jws(key, NULL, "n0nce", "https://ca.example/acme/new-account", payload);
    assert_non_null(body);
    json_t *jws = json_loads(body, 0, NULL);
    assert_non_null(jws);
    assert_int_equal(json_object_size(jws), 3);
    json_t *header = decoded(jws, "protected");
    assert_string_equal(json_string_value(json_object_get(header, "alg")), "ES256");
    assert_string_equal(json_string_value(json_object_get(header, "nonce")), "n0nce");
    assert_string_equal(json_string_value(json_object_get(header, "url")), "https://ca.example/acme/new-account");
    assert_null(json_object_get(header, "kid"));
    json_t *jwk = json_object_get(header, "jwk");
    assert_string_equal(json_string_value(json_object_get(jwk, "x")), RFC7515_EC_X);
    assert_null(json_object_get(jwk, "d")); /* never the private part */
    json_t *p = decoded(jws, "payload");
    assert_true(json_equal(p, payload));
    check_signature(key, jws);
    json_decref(p);
    json_decref(header);
    json_decref(jws);
    json_decref(payload);
    free(body);
    EVP_PKEY_free(key);
}

static void
test_post_as_get_has_a_kid_and_an_empty_payload(void **state)
{
    (void)state;
    EVP_PKEY *key = test_ec_key(RFC7515_EC_X, RFC7515_EC_Y, RFC7515_EC_D);
    char *body = keel_acme_jws(key, "https://ca.example/acct/1", "n2", "https://ca.example/order/7", NULL);
    json_t *jws = json_loads(body, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(jws, "payload")), "");
    json_t *header = decoded(jws, "protected");
    assert_string_equal(json_string_value(json_object_get(header, "kid")), "https://ca.example/acct/1");
    assert_null(json_object_get(header, "jwk"));
    check_signature(key, jws);
    json_decref(header);
    json_decref(jws);
    free(body);
    /* no nonce, no request */
    assert_null(keel_acme_jws(key, NULL, NULL, "https://ca.example/x", NULL));
    EVP_PKEY_free(key);
}

static void
test_unsupported_key_gives_no_request(void **state)
{
    (void)state;
    EVP_PKEY *key = EVP_EC_gen("P-384");
    assert_null(keel_acme_jws(key, NULL, "n", "https://ca.example/x", NULL));
    unsigned char sig[KEEL_ACME_SIG_MAX];
    assert_int_equal(keel_acme_jws_sign(key, "x", 1, sig, sizeof(sig)), 0);
    EVP_PKEY_free(key);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rs256_reproduces_rfc7515_a2),
        cmocka_unit_test(test_es256_is_r_and_s_and_verifies),
        cmocka_unit_test(test_new_account_request_carries_the_jwk),
        cmocka_unit_test(test_post_as_get_has_a_kid_and_an_empty_payload),
        cmocka_unit_test(test_unsupported_key_gives_no_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
