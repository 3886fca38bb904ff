/* Tests for src/acme/csr.c: the CSR read back with OpenSSL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "acme/csr.h"

static void
test_csr_names_every_name_and_is_signed_by_the_key(void **state)
{
    (void)state;
    EVP_PKEY *key = EVP_EC_gen("P-256");
    const char *names[] = {"www.keel.test", "keel.test", "api.keel.test"};
    size_t len = 0;
    unsigned char *der = keel_acme_csr_der(key, names, 3, &len);
    assert_non_null(der);
    const unsigned char *p = der;
    X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)len);
    assert_non_null(req);
    assert_int_equal(p - der, (long)len);
    assert_int_equal(X509_REQ_verify(req, key), 1);
    EVP_PKEY *pub = X509_REQ_get0_pubkey(req);
    assert_int_equal(EVP_PKEY_eq(pub, key), 1);
    char cn[256];
    assert_true(X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req), NID_commonName, cn, sizeof(cn)) > 0);
    assert_string_equal(cn, "www.keel.test");
    STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
    GENERAL_NAMES *gens = X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL);
    assert_non_null(gens);
    assert_int_equal(sk_GENERAL_NAME_num(gens), 3);
    for (int i = 0; i < 3; i++) {
        GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        assert_int_equal(g->type, GEN_DNS);
        assert_string_equal((const char *)ASN1_STRING_get0_data(g->d.dNSName), names[i]);
    }
    GENERAL_NAMES_free(gens);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    X509_REQ_free(req);
    OPENSSL_free(der);
    EVP_PKEY_free(key);
}

static void
test_a_name_too_long_for_a_common_name_is_only_in_the_san(void **state)
{
    (void)state;
    EVP_PKEY *key = EVP_EC_gen("P-256");
    const char *names[] = {"a-very-long-label-that-goes-on.and-on-and-on-until-past-64-characters.keel.test"};
    size_t len = 0;
    unsigned char *der = keel_acme_csr_der(key, names, 1, &len);
    assert_non_null(der);
    const unsigned char *p = der;
    X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)len);
    assert_int_equal(X509_NAME_entry_count(X509_REQ_get_subject_name(req)), 0);
    X509_REQ_free(req);
    OPENSSL_free(der);
    assert_null(keel_acme_csr_der(key, names, 0, &len));
    EVP_PKEY_free(key);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csr_names_every_name_and_is_signed_by_the_key),
        cmocka_unit_test(test_a_name_too_long_for_a_common_name_is_only_in_the_san),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
