#include "acme/chain.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t
keel_acme_asn1_time_ms(const ASN1_TIME *t)
{
    struct tm tm;
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return -1;
    time_t secs = timegm(&tm);
    if (secs == (time_t)-1)
        return -1;
    return (int64_t)secs * 1000;
}

static bool
only_space(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
            return false;
    return true;
}

int
keel_acme_chain_parse(const char *pem, size_t len, keel_acme_chain_t *out, char *err, size_t errlen)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----";
    static const char end[] = "-----END CERTIFICATE-----";
    memset(out, 0, sizeof(*out));
    if (len > KEEL_ACME_CHAIN_BYTES) {
        snprintf(err, errlen, "certificate chain of %zu bytes is too large", len);
        return -1;
    }
    out->issuers = sk_X509_new_null();
    if (out->issuers == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* Each block is cut out and read on its own, so that text between
     * blocks, which PEM readers skip, is refused instead. */
    size_t pos = 0;
    const char *why = NULL;
    while (why == NULL) {
        const char *rest = pem + pos;
        size_t left = len - pos;
        const char *b = memmem(rest, left, begin, sizeof(begin) - 1);
        if (b == NULL) {
            if (!only_space(rest, left))
                why = "text outside the certificates";
            break;
        }
        if (!only_space(rest, (size_t)(b - rest))) {
            why = "text outside the certificates";
            break;
        }
        const char *e = memmem(b, left - (size_t)(b - rest), end, sizeof(end) - 1);
        if (e == NULL) {
            why = "a certificate is not terminated";
            break;
        }
        size_t block = (size_t)(e - b) + sizeof(end) - 1;
        if (out->leaf != NULL && (size_t)sk_X509_num(out->issuers) + 1 >= KEEL_ACME_CHAIN_MAX) {
            why = "too many certificates";
            break;
        }
        BIO *bio = BIO_new_mem_buf(b, (int)block);
        X509 *x = bio != NULL ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
        BIO_free(bio);
        if (x == NULL) {
            why = "a certificate cannot be read";
            break;
        }
        if (out->leaf == NULL) {
            out->leaf = x;
        } else if (sk_X509_push(out->issuers, x) <= 0) {
            X509_free(x);
            why = "out of memory";
            break;
        }
        pos = (size_t)(b - pem) + block;
    }
    ERR_clear_error();
    if (why == NULL && out->leaf == NULL)
        why = "no certificate";
    if (why == NULL) {
        out->not_before_ms = keel_acme_asn1_time_ms(X509_get0_notBefore(out->leaf));
        out->not_after_ms = keel_acme_asn1_time_ms(X509_get0_notAfter(out->leaf));
        if (out->not_before_ms < 0 || out->not_after_ms < 0)
            why = "the certificate's dates cannot be read";
    }
    if (why != NULL) {
        snprintf(err, errlen, "%s", why);
        keel_acme_chain_free(out);
        return -1;
    }
    return 0;
}

void
keel_acme_chain_free(keel_acme_chain_t *c)
{
    X509_free(c->leaf);
    sk_X509_pop_free(c->issuers, X509_free);
    memset(c, 0, sizeof(*c));
}

bool
keel_acme_chain_covers(const keel_acme_chain_t *c, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (X509_check_host(c->leaf, names[i], strlen(names[i]),
                            X509_CHECK_FLAG_NO_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, NULL) != 1)
            return false;
    return n > 0;
}

bool
keel_acme_chain_matches_key(const keel_acme_chain_t *c, EVP_PKEY *key)
{
    bool ok = X509_check_private_key(c->leaf, key) == 1;
    ERR_clear_error();
    return ok;
}
