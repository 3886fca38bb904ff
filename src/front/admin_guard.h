/*
 * Who may ask what of the admin listener, decided from a request's method,
 * raw target and a few headers. Pure (no I/O, no h2o), so it is unit-tested
 * and fuzzed. The threats: a web page in the operator's browser (a
 * cross-site POST, or DNS rebinding to a name that resolves to 127.0.0.1),
 * and anyone who can reach a listener bound beyond loopback.
 *
 *  - With a token, every request needs `Authorization: Bearer TOKEN`,
 *    but for the dashboard's page and files (they hold no data; the page's
 *    script sends the token for /dashboard.json).
 *    Without one (the listener is then loopback only), Host must name
 *    loopback (127.x.x.x, [::1], localhost) or be absent, which a page
 *    reached through DNS rebinding cannot send.
 *  - A request with an Origin other than http://HOST, or a Sec-Fetch-Site
 *    other than same-origin or none, comes from another site: refused.
 *  - POST needs a Content-Type a form cannot send (not text/plain,
 *    application/x-www-form-urlencoded or multipart/form-data, nor none):
 *    a browser sends any other only after a CORS preflight, which keel
 *    never approves.
 *  - The raw path must be exactly /status, /metrics, /healthz, /readyz,
 *    /reload, /, /dashboard.json or /assets/NAME (a query is ignored): no
 *    dot segments, no percent-encoding, no extra slashes.
 *  - GET /healthz and /readyz need no token (and no loopback Host): they
 *    tell whether keel is live and ready, and change nothing. Nor do the
 *    dashboard's page and files, which hold no data.
 *
 * The read-only listener (--metrics) answers /metrics, /healthz and
 * /readyz only, without a token, to whoever reaches it (a Prometheus or
 * kubelet on the pod network).
 */
#ifndef KEEL_FRONT_ADMIN_GUARD_H
#define KEEL_FRONT_ADMIN_GUARD_H

#include <stddef.h>

/* A header's value, or {NULL, 0} when the request has none. */
typedef struct {
    const char *base;
    size_t len;
} keel_admin_text_t;

typedef struct {
    keel_admin_text_t method;
    keel_admin_text_t target; /* as sent: path and query, not normalised */
    keel_admin_text_t host, origin, sec_fetch_site, authorization, content_type;
} keel_admin_request_t;

typedef enum {
    KEEL_ADMIN_STATUS,       /* GET /status */
    KEEL_ADMIN_METRICS,      /* GET /metrics */
    KEEL_ADMIN_RELOAD,       /* POST /reload */
    KEEL_ADMIN_PAGE,         /* GET / or /assets/NAME: the dashboard's page and files */
    KEEL_ADMIN_DASHBOARD,    /* GET /dashboard.json: the dashboard's data */
    KEEL_ADMIN_HEALTHZ,      /* GET /healthz: live */
    KEEL_ADMIN_READYZ,       /* GET /readyz: ready */
    KEEL_ADMIN_CROSS_SITE,   /* 403: another site's page, or a Host that is not loopback without a token */
    KEEL_ADMIN_UNAUTHORIZED, /* 401: the token is missing or wrong */
    KEEL_ADMIN_NOT_FOUND,    /* 404: not one of its paths, as sent */
    KEEL_ADMIN_BAD_METHOD,   /* 405 */
    KEEL_ADMIN_FORM_POST,    /* 415: POST with a Content-Type a form can send */
} keel_admin_verdict_t;

/* token: the bearer token (token_len bytes), or NULL when none is set. */
keel_admin_verdict_t keel_admin_check(const keel_admin_request_t *r, const char *token, size_t token_len);

/* The read-only listener's rule: /metrics, /healthz, /readyz (GET, HEAD),
 * no token; cross-site requests are still refused. */
keel_admin_verdict_t keel_admin_check_read_only(const keel_admin_request_t *r);

/* True when value (a Host header) names loopback: 127.0.0.0/8, [::1] or
 * localhost, with or without a port. */
int keel_admin_host_is_loopback(const char *value, size_t len);

#endif
