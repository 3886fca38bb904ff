/*
 * The worker's end of its socket to the front: blocking, buffered frame
 * I/O. Reads pull whole frames; writes accumulate in a buffer and leave in
 * as few write() calls as possible (a small response is one write).
 */
#ifndef KEEL_WORKER_CHANNEL_H
#define KEEL_WORKER_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <stdint.h>

#include "ipc/frame.h"

typedef struct {
    int fd;
    pid_t owner; /* the worker: a process PHP forked from it never touches fd */
    int forks;   /* the process's fork count when the worker opened it (see channel.c) */
    uint32_t generation;
    uint8_t *in; /* received bytes; frames are decoded from in + in_pos */
    size_t in_pos, in_len, in_cap;
    uint8_t *out; /* frames waiting to be written */
    size_t out_len, out_cap;
} keel_channel_t;

/* Returns 0, or -1 when out of memory. The calling process owns the
 * channel. */
int keel_channel_init(keel_channel_t *ch, int fd, uint32_t generation);

/* In a process PHP forked from the worker (pcntl_fork()), which shares the
 * worker's descriptors and memory: exits at once, quietly, without touching
 * the socket, so a forked child never takes or answers a request. Every
 * function below calls it before it reads or writes; the worker's other
 * entry points that reach keel's descriptors call it too. */
void keel_channel_guard(const keel_channel_t *ch);
/* The same by pid, a system call: once a request, where the worker waits
 * for the next one. */
void keel_channel_guard_pid(const keel_channel_t *ch);
void keel_channel_dispose(keel_channel_t *ch);

/*
 * Blocks until one whole frame has arrived. *payload stays valid until the
 * next read. Returns 0, or -1 on end of stream, error or a malformed frame
 * (the front is gone or broken: the worker should exit).
 */
int keel_channel_read(keel_channel_t *ch, keel_ipc_header_t *hdr, const uint8_t **payload);

/* Returns 1 when a whole frame is already buffered or readable without
 * blocking, 0 when not, -1 when the stream has ended. */
int keel_channel_poll(keel_channel_t *ch);

/* Queues a frame made of a header and up to two payload parts. Returns 0,
 * or -1 when out of memory. */
int keel_channel_put(keel_channel_t *ch, uint8_t type, uint8_t flags, uint32_t stream, const void *a, size_t alen,
                     const void *b, size_t blen);

/* Reserves room for a frame whose payload the caller writes in place;
 * returns a pointer to payload_len bytes, or NULL when out of memory. */
uint8_t *keel_channel_put_reserve(keel_channel_t *ch, uint8_t type, uint8_t flags, uint32_t stream, size_t payload_len);

size_t keel_channel_pending(const keel_channel_t *ch);

/* Writes everything queued. Returns 0, or -1 when the front is gone. */
int keel_channel_flush(keel_channel_t *ch);

/* Whether a whole frame is buffered, and whether any bytes are. */
bool keel_channel_has_frame(const keel_channel_t *ch);
bool keel_channel_has_partial(const keel_channel_t *ch);
/* Reads what the socket has without blocking: bytes read, 0 at end of
 * stream, -1 on error, -2 when there is nothing. */
ssize_t keel_channel_fill_now(keel_channel_t *ch);
/* Whether a frame of this type and stream has arrived behind the frames
 * not read yet, looked for without reading any: what the socket holds is
 * appended to the input only where it fits without moving or growing it,
 * so payloads handed out earlier stay valid. Returns 1 when it has (or
 * the stream has ended), 0 when not (as far as can be seen). */
int keel_channel_peek_for(keel_channel_t *ch, uint8_t type, uint32_t stream);
/* Appends one message from the datagram socket fd (a generation's queue)
 * to the input, without blocking; returns as keel_channel_fill_now. */
ssize_t keel_channel_take_message(keel_channel_t *ch, int fd);

#endif
