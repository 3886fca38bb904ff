/*
 * A generation's request queues. Each pool (classic, worker mode) has one
 * SOCK_SEQPACKET socket pair: the front sends each request into it as one
 * message, and every idle worker of the pool waits on the other end, so
 * the next free worker takes the oldest request without a round trip
 * through the front, as php-fpm's children take connections from one
 * listening socket. A worker writes the stream id it took into its claim
 * slot, a word of memory shared with the front, so the front knows who
 * runs a request before the worker has said anything.
 */
#ifndef KEEL_IPC_QUEUE_H
#define KEEL_IPC_QUEUE_H

#include <stdint.h>

/* The descriptors the front hands a zygote at fixed numbers across exec:
 * its control socket, the taking ends of the two queues and the claim
 * slots' memory (its workers inherit the queues). */
#define KEEL_ZYGOTE_CONTROL_FD 3
#define KEEL_QUEUE_FD_CLASSIC  4
#define KEEL_QUEUE_FD_WORKER   5
#define KEEL_QUEUE_CLAIMS_FD   6

/* Claim slots per generation: one u32 each, 0 while the worker runs
 * nothing it took from the queue. Slot 0 is never handed out. After them
 * in the same memory, one u32 per slot that the front sets to 1 when it
 * lets the worker go: a worker checks it before taking a request without
 * waiting, instead of asking its socket every time. */
#define KEEL_QUEUE_CLAIM_SLOTS  4096
#define KEEL_QUEUE_SHARED_BYTES (2 * KEEL_QUEUE_CLAIM_SLOTS * sizeof(uint32_t))

/* Requests a pool's queue holds at most per worker of the pool, so a
 * worker that finishes finds one even when the front has not run for a
 * while; one left workers idle, four measured best (docs/decisions.md). */
#define KEEL_QUEUE_PER_WORKER 4

/* A request whose parameters and body together are larger than this goes
 * into the queue without its body (KEEL_IPC_FLAG_BODY_FOLLOWS). */
#define KEEL_QUEUE_INLINE_MAX (64 * 1024)

#endif
