/*
 * A request body's chunked coding (RFC 9112 7.1), decoded as nginx reads
 * it, for libh2o: the chunk size is hexadecimal digits only, then
 * optional extensions after ';', space or tab, then CRLF (or a bare LF);
 * chunk data is followed by exactly CRLF or LF; trailer lines are read and
 * dropped. picohttpparser, which libh2o uses, reads anything after the
 * digits as an extension, so "0x5" was a last chunk of size 0 followed by
 * a new request: a way to smuggle one past a proxy that reads it as 5.
 *
 * Same contract and state as picohttpparser's phr_decode_chunked, which
 * chunked_hook.c replaces with this: decodes in place, keeps its state in
 * the caller's decoder between calls (zeroed to start; consume_trailer set
 * to read the trailer section too), and sets *bufsz to the decoded bytes
 * now at the start of buf. Returns -2 while more is needed, -1 for a
 * malformed body, else the count of bytes after the body, which follow
 * the decoded ones. Pure, fuzzed against picohttpparser's decoder.
 */
#ifndef KEEL_FRONT_CHUNKED_DECODER_H
#define KEEL_FRONT_CHUNKED_DECODER_H

#include <stddef.h>
#include <sys/types.h>

/* picohttpparser's struct phr_chunked_decoder, which libh2o allocates and
 * zeroes (its header is not installed). */
typedef struct {
    size_t bytes_left_in_chunk;
    char consume_trailer;
    char _hex_count;
    char _state;
} keel_chunked_decoder_t;

ssize_t keel_chunked_decode(keel_chunked_decoder_t *decoder, char *buf, size_t *bufsz);

/* Whether the decoder is inside chunk data (picohttpparser's
 * phr_decode_chunked_is_in_data, which reads the same state value). */
int keel_chunked_in_data(const keel_chunked_decoder_t *decoder);

#endif
