/*
 * Fuzzes src/acme/chain.c: the input is a PEM certificate chain as a CA
 * sends it, or as the state directory holds it (a file anyone with access
 * may have edited). A chain that parses has a leaf, at most
 * KEEL_ACME_CHAIN_MAX certificates and readable dates, and the checks run
 * on it without crashing.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "acme/chain.h"
#include "fuzz_check.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static EVP_PKEY *key; /* one key for every run: generating it is slow */
    if (key == NULL)
        key = EVP_EC_gen("P-256");
    char *pem = fuzz_dup(data, size);
    keel_acme_chain_t c;
    char err[256];
    if (keel_acme_chain_parse(pem, size, &c, err, sizeof(err)) == 0) {
        CHECK(c.leaf != NULL && c.issuers != NULL);
        CHECK(sk_X509_num(c.issuers) + 1 <= KEEL_ACME_CHAIN_MAX);
        CHECK(c.not_before_ms >= 0 && c.not_after_ms >= 0);
        const char *names[] = {"keel.test", "www.keel.test"};
        (void)keel_acme_chain_covers(&c, names, 2);
        (void)keel_acme_chain_matches_key(&c, key);
        keel_acme_chain_free(&c);
        CHECK(c.leaf == NULL);
    } else {
        CHECK(c.leaf == NULL && c.issuers == NULL);
        CHECK(strnlen(err, sizeof(err)) < sizeof(err) && err[0] != '\0');
    }
    free(pem);
    return 0;
}
