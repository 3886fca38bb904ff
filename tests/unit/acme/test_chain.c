/* Tests for src/acme/chain.c: PEM chains as a CA sends them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "acme/chain.h"
#include "acme_test_certs.h"

typedef struct {
    EVP_PKEY *ca_key, *key;
    X509 *ca, *leaf;
} pki_t;

static int
setup(void **state)
{
    pki_t *p = calloc(1, sizeof(*p));
    p->ca_key = EVP_EC_gen("P-256");
    p->key = EVP_EC_gen("P-256");
    p->ca = test_cert("test CA", NULL, p->ca_key, NULL, NULL, -3600, 86400);
    p->leaf = test_cert("www.keel.test", "DNS:www.keel.test,DNS:keel.test", p->key, p->ca, p->ca_key, -60, 120);
    *state = p;
    return 0;
}

static int
teardown(void **state)
{
    pki_t *p = *state;
    X509_free(p->ca);
    X509_free(p->leaf);
    EVP_PKEY_free(p->ca_key);
    EVP_PKEY_free(p->key);
    free(p);
    return 0;
}

static void
test_leaf_then_issuers(void **state)
{
    pki_t *p = *state;
    X509 *certs[] = {p->leaf, p->ca};
    size_t len;
    char *pem = test_pem(certs, 2, &len);
    keel_acme_chain_t c;
    char err[256];
    int64_t now = (int64_t)time(NULL) * 1000;
    assert_int_equal(keel_acme_chain_parse(pem, len, &c, err, sizeof(err)), 0);
    assert_int_equal(X509_cmp(c.leaf, p->leaf), 0);
    assert_int_equal(sk_X509_num(c.issuers), 1);
    assert_int_equal(X509_cmp(sk_X509_value(c.issuers, 0), p->ca), 0);
    /* the leaf's dates, to the second */
    assert_true(llabs(c.not_before_ms - (now - 60000)) <= 2000);
    assert_true(llabs(c.not_after_ms - (now + 120000)) <= 2000);
    assert_int_equal(c.not_before_ms % 1000, 0);
    const char *both[] = {"www.keel.test", "keel.test"};
    const char *more[] = {"www.keel.test", "other.keel.test"};
    assert_true(keel_acme_chain_covers(&c, both, 2));
    assert_true(keel_acme_chain_covers(&c, both + 1, 1));
    assert_false(keel_acme_chain_covers(&c, more, 2));
    assert_false(keel_acme_chain_covers(&c, both, 0));
    assert_true(keel_acme_chain_matches_key(&c, p->key));
    assert_false(keel_acme_chain_matches_key(&c, p->ca_key));
    keel_acme_chain_free(&c);
    assert_null(c.leaf);
    free(pem);
}

static void
test_whitespace_between_blocks_is_fine(void **state)
{
    pki_t *p = *state;
    X509 *certs[] = {p->leaf};
    size_t len;
    char *one = test_pem(certs, 1, &len);
    char *spaced = malloc(2 * len + 16);
    sprintf(spaced, "\r\n%s\n\n%s  \n", one, one);
    keel_acme_chain_t c;
    char err[256];
    assert_int_equal(keel_acme_chain_parse(spaced, strlen(spaced), &c, err, sizeof(err)), 0);
    assert_int_equal(sk_X509_num(c.issuers), 1);
    keel_acme_chain_free(&c);
    free(spaced);
    free(one);
}

static void
test_refusals(void **state)
{
    pki_t *p = *state;
    X509 *certs[] = {p->leaf};
    size_t len;
    char *one = test_pem(certs, 1, &len);
    char buf[8192];
    keel_acme_chain_t c;
    char err[256];
    const struct {
        const char *fmt;
        const char *why;
    } cases[] = {
        {"", "no certificate"},
        {"   \n", "no certificate"},
        {"hello\n%s", "text outside"},
        {"%sgarbage", "text outside"},
        {"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "cannot be read"},
        {"-----BEGIN CERTIFICATE-----\nAAAA\n", "not terminated"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(buf, sizeof(buf), cases[i].fmt, one);
        err[0] = '\0';
        assert_int_equal(keel_acme_chain_parse(buf, strlen(buf), &c, err, sizeof(err)), -1);
        assert_non_null(strstr(err, cases[i].why));
        assert_null(c.leaf);
        assert_null(c.issuers);
    }
    /* eleven certificates */
    char *many = malloc(11 * len + 1);
    many[0] = '\0';
    for (int i = 0; i < 11; i++)
        strcat(many, one);
    assert_int_equal(keel_acme_chain_parse(many, strlen(many), &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "too many"));
    many[10 * len] = '\0';
    assert_int_equal(keel_acme_chain_parse(many, strlen(many), &c, err, sizeof(err)), 0);
    keel_acme_chain_free(&c);
    free(many);
    /* a private key is not a certificate */
    assert_int_equal(
        keel_acme_chain_parse("-----BEGIN PRIVATE KEY-----\nAA\n-----END PRIVATE KEY-----\n", 58, &c, err, sizeof(err)),
        -1);
    free(one);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_leaf_then_issuers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_whitespace_between_blocks_is_fine, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
