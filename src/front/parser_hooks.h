/*
 * What keel's replacements for libh2o's parsers (http1_parser_hook.c,
 * http2_headers_hook.c) enforce that comes from the options: the size of
 * a request head. Set once by server.c before the first connection.
 */
#ifndef KEEL_FRONT_PARSER_HOOKS_H
#define KEEL_FRONT_PARSER_HOOKS_H

#include <stddef.h>

#include "common/config.h"

/* max_header_size: the bytes of a request line and its headers (HTTP/1),
 * or of the decoded header fields (HTTP/2), at most
 * KEEL_MAX_HEADER_SIZE_LIMIT. */
void keel_parser_hooks_configure(size_t max_header_size);
size_t keel_parser_hooks_max_header_size(void);

#endif
