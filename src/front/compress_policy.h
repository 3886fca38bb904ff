/*
 * Whether a response is compressed, by nginx's gzip rules (a pure
 * decision, unit-tested and fuzzed; front/compress.c carries it out with
 * libh2o's gzip encoder):
 *
 *  - only 200, 403 and 404 answers (nginx's list: never a 206 Range
 *    answer, a 304, a redirect), not to HEAD, not below HTTP/1.1;
 *  - not when the response already has a Content-Encoding (PHP's own
 *    zlib.output_compression, a precompressed file), a Content-Range, or
 *    Cache-Control: no-transform;
 *  - only compressible types (text, JSON, JavaScript, XML, SVG, fonts that
 *    are not compressed already, WebAssembly), and not event streams;
 *  - only from KEEL_COMPRESS_MIN_SIZE bytes on (a response of unknown
 *    length, streamed, qualifies);
 *  - only for a client whose Accept-Encoding takes gzip (q above 0, or
 *    `*`). A response that qualifies but goes uncompressed to a client
 *    that does not take gzip still gets `Vary: Accept-Encoding`, so that a
 *    cache keeps the two apart.
 */
#ifndef KEEL_FRONT_COMPRESS_POLICY_H
#define KEEL_FRONT_COMPRESS_POLICY_H

#include <stdbool.h>
#include <stddef.h>

/* Below this a response is sent as it is: its headers outweigh what
 * compression saves, and it fits one packet anyway. */
#define KEEL_COMPRESS_MIN_SIZE 512

typedef struct {
    const char *base;
    size_t len;
} keel_compress_text_t;

typedef struct {
    int status;
    bool head;                            /* the request is HEAD */
    int version;                          /* 0x100, 0x101, 0x200 */
    size_t content_length;                /* SIZE_MAX: unknown (streamed) */
    keel_compress_text_t content_type;    /* base NULL: none */
    bool content_encoding;                /* the response has one */
    bool content_range;                   /* the response has one */
    keel_compress_text_t cache_control;   /* base NULL: none */
    keel_compress_text_t accept_encoding; /* the request's; base NULL: none */
} keel_compress_in_t;

typedef enum {
    KEEL_COMPRESS_NO,   /* as it is, and nothing said */
    KEEL_COMPRESS_VARY, /* as it is, with Vary: Accept-Encoding */
    KEEL_COMPRESS_GZIP, /* gzip, with Vary: Accept-Encoding */
} keel_compress_verdict_t;

keel_compress_verdict_t keel_compress_decide(const keel_compress_in_t *in);

/* Whether a Content-Type (parameters allowed) is worth compressing. */
bool keel_compress_type(keel_compress_text_t content_type);

/* Whether Accept-Encoding takes `coding` ("gzip", "br"): listed with a q
 * above 0, or `*` with one and the coding not refused by name. */
bool keel_compress_accepts(keel_compress_text_t accept_encoding, const char *coding);

#endif
