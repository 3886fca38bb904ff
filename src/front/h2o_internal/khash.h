/*
 * libh2o-dev (Debian's 2.2.5) installs h2o/http2_internal.h, whose
 * connection struct points to a khash map of its streams, but not the
 * khash.h it includes. keel reads an HTTP/2 stream's own fields
 * (body_timer.c) and never that map, which is libh2o's alone: this
 * declares just enough for the header to compile. The map's accessors
 * name a function that is defined nowhere, so any use of them fails to
 * link instead of reaching into libh2o's private hash.
 */
#ifndef KEEL_FRONT_H2O_INTERNAL_KHASH_H
#define KEEL_FRONT_H2O_INTERNAL_KHASH_H

#include <stdint.h>

typedef uint32_t khint_t;
typedef khint_t khiter_t;

#define KHASH_MAP_INIT_INT64(name, khval_t) typedef struct kh_##name##_s kh_##name##_t;
#define khash_t(name)                       kh_##name##_t

void *keel_h2o_stream_map_is_private(const void *map);
#define kh_get(name, h, k) ((void)(k), (khiter_t)(uintptr_t)keel_h2o_stream_map_is_private(h))
#define kh_end(h)          ((khiter_t)(uintptr_t)keel_h2o_stream_map_is_private(h))
#define kh_val(h, x)       ((void)(x), keel_h2o_stream_map_is_private(h))

#endif
