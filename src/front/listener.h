/* The public HTTP listening socket. */
#ifndef KEEL_FRONT_LISTENER_H
#define KEEL_FRONT_LISTENER_H

#include <stddef.h>

/*
 * Binds and listens on "host:port" ("[::1]:8080", "0.0.0.0:80", port 0 for
 * any free port). Returns the fd and writes the numeric host and the bound
 * port, or -1 with one line in err (e.g. the address is in use).
 */
int keel_listen(const char *addr, char *host, size_t hostlen, int *port, char *err, size_t errlen);

#endif
