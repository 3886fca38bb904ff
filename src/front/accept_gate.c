#include "front/accept_gate.h"

#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "front/accept_policy.h"

/* A warning that the gate closed repeats at most this often. */
#define WARN_EVERY_MS 60000

static void
update(keel_accept_gate_t *g)
{
    if (g->n_listeners == 0)
        return;
    int open = keel_accept_open(g->open, g->max, g->resting);
    for (size_t i = 0; i < g->n_listeners; i++) {
        if (open && !g->reading)
            h2o_socket_read_start(g->listeners[i], g->on_accept);
        else if (!open && g->reading)
            h2o_socket_read_stop(g->listeners[i]);
    }
    g->reading = open;
}

/* Whether a warning of this kind is due, and notes it when it is. */
static int
say(uint64_t *said_at)
{
    uint64_t now = keel_now_ms();
    if (*said_at != 0 && now - *said_at < WARN_EVERY_MS)
        return 0;
    *said_at = now;
    return 1;
}

static void
on_rested(h2o_timeout_entry_t *entry)
{
    keel_accept_gate_t *g = H2O_STRUCT_FROM_MEMBER(keel_accept_gate_t, rest_entry, entry);
    g->resting = 0;
    update(g);
}

static void
on_connection_closed(void *data)
{
    keel_accept_gate_t *g = data;
    g->open--;
    update(g);
}

void
keel_accept_gate_init(keel_accept_gate_t *g, h2o_loop_t *loop, size_t max_connections)
{
    memset(g, 0, sizeof(*g));
    g->loop = loop;
    g->max = max_connections;
    h2o_timeout_init(loop, &g->rest, KEEL_ACCEPT_BACKOFF_MS);
    g->rest_entry.cb = on_rested;
}

void
keel_accept_gate_listen(keel_accept_gate_t *g, h2o_socket_t *listener, h2o_socket_cb on_accept)
{
    if (g->n_listeners == KEEL_ACCEPT_GATE_LISTENERS)
        return;
    g->on_accept = on_accept;
    if (g->reading)
        h2o_socket_read_start(listener, on_accept);
    g->listeners[g->n_listeners++] = listener;
    update(g);
}

void
keel_accept_gate_close(keel_accept_gate_t *g)
{
    for (size_t i = 0; g->reading && i < g->n_listeners; i++)
        h2o_socket_read_stop(g->listeners[i]);
    g->n_listeners = 0;
    g->reading = 0;
    if (h2o_timeout_is_linked(&g->rest_entry))
        h2o_timeout_unlink(&g->rest_entry);
}

int
keel_accept_gate_may_accept(const keel_accept_gate_t *g)
{
    return g->n_listeners > 0 && keel_accept_open(g->open, g->max, g->resting);
}

void
keel_accept_gate_accepted(keel_accept_gate_t *g, h2o_socket_t *sock)
{
    g->open++;
    sock->on_close.cb = on_connection_closed;
    sock->on_close.data = g;
    if (g->open >= g->max && say(&g->full_said_at))
        keel_warn("%zu client connections open (--max-connections): new ones wait until one closes", g->open);
    update(g);
}

void
keel_accept_gate_failed(keel_accept_gate_t *g, int err)
{
    if (keel_accept_failure(err) != KEEL_ACCEPT_BACK_OFF || g->resting)
        return;
    if (say(&g->fds_said_at))
        keel_warn("accept: %s with %zu client connections open; not accepting for %d ms at a time until "
                  "descriptors free up (see ulimit -n and --max-connections)",
                  strerror(err), g->open, KEEL_ACCEPT_BACKOFF_MS);
    g->resting = 1;
    h2o_timeout_link(g->loop, &g->rest, &g->rest_entry);
    update(g);
}
