/*
 * The admin listener: a separate HTTP listener (loopback by default) with
 * GET /status (JSON), GET /metrics (Prometheus text) and POST /reload. It
 * shares the front's event loop but not its routes, so nothing on the
 * public listener can reach it.
 */
#ifndef KEEL_FRONT_ADMIN_H
#define KEEL_FRONT_ADMIN_H

#include <stddef.h>

#include "front/front.h"

/* Binds cfg.admin. Returns 0 (also when off or when the default address
 * is taken, with a warning), or -1 with a message in err when an address
 * given with --admin cannot be used. */
int keel_admin_start(keel_front_t *f, char *err, size_t errlen);

/* Starts serving it (once the front serves). */
void keel_admin_accept(keel_front_t *f);

#endif
