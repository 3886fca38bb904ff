/*
 * Requests refused because of a symlink are logged at warn with the
 * reason, once per request path: a page that links a refused asset on
 * every view says so once, not on every request. The paths seen are kept
 * as 64-bit hashes in a fixed table; once it is three quarters full keel
 * says so and logs no more (a client walking many paths cannot grow it).
 */
#ifndef KEEL_FRONT_REFUSAL_LOG_H
#define KEEL_FRONT_REFUSAL_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEEL_REFUSAL_LOG_SLOTS 4096

typedef struct {
    uint64_t seen[KEEL_REFUSAL_LOG_SLOTS]; /* hashes of paths logged; 0: free */
    size_t used;
    bool full; /* no more room: said once */
} keel_refusal_log_t;

/* True the first time path is seen (it is then remembered), false after,
 * and false for every path once the table is full. Pure. */
bool keel_refusal_log_first(keel_refusal_log_t *l, const char *path, size_t len);

/* Logs "403 PATH: WHY (TARGET)" at warn the first time path is refused. */
void keel_refusal_log(keel_refusal_log_t *l, const char *path, const char *why, const char *target);

#endif
