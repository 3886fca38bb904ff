/*
 * Who the client is behind trusted proxies (--trusted-proxy): from the
 * request headers a proxy adds, the client's address, whether it came
 * over HTTPS, and the host and port it asked for. Pure byte parsers over
 * header values, unit-tested and fuzzed; front/proxy_params.c applies the
 * outcome to PHP's parameters and the access log.
 *
 * Only when the connection's peer is in a trusted range does anything
 * change; from anyone else these headers are just headers.
 *
 *  - The address: X-Forwarded-For as nginx's real_ip module reads it with
 *    real_ip_recursive on: the list (every X-Forwarded-For header, in
 *    order) is walked from the right, skipping trusted addresses; the
 *    first untrusted one is the client, or the leftmost when all are
 *    trusted. An element that is not an address (with an optional port:
 *    "192.0.2.1:4711", "[2001:db8::1]:4711") ends the walk at the last
 *    address read. RFC 7239's Forwarded header is read the same way, its
 *    `for=` nodes ("unknown" and obfuscated ones end the walk). When both
 *    headers are present and name different clients, neither is believed
 *    (a proxy that sets one passes the other from the client untouched).
 *  - X-Forwarded-Proto (or Forwarded's proto=), its first value: https or
 *    http. X-Forwarded-Host (or Forwarded's host=), its first value: the
 *    host, and a port it carries. X-Forwarded-Port, its first value. As
 *    Symfony reads them; when the scheme is forwarded without a port, the
 *    port is the scheme's (443, 80).
 */
#ifndef KEEL_FRONT_FORWARDED_H
#define KEEL_FRONT_FORWARDED_H

#include <stdbool.h>
#include <stddef.h>

#include "common/cidr.h"

/* Header values, as a request repeats them (each a pointer and length). */
typedef struct {
    const char *base;
    size_t len;
} keel_fwd_text_t;

#define KEEL_FWD_MAX_HEADERS 16 /* of one name; more are ignored (left-most ones) */

typedef struct {
    keel_fwd_text_t xff[KEEL_FWD_MAX_HEADERS]; /* X-Forwarded-For, in request order */
    size_t xff_count;
    keel_fwd_text_t forwarded[KEEL_FWD_MAX_HEADERS]; /* Forwarded, in request order */
    size_t forwarded_count;
    keel_fwd_text_t proto, host, port; /* X-Forwarded-Proto, -Host, -Port (the first header); base NULL: none */
} keel_fwd_headers_t;

typedef struct {
    bool client_known; /* client is the address to use instead of the peer */
    keel_ip_t client;
    int client_port;      /* 1..65535 when the header gave one, else 0 */
    int https;            /* -1: not forwarded; 0: http; 1: https */
    keel_fwd_text_t host; /* base NULL: not forwarded; without its port, brackets kept for IPv6; in host_buf */
    int port;             /* 0: not forwarded; else 1..65535 */
    bool conflict;        /* X-Forwarded-For and Forwarded named different clients: neither was used */
    char host_buf[256];
} keel_fwd_result_t;

/* --trusted-proxy: the trusted ranges, and whether a peer without an
 * address (a client of a unix: listener: a proxy on the same machine) is
 * trusted too, as nginx's `set_real_ip_from unix:`. */
typedef struct {
    const keel_cidr_t *ranges;
    size_t count;
    bool unix_peers;
} keel_fwd_trust_t;

/* peer: the connection's address, or NULL for a peer without one (a unix:
 * socket's). Fills out; returns whether the peer is trusted (out says
 * nothing new otherwise). */
bool keel_fwd_resolve(const keel_ip_t *peer, const keel_fwd_trust_t *trust, const keel_fwd_headers_t *in,
                      keel_fwd_result_t *out);

/* One X-Forwarded-For element: "addr", "addr:port", "[v6]:port".
 * Returns 0, or -1. port is 0 without one. */
int keel_fwd_parse_node(const char *s, size_t len, keel_ip_t *ip, int *port);

#endif
