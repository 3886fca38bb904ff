/* HTTPS requests for the ACME client: libcurl's multi interface, its
 * sockets and timeout driven by the poller (CURLMOPT_SOCKETFUNCTION and
 * CURLMOPT_TIMERFUNCTION), so a request never blocks the host's loop.
 * Knows nothing of ACME. */
#ifndef KEEL_ACME_HTTP_H
#define KEEL_ACME_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "acme/poller.h"

/* Largest response body kept; a longer one fails the request. */
#define KEEL_ACME_HTTP_BODY_MAX (1024 * 1024)

typedef struct {
    const char *error; /* why no response arrived (libcurl's words), or NULL */
    long status;       /* the HTTP status */
    const char *body;  /* NUL-terminated; "" when empty */
    size_t body_len;
    const char *content_type; /* each header, or NULL when absent */
    const char *location;
    const char *replay_nonce;
    uint64_t retry_after_ms; /* Retry-After in seconds, as ms; 0 when absent */
} keel_acme_http_response_t;

typedef void (*keel_acme_http_cb)(void *ctx, const keel_acme_http_response_t *resp);

typedef struct keel_acme_http_s keel_acme_http_t;
typedef struct keel_acme_http_req_s keel_acme_http_req_t;

/* A client whose sockets and timer live in p. ca_file, if not NULL, is the
 * only CA bundle trusted (--acme-ca-root); otherwise the system's.
 * Returns NULL with the reason in err. */
keel_acme_http_t *keel_acme_http_create(keel_acme_poller_t *p, const char *ca_file, const char *user_agent, char *err,
                                        size_t errlen);

/* Lets the client's requests use plain http:// too (OCSP responders
 * answer over HTTP: their answers are signed). The ACME client never
 * calls it. */
void keel_acme_http_allow_plain(keel_acme_http_t *h);

/* Abandons every request in flight without calling back, and frees. */
void keel_acme_http_destroy(keel_acme_http_t *h);

/* Starts a request: method "GET", "HEAD" or "POST"; body (POST only) is
 * copied; content_type and accept may be NULL. cb runs exactly once, from
 * keel_acme_http_on_ready or the poller's timers, never from here; the
 * response is valid during the call only. Returns NULL (and never calls
 * back) when the request cannot be started. */
keel_acme_http_req_t *keel_acme_http_request(keel_acme_http_t *h, const char *method, const char *url, const char *body,
                                             size_t body_len, const char *content_type, const char *accept,
                                             keel_acme_http_cb cb, void *ctx);

/* Abandons a request whose callback has not run yet; it never will. */
void keel_acme_http_cancel(keel_acme_http_t *h, keel_acme_http_req_t *req);

/* The poller's ready callback for the client's sockets (ctx is the
 * client). */
void keel_acme_http_on_ready(void *ctx, int fd, uint32_t events);

#endif
