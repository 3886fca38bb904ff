/*
 * Replaces picohttpparser's chunked decoder in libh2o with keel's strict
 * one (chunked_decoder.h). libh2o calls phr_decode_chunked through its
 * PLT, so the definition exported by the executable is the one it
 * reaches, for request bodies and for nothing else keel uses (libh2o's
 * HTTP client, its other caller, does not run in keel).
 */
#include <stddef.h>
#include <sys/types.h>

#include "front/chunked_decoder.h"

ssize_t phr_decode_chunked(keel_chunked_decoder_t *decoder, char *buf, size_t *bufsz);

ssize_t
phr_decode_chunked(keel_chunked_decoder_t *decoder, char *buf, size_t *bufsz)
{
    return keel_chunked_decode(decoder, buf, bufsz);
}
