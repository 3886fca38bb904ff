/*
 * The public listening sockets: bound here from a parsed --listen address
 * (common/listen_addr.h), or taken over from systemd's socket activation
 * (common/socket_activation.h), so a restart of the unit loses no
 * connection: they wait in the socket's queue meanwhile.
 */
#ifndef KEEL_FRONT_LISTENER_H
#define KEEL_FRONT_LISTENER_H

#include <stddef.h>

#include "common/listen_addr.h"

/*
 * Binds and listens on addr. option names it in errors ("--listen").
 * Writes the numeric host ("" for a Unix socket) and the bound port (0 for
 * a Unix socket). A Unix socket's file is made 0666 (access is the
 * directory's to control); a file left by a keel that is gone (nothing
 * accepts on it) is replaced, one a live server answers on is refused as
 * in use. Returns the fd, or -1 with one line in err.
 */
int keel_listen(const keel_listen_addr_t *addr, const char *option, char *host, size_t hostlen, int *port, char *err,
                size_t errlen);

/*
 * Socket activation: finds, among the n descriptors passed in (fds[i] is
 * -1 once taken), a listening stream socket bound to addr, takes it (sets
 * fds[i] to -1 and close-on-exec) and fills host and port as keel_listen.
 * Returns the fd, or -1 when none matches (not an error: keel binds then).
 */
int keel_listen_adopt(const keel_listen_addr_t *addr, int *fds, size_t n, char *host, size_t hostlen, int *port);

/* The sockets passed by socket activation, at most max, into fds; their
 * variables are removed from the environment so PHP never sees them.
 * Returns how many, or -1 with one line in err. */
int keel_listen_passed(int *fds, size_t max, char *err, size_t errlen);

#endif
