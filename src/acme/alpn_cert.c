#include "acme/alpn_cert.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>
#include <string.h>

#include "acme/keys.h"

/* Long enough for any validation, short enough that a leaked one is
 * worthless soon: the CA checks only the extension, not the dates. */
#define ALPN_CERT_DAYS 7

/* The critical acmeIdentifier extension: its extnValue is the DER of an
 * OCTET STRING holding the 32-byte digest. */
static X509_EXTENSION *
acme_identifier(const char *key_authorization)
{
    unsigned char digest[SHA256_DIGEST_LENGTH];
    if (SHA256((const unsigned char *)key_authorization, strlen(key_authorization), digest) == NULL)
        return NULL;
    ASN1_OCTET_STRING *inner = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING *outer = ASN1_OCTET_STRING_new();
    ASN1_OBJECT *oid = OBJ_txt2obj(KEEL_ACME_IDENTIFIER_OID, 1);
    unsigned char *der = NULL;
    X509_EXTENSION *ext = NULL;
    if (inner == NULL || outer == NULL || oid == NULL || ASN1_OCTET_STRING_set(inner, digest, sizeof(digest)) != 1)
        goto out;
    int n = i2d_ASN1_OCTET_STRING(inner, &der);
    if (n <= 0 || ASN1_OCTET_STRING_set(outer, der, n) != 1)
        goto out;
    ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 1, outer);
out:
    OPENSSL_free(der);
    ASN1_OBJECT_free(oid);
    ASN1_OCTET_STRING_free(inner);
    ASN1_OCTET_STRING_free(outer);
    return ext;
}

static int
add_san(X509 *x, const char *name)
{
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
    GENERAL_NAME *gen = GENERAL_NAME_new();
    ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();
    int rc = -1;
    if (gens == NULL || gen == NULL || ia5 == NULL || ASN1_STRING_set(ia5, name, -1) != 1)
        goto out;
    GENERAL_NAME_set0_value(gen, GEN_DNS, ia5);
    ia5 = NULL;
    if (sk_GENERAL_NAME_push(gens, gen) <= 0)
        goto out;
    gen = NULL;
    if (X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT) == 1)
        rc = 0;
out:
    ASN1_IA5STRING_free(ia5);
    GENERAL_NAME_free(gen);
    GENERAL_NAMES_free(gens);
    return rc;
}

int
keel_acme_alpn_cert(const char *name, const char *key_authorization, X509 **cert, EVP_PKEY **key)
{
    EVP_PKEY *k = keel_acme_key_generate();
    X509 *x = X509_new();
    X509_EXTENSION *ext = acme_identifier(key_authorization);
    BIGNUM *serial = BN_new();
    int rc = -1;
    if (k == NULL || x == NULL || ext == NULL || serial == NULL)
        goto out;
    if (X509_set_version(x, X509_VERSION_3) != 1 || BN_rand(serial, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
        BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) == NULL)
        goto out;
    X509_NAME *subject = X509_get_subject_name(x);
    if (strlen(name) <= 64 &&
        X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, (const unsigned char *)name, -1, -1, 0) != 1)
        goto out;
    if (X509_set_issuer_name(x, subject) != 1 || X509_gmtime_adj(X509_getm_notBefore(x), 0) == NULL ||
        X509_time_adj_ex(X509_getm_notAfter(x), ALPN_CERT_DAYS, 0, NULL) == NULL || X509_set_pubkey(x, k) != 1)
        goto out;
    if (add_san(x, name) != 0 || X509_add_ext(x, ext, -1) != 1 || X509_sign(x, k, EVP_sha256()) <= 0)
        goto out;
    *cert = x;
    *key = k;
    x = NULL;
    k = NULL;
    rc = 0;
out:
    BN_free(serial);
    X509_EXTENSION_free(ext);
    X509_free(x);
    EVP_PKEY_free(k);
    return rc;
}

bool
keel_acme_alpn_offers_acme_tls(const unsigned char *ext, size_t len)
{
    static const char proto[] = KEEL_ACME_TLS_ALPN_PROTOCOL;
    const size_t plen = sizeof(proto) - 1;
    if (len < 2)
        return false;
    size_t list = (size_t)ext[0] << 8 | ext[1];
    if (list != len - 2)
        return false;
    bool found = false;
    for (size_t i = 2; i < len;) {
        size_t n = ext[i];
        if (n == 0 || n > len - i - 1)
            return false;
        if (n == plen && memcmp(ext + i + 1, proto, plen) == 0)
            found = true;
        i += 1 + n;
    }
    return found;
}
