/* Tests for src/acme/challenges.c: what the listeners find while a
 * challenge is being answered, and that nothing is found after. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/x509v3.h>

#include "acme/challenges.h"

static void
test_http01_by_token(void **state)
{
    (void)state;
    keel_acme_challenges_t t = {0};
    assert_int_equal(keel_acme_challenges_add(&t, KEEL_ACME_HTTP01, "a.keel.test", "tokA", "tokA.thumb"), 0);
    assert_int_equal(keel_acme_challenges_add(&t, KEEL_ACME_HTTP01, "b.keel.test", "tokB", "tokB.thumb"), 0);
    assert_string_equal(keel_acme_challenges_http01(&t, "tokA", 4), "tokA.thumb");
    assert_string_equal(keel_acme_challenges_http01(&t, "tokB", 4), "tokB.thumb");
    /* exact token only: no prefix, no longer token */
    assert_null(keel_acme_challenges_http01(&t, "tok", 3));
    assert_null(keel_acme_challenges_http01(&t, "tokAx", 5));
    assert_null(keel_acme_challenges_http01(&t, "tokA", 3));
    /* an HTTP-01 entry is not a TLS-ALPN-01 one */
    X509 *cert;
    EVP_PKEY *key;
    assert_int_equal(keel_acme_challenges_tls_alpn01(&t, "a.keel.test", &cert, &key), -1);
    keel_acme_challenges_remove(&t, "tokA");
    assert_null(keel_acme_challenges_http01(&t, "tokA", 4));
    assert_string_equal(keel_acme_challenges_http01(&t, "tokB", 4), "tokB.thumb");
    keel_acme_challenges_remove(&t, "missing");
    keel_acme_challenges_clear(&t);
    assert_null(keel_acme_challenges_http01(&t, "tokB", 4));
    assert_null(t.head);
}

static void
test_tls_alpn01_by_server_name(void **state)
{
    (void)state;
    keel_acme_challenges_t t = {0};
    assert_int_equal(keel_acme_challenges_add(&t, KEEL_ACME_TLS_ALPN01, "alpn.keel.test", "tok", "tok.thumb"), 0);
    X509 *cert = NULL;
    EVP_PKEY *key = NULL;
    assert_int_equal(keel_acme_challenges_tls_alpn01(&t, "ALPN.keel.test", &cert, &key), 0);
    assert_non_null(cert);
    assert_int_equal(X509_check_private_key(cert, key), 1);
    assert_int_equal(X509_check_host(cert, "alpn.keel.test", 0, 0, NULL), 1);
    assert_int_equal(keel_acme_challenges_tls_alpn01(&t, "other.keel.test", &cert, &key), -1);
    assert_int_equal(keel_acme_challenges_tls_alpn01(&t, NULL, &cert, &key), -1);
    assert_null(keel_acme_challenges_http01(&t, "tok", 3));
    keel_acme_challenges_clear(&t);
}

static void
test_a_token_added_again_replaces_the_entry(void **state)
{
    (void)state;
    keel_acme_challenges_t t = {0};
    assert_int_equal(keel_acme_challenges_add(&t, KEEL_ACME_HTTP01, "a.keel.test", "tok", "old"), 0);
    assert_int_equal(keel_acme_challenges_add(&t, KEEL_ACME_HTTP01, "a.keel.test", "tok", "new"), 0);
    assert_string_equal(keel_acme_challenges_http01(&t, "tok", 3), "new");
    keel_acme_challenges_remove(&t, "tok");
    assert_null(keel_acme_challenges_http01(&t, "tok", 3));
    assert_null(t.head);
}

static void
test_http01_token_in_a_path(void **state)
{
    (void)state;
    const char *token;
    size_t len;
    const char *p = "/.well-known/acme-challenge/evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
    assert_true(keel_acme_http01_token(p, strlen(p), &token, &len));
    assert_int_equal(len, 43);
    assert_memory_equal(token, "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA", 43);
    static const char *const no[] = {
        "/.well-known/acme-challenge/",        "/.well-known/acme-challenge",
        "/.well-known/acme-challenge/a/b",     "/.well-known/acme-challenge/../x",
        "/.well-known/acme-challenge/tok?x=1", "/.well-known/acme-challengeXtok",
        "/well-known/acme-challenge/tok",      "",
    };
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        assert_false(keel_acme_http01_token(no[i], strlen(no[i]), &token, &len));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http01_by_token),
        cmocka_unit_test(test_tls_alpn01_by_server_name),
        cmocka_unit_test(test_a_token_added_again_replaces_the_entry),
        cmocka_unit_test(test_http01_token_in_a_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
