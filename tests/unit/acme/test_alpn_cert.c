/* Tests for src/acme/alpn_cert.c: the TLS-ALPN-01 certificate holds what
 * RFC 8737 §3 asks, and the ALPN extension is read safely. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include "acme/alpn_cert.h"

static void
test_certificate_carries_the_acme_identifier(void **state)
{
    (void)state;
    const char *key_auth = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";
    X509 *cert = NULL;
    EVP_PKEY *key = NULL;
    assert_int_equal(keel_acme_alpn_cert("alpn.keel.test", key_auth, &cert, &key), 0);
    /* self-signed with its own key */
    assert_int_equal(X509_check_private_key(cert, key), 1);
    assert_int_equal(X509_verify(cert, key), 1);
    /* id-pe-acmeIdentifier, critical, an OCTET STRING of the digest */
    ASN1_OBJECT *oid = OBJ_txt2obj(KEEL_ACME_IDENTIFIER_OID, 1);
    int at = X509_get_ext_by_OBJ(cert, oid, -1);
    assert_true(at >= 0);
    assert_int_equal(X509_get_ext_by_OBJ(cert, oid, at), -1); /* exactly one */
    X509_EXTENSION *ext = X509_get_ext(cert, at);
    assert_int_equal(X509_EXTENSION_get_critical(ext), 1);
    const ASN1_OCTET_STRING *value = X509_EXTENSION_get_data(ext);
    unsigned char expect[2 + SHA256_DIGEST_LENGTH] = {0x04, 0x20};
    SHA256((const unsigned char *)key_auth, strlen(key_auth), expect + 2);
    assert_int_equal(ASN1_STRING_length(value), sizeof(expect));
    assert_memory_equal(ASN1_STRING_get0_data(value), expect, sizeof(expect));
    ASN1_OBJECT_free(oid);
    /* the name, and nothing else, in the subjectAltName */
    GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    assert_int_equal(sk_GENERAL_NAME_num(gens), 1);
    GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, 0);
    assert_int_equal(g->type, GEN_DNS);
    assert_string_equal((const char *)ASN1_STRING_get0_data(g->d.dNSName), "alpn.keel.test");
    GENERAL_NAMES_free(gens);
    /* valid now */
    assert_true(X509_cmp_current_time(X509_get0_notBefore(cert)) <= 0);
    assert_true(X509_cmp_current_time(X509_get0_notAfter(cert)) > 0);
    X509_free(cert);
    EVP_PKEY_free(key);
}

static void
test_each_certificate_has_its_own_key(void **state)
{
    (void)state;
    X509 *a, *b;
    EVP_PKEY *ka, *kb;
    assert_int_equal(keel_acme_alpn_cert("a.keel.test", "t.k", &a, &ka), 0);
    assert_int_equal(keel_acme_alpn_cert("a.keel.test", "t.k", &b, &kb), 0);
    assert_int_not_equal(EVP_PKEY_eq(ka, kb), 1);
    assert_int_not_equal(ASN1_INTEGER_cmp(X509_get0_serialNumber(a), X509_get0_serialNumber(b)), 0);
    X509_free(a);
    X509_free(b);
    EVP_PKEY_free(ka);
    EVP_PKEY_free(kb);
}

#define EXT(...) ((const unsigned char[]){__VA_ARGS__}), sizeof((const unsigned char[]){__VA_ARGS__})

static void
test_alpn_offers(void **state)
{
    (void)state;
    /* "h2", "acme-tls/1" */
    assert_true(
        keel_acme_alpn_offers_acme_tls(EXT(0, 14, 2, 'h', '2', 10, 'a', 'c', 'm', 'e', '-', 't', 'l', 's', '/', '1')));
    /* only acme-tls/1 */
    assert_true(keel_acme_alpn_offers_acme_tls(EXT(0, 11, 10, 'a', 'c', 'm', 'e', '-', 't', 'l', 's', '/', '1')));
    /* h2 and http/1.1 */
    assert_false(keel_acme_alpn_offers_acme_tls(EXT(0, 12, 2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1')));
    /* a prefix is not the protocol */
    assert_false(keel_acme_alpn_offers_acme_tls(EXT(0, 10, 9, 'a', 'c', 'm', 'e', '-', 't', 'l', 's', '/')));
    /* malformed: list length wrong, name running past the end, empty name */
    assert_false(keel_acme_alpn_offers_acme_tls(EXT(0, 12, 10, 'a', 'c', 'm', 'e', '-', 't', 'l', 's', '/', '1')));
    assert_false(
        keel_acme_alpn_offers_acme_tls(EXT(0, 14, 10, 'a', 'c', 'm', 'e', '-', 't', 'l', 's', '/', '1', 5, 'h', 'x')));
    assert_false(keel_acme_alpn_offers_acme_tls(EXT(0, 12, 0, 10, 'a', 'c', 'm', 'e', '-', 't', 'l', 's', '/', '1')));
    assert_false(keel_acme_alpn_offers_acme_tls(EXT(0, 0)));
    assert_false(keel_acme_alpn_offers_acme_tls(EXT(0)));
    assert_false(keel_acme_alpn_offers_acme_tls(NULL, 0));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_certificate_carries_the_acme_identifier),
        cmocka_unit_test(test_each_certificate_has_its_own_key),
        cmocka_unit_test(test_alpn_offers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
