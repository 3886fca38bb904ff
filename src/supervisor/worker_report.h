/*
 * What a worker reports about itself, judged before the front believes
 * it. The front takes a worker's figures for its decisions (recycling, the
 * leak estimate, OPcache swaps) and shows them in /status; PHP code runs
 * in that worker and can write anything on its socket. Figures that
 * cannot be true are a protocol violation, and the worker is replaced.
 */
#ifndef KEEL_SUPERVISOR_WORKER_REPORT_H
#define KEEL_SUPERVISOR_WORKER_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "ipc/message.h"

/* The largest memory figure any process here can report: twice the
 * machine's RAM and swap (so a figure near the machine's size is still
 * believed), at least 2 GiB. */
uint64_t keel_report_memory_bound(uint64_t ram_bytes, uint64_t swap_bytes);

/* Whether `now`, the figures of a REQ_DONE, can follow `before` (the
 * worker's previous ones; all zero before its first): exactly one more
 * request served, and no memory figure past `bound`. */
bool keel_report_stats_plausible(const keel_ipc_stats_t *before, const keel_ipc_stats_t *now, uint64_t bound);

/* Whether OPcache's figures can be true: no byte count past `bound`,
 * and no more cached keys than the maximum. */
bool keel_report_opcache_plausible(const keel_ipc_opcache_stats_t *s, uint64_t bound);

#endif
