/* If-None-Match evaluation (RFC 9110 13.1.2), which h2o's file handler
 * only does for a single exact tag. Pure, so it is fuzzed. */
#ifndef KEEL_FRONT_ETAG_MATCH_H
#define KEEL_FRONT_ETAG_MATCH_H

#include <stddef.h>

/*
 * Returns 1 when the If-None-Match field value `list` matches the entity tag
 * `etag` (with its quotes) under weak comparison: "*", or any list member
 * equal to it with or without a W/ prefix. Returns 0 otherwise, including
 * for malformed lists.
 */
int keel_etag_list_matches(const char *list, size_t len, const char *etag, size_t etag_len);

#endif
