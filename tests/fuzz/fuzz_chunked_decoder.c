/*
 * Fuzzes keel's chunked decoder (src/front/chunked_decoder.c) against the
 * one it replaces, picohttpparser's phr_decode_chunked from libh2o: keel
 * is stricter, so whatever keel accepts, picohttpparser must decode to the
 * same bytes with the same rest (except chunk sizes longer than 16 hex
 * digits, which keel reads as nginx does and picohttpparser refuses).
 * keel's answer must not depend on how the input is cut into reads.
 * Input: one byte of options (trailers or not, the size of each read),
 * then the body.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "front/chunked_decoder.h"
#include "fuzz_check.h"

/* libh2o's own (the fuzzer does not link keel's replacement). */
ssize_t phr_decode_chunked(keel_chunked_decoder_t *decoder, char *buf, size_t *bufsz);

typedef struct {
    ssize_t ret;
    char *out; /* decoded bytes, then the rest */
    size_t decoded, rest;
} result_t;

/* Decodes in reads of `step` bytes (0: at once), as libh2o does. */
static result_t
run(ssize_t (*decode)(keel_chunked_decoder_t *, char *, size_t *), const uint8_t *in, size_t len, size_t step,
    int trailers)
{
    result_t r = {.ret = -2, .out = fuzz_dup(in, len)};
    keel_chunked_decoder_t d = {.consume_trailer = (char)trailers};
    size_t at = 0;
    while (at < len && r.ret == -2) {
        size_t n = step == 0 || len - at < step ? len - at : step;
        /* the read lands right after what is decoded so far */
        memmove(r.out + r.decoded, in + at, n);
        at += n;
        size_t size = n;
        r.ret = decode(&d, r.out + r.decoded, &size);
        CHECK(size <= n);
        if (r.ret >= 0) {
            CHECK((size_t)r.ret <= n - size);
            /* what was never read follows the rest */
            memmove(r.out + r.decoded + size + (size_t)r.ret, in + at, len - at);
            r.rest = (size_t)r.ret + len - at;
        }
        r.decoded += size;
    }
    return r;
}

/* Whether a chunk-size line of the body has more than 16 hex digits. */
static int
long_size_line(const uint8_t *in, size_t len)
{
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        int hex = (in[i] >= '0' && in[i] <= '9') || ((in[i] | 0x20) >= 'a' && (in[i] | 0x20) <= 'f');
        run = hex ? run + 1 : 0;
        if (run > 16)
            return 1;
    }
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int trailers = data[0] & 1;
    size_t step = (data[0] >> 1) & 15;
    const uint8_t *in = data + 1;
    size_t len = size - 1;

    result_t whole = run(keel_chunked_decode, in, len, 0, trailers);
    result_t cut = run(keel_chunked_decode, in, len, step, trailers);
    CHECK(whole.ret == cut.ret || (whole.ret >= 0 && cut.ret >= 0));
    CHECK(whole.decoded == cut.decoded && memcmp(whole.out, cut.out, whole.decoded) == 0);
    if (whole.ret >= 0) {
        CHECK(whole.rest == cut.rest && memcmp(whole.out + whole.decoded, cut.out + cut.decoded, whole.rest) == 0);
        CHECK(whole.decoded + whole.rest <= len);
    }
    if (whole.ret != -1 && !long_size_line(in, len)) {
        result_t pico = run(phr_decode_chunked, in, len, 0, trailers);
        CHECK(pico.ret == whole.ret);
        CHECK(pico.decoded == whole.decoded && memcmp(pico.out, whole.out, whole.decoded) == 0);
        if (whole.ret >= 0)
            CHECK(memcmp(pico.out + pico.decoded, whole.out + whole.decoded, whole.rest) == 0);
        free(pico.out);
    }
    free(whole.out);
    free(cut.out);
    return 0;
}
