/*
 * --trusted-proxy applied to a request: the headers a trusted proxy adds
 * (front/forwarded.h decides) become the client's address and port, the
 * scheme, the host and the port PHP sees, and the address the access log
 * shows. Kept apart from params.c, which builds the parameters from what
 * this leaves in keel_params_request_t.
 */
#ifndef KEEL_FRONT_PROXY_PARAMS_H
#define KEEL_FRONT_PROXY_PARAMS_H

#include <stddef.h>
#include <sys/socket.h>

#include <h2o.h>

#include "common/cidr.h"
#include "front/params.h"

/* With ctx's trusted proxies, what req's proxy said replaces in's peer
 * (written into peer, the storage in->peer points at), scheme, host and
 * port (strings from req's pool). Nothing changes when the peer is not a
 * trusted proxy or none is configured. */
void keel_proxy_params_apply(h2o_req_t *req, const keel_params_ctx_t *ctx, keel_params_request_t *in,
                             struct sockaddr_storage *peer);

/* The client's address as text (the peer's, or the one a trusted proxy
 * named; "unix:" for a client of a Unix socket, as nginx writes it),
 * NUL-terminated, into buf of KEEL_CIDR_TEXT_MAX bytes. */
size_t keel_proxy_client_text(h2o_req_t *req, const keel_fwd_trust_t *trust, char *buf);

#endif
