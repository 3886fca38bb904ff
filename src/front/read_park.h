/*
 * Keeps an HTTP/1 client connection in the event loop's interest set while
 * its request is processed; see read_park.c.
 */
#ifndef KEEL_FRONT_READ_PARK_H
#define KEEL_FRONT_READ_PARK_H

#include <h2o.h>

/* Learns libh2o's HTTP/1 request-reading callback from a socket that
 * h2o_accept() or h2o_http1_accept() has just taken as an HTTP/1
 * connection (plaintext or TLS) with nothing read from it before: one
 * whose request libh2o did not start serving within the call. */
void keel_read_park_learn(h2o_socket_t *sock);

#endif
