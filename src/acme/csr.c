#include "acme/csr.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string.h>

#include "acme/names.h"

/* "DNS:a,DNS:b" for X509V3_EXT_conf_nid; NULL if too long. */
static char *
san_value(const char *const *names, size_t n)
{
    size_t cap = 1;
    for (size_t i = 0; i < n; i++)
        cap += strlen(names[i]) + 5;
    char *v = OPENSSL_malloc(cap);
    if (v == NULL)
        return NULL;
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            v[len++] = ',';
        memcpy(v + len, "DNS:", 4);
        len += 4;
        memcpy(v + len, names[i], strlen(names[i]));
        len += strlen(names[i]);
    }
    v[len] = '\0';
    return v;
}

unsigned char *
keel_acme_csr_der(EVP_PKEY *key, const char *const *names, size_t n, size_t *len)
{
    if (n == 0 || n > KEEL_ACME_MAX_NAMES)
        return NULL;
    X509_REQ *req = X509_REQ_new();
    STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
    char *san = san_value(names, n);
    unsigned char *der = NULL;
    if (req == NULL || exts == NULL || san == NULL)
        goto out;
    X509_NAME *subject = X509_REQ_get_subject_name(req);
    /* A common name holds at most 64 characters; longer names are only in
     * the subjectAltName, which is what CAs read. */
    if (strlen(names[0]) <= 64 &&
        X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, (const unsigned char *)names[0], -1, -1, 0) != 1)
        goto out;
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, san);
    if (ext == NULL)
        goto out;
    if (sk_X509_EXTENSION_push(exts, ext) <= 0) {
        X509_EXTENSION_free(ext);
        goto out;
    }
    if (X509_REQ_set_version(req, 0) != 1 || X509_REQ_add_extensions(req, exts) != 1 ||
        X509_REQ_set_pubkey(req, key) != 1 || X509_REQ_sign(req, key, EVP_sha256()) <= 0)
        goto out;
    int dlen = i2d_X509_REQ(req, &der);
    if (dlen <= 0) {
        der = NULL;
        goto out;
    }
    *len = (size_t)dlen;
out:
    OPENSSL_free(san);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    X509_REQ_free(req);
    return der;
}
