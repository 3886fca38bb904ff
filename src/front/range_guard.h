/*
 * Whether a static file's Range request is answered in parts (206) or
 * with the whole file (200), decided before libh2o's file handler, which
 * would honour any Range:
 *  - If-Range (RFC 9110 13.1.5): the parts only while the file is the one
 *    the client names, by its exact ETag, or its exact Last-Modified date
 *    (nginx compares the time; a date written another way gets the whole
 *    file here, never stale parts);
 *  - amplification: parts that add up to more than the file (overlapping
 *    or repeated ranges: 200 ranges of a 5 MB file were 1 GB), as nginx
 *    refuses them, or more than KEEL_RANGE_MAX_PARTS parts (Apache's
 *    MaxRanges default), whose part headers alone outweigh a small file.
 * Ranges are read the way libh2o's file handler reads them, so the sizes
 * are the ones it would send. Pure, unit-tested.
 */
#ifndef KEEL_FRONT_RANGE_GUARD_H
#define KEEL_FRONT_RANGE_GUARD_H

#include <stddef.h>

#define KEEL_RANGE_MAX_PARTS 200

typedef enum {
    KEEL_RANGE_PARTS, /* leave Range to the file handler (parts, or 416) */
    KEEL_RANGE_WHOLE, /* drop Range: the whole file, 200 */
} keel_range_decision_t;

typedef struct {
    const char *range; /* the Range header's value */
    size_t range_len;
    const char *if_range; /* If-Range's value, or NULL without one */
    size_t if_range_len;
    const char *etag; /* the file's ETag and Last-Modified, as they will be sent */
    size_t etag_len;
    const char *last_modified;
    size_t last_modified_len;
    size_t file_size;
} keel_range_request_t;

keel_range_decision_t keel_range_decide(const keel_range_request_t *r);

#endif
