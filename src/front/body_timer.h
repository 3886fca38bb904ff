/*
 * The clock on a request body while the front reads it (--body-timeout,
 * --min-body-rate; the rule is body_deadline.h). libh2o reads a body
 * whole before any handler sees the request, with no timeout of its own
 * over HTTP/2 (a byte every few seconds holds a stream forever) and over
 * HTTP/1 only the 10 s it gives the whole request, head included, which
 * cuts slow but honest uploads and says nothing to the client. The parser
 * hooks start this clock when a head announces a body; it replaces
 * libh2o's HTTP/1 timer for the body, and when time is up the client gets
 * 408: HTTP/1 closes the connection, HTTP/2 ends the stream.
 */
#ifndef KEEL_FRONT_BODY_TIMER_H
#define KEEL_FRONT_BODY_TIMER_H

#include <stddef.h>
#include <stdint.h>

#include <h2o.h>

/* Called once, before the first connection; until then no clock starts
 * (the hooks are process-wide: libh2o calls them without a context). */
void keel_body_timer_init(h2o_loop_t *loop, uint64_t timeout_ms, uint64_t min_rate);

/* An HTTP/1 request whose head, head_len bytes of its socket's input, has
 * just been parsed and announces a body. */
void keel_body_timer_start(h2o_req_t *req, size_t head_len);

/* An HTTP/2 stream whose headers were just decoded; it has a clock only
 * when a body follows them. */
void keel_body_timer_start_http2(h2o_req_t *req);

#endif
