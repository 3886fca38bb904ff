/*
 * A connection's own address (SERVER_ADDR, SERVER_PORT), asked of the
 * kernel once per connection instead of once per request. With several
 * listeners, or one on a wildcard address, the address depends on the
 * connection; libh2o keeps a connection's peer address but asks
 * getsockname() for its own every time.
 *
 * A direct-mapped table keyed by libh2o's connection id (h2o_conn_t.id,
 * handed out in sequence from 1): connections open at the same time land
 * in different slots until more than KEEL_SOCKNAME_SLOTS are open, and a
 * slot is believed only when its id matches, so a collision costs one
 * system call and never gives a wrong address.
 */
#ifndef KEEL_FRONT_SOCKNAME_CACHE_H
#define KEEL_FRONT_SOCKNAME_CACHE_H

#include <stdint.h>
#include <sys/socket.h>

#define KEEL_SOCKNAME_SLOTS 1024

typedef struct {
    uint64_t conn_id; /* 0: empty (libh2o's ids start at 1) */
    socklen_t len;
    struct sockaddr_storage addr;
} keel_sockname_slot_t;

typedef struct {
    keel_sockname_slot_t slots[KEEL_SOCKNAME_SLOTS];
} keel_sockname_cache_t;

/* Asks ask(arg, out) only when conn_id's address is not in the table;
 * copies the address into out and returns its length (0: unknown, not
 * kept). */
socklen_t keel_sockname_cached(keel_sockname_cache_t *c, uint64_t conn_id,
                               socklen_t (*ask)(void *arg, struct sockaddr *out), void *arg, struct sockaddr *out);

#endif
