/*
 * A generation's request queues. Each pool (classic, worker mode) has one
 * SOCK_SEQPACKET socket pair: the front sends each request into it as one
 * message, and every idle worker of the pool waits on the other end, so
 * the next free worker takes the oldest request without a round trip
 * through the front, as php-fpm's children take connections from one
 * listening socket. A worker writes the stream id it took into its claim
 * slot, a word of memory shared with the front, so the front knows who
 * runs a request before the worker has said anything.
 *
 * Nothing of this reaches a process PHP starts: the zygote makes every
 * descriptor below close-on-exec before PHP runs, and a worker keeps only
 * its own slot's page, which its own forks do not inherit.
 */
#ifndef KEEL_IPC_QUEUE_H
#define KEEL_IPC_QUEUE_H

#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

/* The descriptors the front hands a zygote at fixed numbers across exec:
 * its control socket, the taking ends of the two queues and the claim
 * slots' memory (its workers inherit the queues by fork). The zygote makes
 * them close-on-exec as it starts, and closes every other descriptor. */
#define KEEL_ZYGOTE_CONTROL_FD 3
#define KEEL_QUEUE_FD_CLASSIC  4
#define KEEL_QUEUE_FD_WORKER   5
#define KEEL_QUEUE_CLAIMS_FD   6

/* Claim slots per generation, each on a page of its own: a u32 claim, 0
 * while the worker runs nothing it took from the queue, and a u32 leave
 * flag that the front sets to 1 when it lets the worker go (a worker checks
 * it before taking a request without waiting, instead of asking its socket
 * every time). A page each so that a worker, right after its fork, can
 * unmap every slot but its own: PHP code in one worker cannot write
 * another's claim. Slot 0 is never handed out. The pages are only touched
 * for slots in use. */
#define KEEL_QUEUE_CLAIM_SLOTS 4096

typedef struct {
    uint32_t claim;
    uint32_t leave;
} keel_queue_slot_t;

/* The distance between two slots: the page size. */
static inline size_t
keel_queue_slot_stride(void)
{
    long page = sysconf(_SC_PAGESIZE);
    return page > 0 ? (size_t)page : 4096;
}

/* The size of the claim slots' memory. */
static inline size_t
keel_queue_shared_bytes(size_t stride)
{
    return KEEL_QUEUE_CLAIM_SLOTS * stride;
}

/* Slot `slot` of the memory at base. */
static inline keel_queue_slot_t *
keel_queue_slot(void *base, size_t stride, uint32_t slot)
{
    return (keel_queue_slot_t *)((char *)base + (size_t)slot * stride);
}

/* Requests a pool's queue holds at most per worker of the pool, so a
 * worker that finishes finds one even when the front has not run for a
 * while; one left workers idle, four measured best (docs/decisions.md). */
#define KEEL_QUEUE_PER_WORKER 4

/* A request whose parameters and body together are larger than this goes
 * into the queue without its body (KEEL_IPC_FLAG_BODY_FOLLOWS). */
#define KEEL_QUEUE_INLINE_MAX (64 * 1024)

#endif
