/*
 * Keeps an HTTP/1 client connection in the event loop's interest set while
 * its request is processed; see read_park.c.
 */
#ifndef KEEL_FRONT_READ_PARK_H
#define KEEL_FRONT_READ_PARK_H

#include <h2o.h>

/* Learns libh2o's HTTP/1 request-reading callback from a socket that
 * h2o_accept() has just taken as a plaintext HTTP/1 connection. */
void keel_read_park_learn(h2o_socket_t *sock);

#endif
