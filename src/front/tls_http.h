/*
 * What HTTPS changes in the public handler (http.c): the ACME client's
 * HTTP-01 answers, --redirect-https on the cleartext listeners, and
 * --hsts on the HTTPS responses (an h2o filter, so error pages and
 * static files carry it too).
 */
#ifndef KEEL_FRONT_TLS_HTTP_H
#define KEEL_FRONT_TLS_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include <h2o.h>

#include "acme/acme.h"

typedef struct {
    bool redirect_https;   /* --redirect-https */
    int https_port;        /* the first https:// listener's port, 0 without one */
    uint64_t hsts_seconds; /* --hsts; 0: no header */
    keel_acme_t **acme;    /* the ACME client, or a NULL one */
} keel_http_tls_t;

/*
 * Answers req when HTTPS decides it, before routing: an HTTP-01
 * challenge (200 with the key authorization, 404 for an unknown token),
 * or, on a cleartext listener with redirect_https, 308 to
 * https://HOST[:PORT]/path. fallback_host names the server for a request
 * without Host. Returns 1 when answered, 0 to route as usual.
 */
int keel_tls_http_handle(const keel_http_tls_t *t, h2o_req_t *req, const char *fallback_host);

/* Adds the HSTS filter to path when t asks for it. */
void keel_tls_http_register(h2o_pathconf_t *path, const keel_http_tls_t *t);

#endif
