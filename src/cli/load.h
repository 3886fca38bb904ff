/*
 * The traffic `keel leakcheck` drives: GETs of one URL on a few keep-alive
 * connections (libcurl's multi interface, one thread), released in steps
 * so the caller can pause at exact request counts, with one side request
 * at a time (the admin listener's /status) on its own connection. The
 * caller's own descriptors are polled in the same wait.
 */
#ifndef KEEL_CLI_LOAD_H
#define KEEL_CLI_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#define KEEL_LOAD_MAX_CONCURRENCY 64

typedef struct keel_load_s keel_load_t;

typedef struct {
    uint64_t issued;                  /* requests started */
    uint64_t completed;               /* answered or failed */
    uint64_t ok;                      /* answered 2xx or 3xx */
    uint64_t client_errors;           /* answered 4xx */
    uint64_t server_errors;           /* answered 5xx, or no answer (connection closed, timeout) */
    long last_status;                 /* the last status past 399; 0: none or no answer */
    char last_error[CURL_ERROR_SIZE]; /* the last transport error */
} keel_load_counts_t;

/* `concurrency` connections to `url` (1 to KEEL_LOAD_MAX_CONCURRENCY).
 * curl_global_init must have been called. Returns NULL with err. */
keel_load_t *keel_load_new(const char *url, unsigned concurrency, char *err, size_t errlen);

void keel_load_free(keel_load_t *l);

/* Lets requests start until `total` have been issued (never lowers what
 * was already issued). */
void keel_load_allow(keel_load_t *l, uint64_t total);

/* Starts no more requests: what is in flight finishes. */
void keel_load_hold(keel_load_t *l);

/* Starts the side GET of url; false while one is in flight or if it could
 * not start. */
bool keel_load_side_start(keel_load_t *l, const char *url);

/* Whether a side GET is in flight. */
bool keel_load_side_busy(const keel_load_t *l);

/*
 * Moves the transfers on and waits up to timeout_ms for one of them, or
 * for one of the caller's descriptors in fds (their revents are set).
 * Returns 0, or -1 with err when curl fails.
 */
int keel_load_run(keel_load_t *l, struct curl_waitfd *fds, unsigned nfds, int timeout_ms, char *err, size_t errlen);

/*
 * After keel_load_run: the side GET's outcome if it finished since the
 * last call. Returns true with *status (0 when there was no answer, then
 * err says why) and the body (owned by l, NUL-terminated, valid until the
 * next side GET).
 */
bool keel_load_side_result(keel_load_t *l, long *status, const char **body, size_t *len, char *err, size_t errlen);

const keel_load_counts_t *keel_load_counts(const keel_load_t *l);

#endif
