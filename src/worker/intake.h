/*
 * Where a worker's next request comes from: the generation's queue for
 * its pool (ipc/queue.h), shared with the other idle workers, or its own
 * socket (the front's --warmup request goes to one worker by name).
 */
#ifndef KEEL_WORKER_INTAKE_H
#define KEEL_WORKER_INTAKE_H

#include "ipc/frame.h"
#include "worker/request.h"

/* Sets up the wait on w's socket and the queue fd; claim points at w's
 * claim slot, leave at its leave flag. Returns 0, or -1 with errno. */
int keel_intake_init(keel_worker_t *w, int queue_fd, uint32_t *claim, const uint32_t *leave);

/* Blocks until a REQUEST arrives; returns 0 with it in hdr/payload, or
 * -1 when the worker must stop: the front closed (or half-closed) its
 * socket, or is gone. A request taken from the queue is claimed before
 * this returns. */
int keel_intake_next(keel_worker_t *w, keel_ipc_header_t *hdr, const uint8_t **payload);

/* The claimed request is finished (its REQ_DONE sent). */
void keel_intake_release(keel_worker_t *w);

#endif
