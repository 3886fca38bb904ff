/*
 * The public listener's gate (server.c owns the listener): counts the
 * client connections open, stops reading the listener at
 * --max-connections and starts again when one closes, and rests it for
 * KEEL_ACCEPT_BACKOFF_MS when accept() runs out of descriptors, which
 * would otherwise wake the loop again at once (a front spinning at a full
 * CPU with `ulimit -n` reached). Waiting connections stay in the kernel's
 * listen queue meanwhile. The decisions are accept_policy.h.
 */
#ifndef KEEL_FRONT_ACCEPT_GATE_H
#define KEEL_FRONT_ACCEPT_GATE_H

#include <stddef.h>
#include <stdint.h>

#include <h2o.h>

#define KEEL_ACCEPT_GATE_LISTENERS 16

typedef struct {
    h2o_loop_t *loop;
    h2o_socket_t *listeners[KEEL_ACCEPT_GATE_LISTENERS]; /* none until listening, and once closed */
    size_t n_listeners;
    h2o_socket_cb on_accept;
    size_t open, max; /* connections of every listener together */
    int reading, resting;
    h2o_timeout_t rest;
    h2o_timeout_entry_t rest_entry;
    uint64_t full_said_at, fds_said_at; /* keel_now_ms() of the last warning of each kind, 0: never */
} keel_accept_gate_t;

void keel_accept_gate_init(keel_accept_gate_t *g, h2o_loop_t *loop, size_t max_connections);

/* Starts reading listener with on_accept, whenever the gate is open
 * (one gate for all the listeners, up to KEEL_ACCEPT_GATE_LISTENERS). */
void keel_accept_gate_listen(keel_accept_gate_t *g, h2o_socket_t *listener, h2o_socket_cb on_accept);

/* The listeners are about to close: the gate never reads them again.
 * Connections still open go on being counted as they close. */
void keel_accept_gate_close(keel_accept_gate_t *g);

/* Whether on_accept may take another connection now. */
int keel_accept_gate_may_accept(const keel_accept_gate_t *g);

/* A connection was accepted: counted until its socket closes. */
void keel_accept_gate_accepted(keel_accept_gate_t *g, h2o_socket_t *sock);

/* accept() failed with err (errno). */
void keel_accept_gate_failed(keel_accept_gate_t *g, int err);

#endif
