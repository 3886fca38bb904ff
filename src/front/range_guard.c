#include "front/range_guard.h"

#include <stdint.h>
#include <string.h>

/* libh2o's h2o_strtosizefwd: 1 to 19 digits; SIZE_MAX (and p unmoved)
 * for anything else. */
static size_t
number(const char **p, const char *end)
{
    const char *s = *p;
    if (s == end || *s < '0' || *s > '9')
        return SIZE_MAX;
    uint64_t v = 0;
    size_t digits = 0;
    while (s < end && *s >= '0' && *s <= '9') {
        if (++digits == 20)
            return SIZE_MAX;
        v = v * 10 + (uint64_t)(*s++ - '0');
    }
    if (v >= SIZE_MAX)
        return SIZE_MAX;
    *p = s;
    return (size_t)v;
}

/* Skips spaces and tabs; as libh2o, whitespace that runs to the end of
 * the value is an error (-1). */
static int
skip_ws(const char **p, const char *end)
{
    while (*p < end && (**p == ' ' || **p == '\t'))
        if (++*p == end)
            return -1;
    return 0;
}

/*
 * The parts libh2o's process_range() would send: their count and total
 * length (saturating). Returns -1 where it would answer 416 (a syntax it
 * refuses, or no part inside the file).
 */
static int
measure(const char *p, const char *end, size_t file_size, size_t *parts, size_t *total)
{
    *parts = *total = 0;
    if (end - p < 6 || memcmp(p, "bytes=", 6) != 0)
        return -1;
    p += 6;
    if (p == end)
        return -1;
    int needs_comma = 0;
    do {
        for (;;) {
            if (p == end || *p != ',') {
                if (needs_comma)
                    return -1;
                break;
            }
            needs_comma = 0;
            p++;
            if (skip_ws(&p, end) != 0)
                return -1;
        }
        if (p == end)
            break;
        size_t start = number(&p, end), count;
        if (start != SIZE_MAX) {
            if (p == end || *p++ != '-')
                return -1;
            count = number(&p, end);
            if (start >= file_size) {
                start = SIZE_MAX;
            } else if (count != SIZE_MAX) {
                if (count > file_size - 1)
                    count = file_size - 1;
                if (start <= count)
                    count -= start - 1;
                else
                    start = SIZE_MAX;
            } else {
                count = file_size - start;
            }
        } else if (*p++ == '-') {
            if (p == end)
                return -1;
            count = number(&p, end);
            if (count == SIZE_MAX)
                return -1;
            if (count != 0) {
                if (count > file_size)
                    count = file_size;
                start = file_size - count;
            } else {
                start = SIZE_MAX;
            }
        } else {
            return -1;
        }
        if (start != SIZE_MAX) {
            (*parts)++;
            *total = count > SIZE_MAX - *total ? SIZE_MAX : *total + count;
        }
        if (skip_ws(&p, end) != 0)
            return -1;
        needs_comma = 1;
    } while (p < end);
    return *parts == 0 ? -1 : 0;
}

keel_range_decision_t
keel_range_decide(const keel_range_request_t *r)
{
    if (r->if_range != NULL) {
        /* an entity tag ends in a quote; anything else is a date */
        int is_tag = r->if_range_len >= 2 && r->if_range[r->if_range_len - 1] == '"';
        const char *want = is_tag ? r->etag : r->last_modified;
        size_t want_len = is_tag ? r->etag_len : r->last_modified_len;
        if (want == NULL || r->if_range_len != want_len || memcmp(r->if_range, want, want_len) != 0)
            return KEEL_RANGE_WHOLE;
    }
    size_t parts, total;
    if (measure(r->range, r->range + r->range_len, r->file_size, &parts, &total) != 0)
        return KEEL_RANGE_PARTS; /* libh2o's 416 */
    return parts > KEEL_RANGE_MAX_PARTS || total > r->file_size ? KEEL_RANGE_WHOLE : KEEL_RANGE_PARTS;
}
