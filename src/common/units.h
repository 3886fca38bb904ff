/* Parsing of human-written sizes ("64M") and durations ("30s"), shared by
 * the command line and, later, the config file. */
#ifndef KEEL_COMMON_UNITS_H
#define KEEL_COMMON_UNITS_H

#include <stdint.h>

/* "4096", "512K", "64M", "2G" (binary multiples, upper or lower case).
 * Returns 0 and sets *out, or -1 for anything else, including overflow. */
int keel_parse_size(const char *s, uint64_t *out);

/* "250ms", "30s", "5m", "1h"; a bare number means seconds.
 * Returns 0 and sets *out_ms, or -1 for anything else. */
int keel_parse_duration_ms(const char *s, uint64_t *out_ms);

/* A decimal integer in [min, max]. Returns 0 or -1. */
int keel_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif
