/*
 * Classic mode: every request a worker takes gets a full PHP request
 * startup, its script, and a full shutdown, as under PHP-FPM, so nothing
 * reaches the next request.
 */
#ifndef KEEL_WORKER_CLASSIC_H
#define KEEL_WORKER_CLASSIC_H

#include "worker/request.h"

/* Serves requests until the front closes w's socket or lets it go.
 * Returns the process exit code. */
int keel_worker_serve(keel_worker_t *w);

#endif
