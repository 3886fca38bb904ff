/*
 * libh2o consumes some request headers itself (Content-Length,
 * Transfer-Encoding, Expect, Upgrade) so a handler never sees them. The
 * parser hooks (http1_parser_hook.c, http2_headers_hook.c) keep copies
 * under keel's own names, drop those names when a client sends them, and
 * params.c gives PHP each copy under its original name, as nginx would.
 */
#ifndef KEEL_FRONT_HEADER_COPY_H
#define KEEL_FRONT_HEADER_COPY_H

#include <stddef.h>

#define KEEL_HDR_CONTENT_LENGTH    "x-keel-content-length"
#define KEEL_HDR_TRANSFER_ENCODING "x-keel-transfer-encoding"
#define KEEL_HDR_EXPECT            "x-keel-expect"
#define KEEL_HDR_UPGRADE           "x-keel-upgrade"

#define KEEL_HDR_COPIES 4

/* keel_header_originals[i] is kept under keel_header_copies[i]. */
extern const char *const keel_header_originals[KEEL_HDR_COPIES];
extern const char *const keel_header_copies[KEEL_HDR_COPIES];

/* The original (lowercase) name when name is one of keel's copy names,
 * in any case; NULL for every other name. */
const char *keel_header_copy_original(const char *name, size_t len);

#endif
