/* Fuzzes the compression decision's header parsers (front/compress_policy.h):
 * Accept-Encoding, Content-Type and Cache-Control from the input split at
 * the first two NUL bytes, each an exact-size copy. Checks: no read past
 * a value, and a decision consistent with its parts. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "front/compress_policy.h"
#include "fuzz_check.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *z1 = memchr(data, 0, size);
    size_t a_len = z1 ? (size_t)(z1 - data) : size;
    const uint8_t *rest = z1 ? z1 + 1 : data + size;
    size_t rest_len = (size_t)(data + size - rest);
    const uint8_t *z2 = memchr(rest, 0, rest_len);
    size_t b_len = z2 ? (size_t)(z2 - rest) : rest_len;
    const uint8_t *c = z2 ? z2 + 1 : rest + rest_len;
    size_t c_len = (size_t)(data + size - c);

    char *ae = fuzz_dup(data, a_len), *ct = fuzz_dup(rest, b_len), *cc = fuzz_dup(c, c_len);
    keel_compress_in_t in = {
        .status = 200,
        .version = 0x101,
        .content_length = SIZE_MAX,
        .content_type = {ct, b_len},
        .cache_control = {cc, c_len},
        .accept_encoding = {ae, a_len},
    };
    keel_compress_verdict_t v = keel_compress_decide(&in);
    bool type = keel_compress_type(in.content_type);
    bool gzip = keel_compress_accepts(in.accept_encoding, "gzip");
    (void)keel_compress_accepts(in.accept_encoding, "br");
    CHECK(v != KEEL_COMPRESS_GZIP || (type && gzip));
    CHECK(v != KEEL_COMPRESS_VARY || (type && !gzip));
    /* a compressible type is compressed, or varied, unless Cache-Control says no */
    CHECK(!type || v != KEEL_COMPRESS_NO || c_len >= 12);
    free(ae);
    free(ct);
    free(cc);
    return 0;
}
