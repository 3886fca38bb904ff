/*
 * When the front takes new client connections (--max-connections, and
 * accept() running out of descriptors). Pure, unit-tested; accept_gate.c
 * carries the decisions out on the listener.
 */
#ifndef KEEL_FRONT_ACCEPT_POLICY_H
#define KEEL_FRONT_ACCEPT_POLICY_H

#include <stddef.h>

/* How long the listener rests after accept() found no descriptor, as
 * nginx disables its accept events (its accept_mutex_delay is 500 ms). */
#define KEEL_ACCEPT_BACKOFF_MS 100

typedef enum {
    KEEL_ACCEPT_AGAIN_LATER, /* nothing to take now (EAGAIN), or one connection lost (ECONNABORTED) */
    KEEL_ACCEPT_BACK_OFF,    /* out of descriptors or memory: rest the listener, or it spins */
} keel_accept_failure_t;

/* What to do when accept() failed with err (an errno value). */
keel_accept_failure_t keel_accept_failure(int err);

/* Whether the listener is read: below the connection cap and not resting. */
int keel_accept_open(size_t open, size_t max, int resting);

#endif
