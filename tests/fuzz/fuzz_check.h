/* Shared helpers for keel's libFuzzer targets. */
#ifndef KEEL_FUZZ_CHECK_H
#define KEEL_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Like assert(), but immune to NDEBUG: a fuzz target that stops checking
 * in some build type would pass silently. */
#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                                   \
            abort();                                                                                                   \
        }                                                                                                              \
    } while (0)

/* An exact-size heap copy, so ASan reports a read one byte past the data
 * (libFuzzer's own buffer is exact-size too, but slices of it are not). */
static inline void *
fuzz_dup(const void *p, size_t n)
{
    void *d = malloc(n ? n : 1);
    CHECK(d != NULL);
    if (n)
        memcpy(d, p, n);
    return d;
}

#endif
