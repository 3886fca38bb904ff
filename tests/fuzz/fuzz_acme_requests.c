/*
 * Fuzzes what the ACME client reads from the listeners' clients: the path
 * of GET /.well-known/acme-challenge/TOKEN (keel_acme_http01_token) and the
 * ALPN extension of a ClientHello (keel_acme_alpn_offers_acme_tls). A token
 * found lies inside the path and is base64url; an extension said to offer
 * acme-tls/1 is well-formed and contains it.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "acme/alpn_cert.h"
#include "acme/b64url.h"
#include "acme/challenges.h"
#include "fuzz_check.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *path = fuzz_dup(data, size);
    const char *token = NULL;
    size_t len = 0;
    if (keel_acme_http01_token(path, size, &token, &len)) {
        CHECK(token > path && token + len == path + size);
        CHECK(memcmp(path, KEEL_ACME_HTTP01_PREFIX, strlen(KEEL_ACME_HTTP01_PREFIX)) == 0);
        CHECK(keel_b64url_is_token(token, len));
    }
    free(path);

    unsigned char *ext = fuzz_dup(data, size);
    if (keel_acme_alpn_offers_acme_tls(ext, size)) {
        CHECK(size >= 2 + 1 + 10);
        CHECK(((size_t)ext[0] << 8 | ext[1]) == size - 2);
        CHECK(memmem(ext + 2, size - 2, "\x0a" KEEL_ACME_TLS_ALPN_PROTOCOL, 11) != NULL);
    }
    free(ext);
    return 0;
}
