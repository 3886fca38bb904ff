/*
 * The worker's part of OPcache governance: it reports OPcache's figures
 * to the front (at most twice a second, after a request), and turns an
 * application's opcache_reset() into a request for a new generation
 * instead of a reset of shared memory under running workers.
 */
#ifndef KEEL_WORKER_OPCACHE_REPORT_H
#define KEEL_WORKER_OPCACHE_REPORT_H

#include "worker/request.h"

/* In the zygote, after PHP started: replaces opcache_reset(). */
void keel_opcache_hook_reset(void);

/* Inside a request, after its script: queues an OPCACHE_STATS frame when
 * half a second has passed since the last one. */
void keel_opcache_report(keel_worker_t *w, uint32_t stream);

#endif
