/*
 * keel IPC frames: the unit of every message between the front, a
 * generation's zygote and its workers. Pure encode/decode, no I/O, so the
 * decoder can be fuzzed. The wire format is described in docs/protocol.md.
 *
 * Header, 16 bytes, all integers little-endian:
 *
 *   offset  width  field        written by
 *   0       u8     type         sender (keel_ipc_type_t)
 *   1       u8     flags        sender (per-type meaning, see KEEL_IPC_FLAG_*)
 *   2       u16    reserved     sender writes 0, receiver rejects non-zero
 *   4       u32    generation   sender: generation number the frame belongs to
 *   8       u32    stream       sender: request stream id (0 for control)
 *   12      u32    length       sender: payload bytes following the header
 */
#ifndef KEEL_IPC_FRAME_H
#define KEEL_IPC_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define KEEL_IPC_HEADER_SIZE 16
/* Large bodies travel as many frames; a cap keeps a corrupt length from
 * making the reader wait for (or allocate) gigabytes. */
#define KEEL_IPC_MAX_PAYLOAD (1u << 20)

/*
 * The one list of message types. The type enum, the dense index below,
 * the names and the handler-table type (ipc/dispatch.h: one slot per
 * entry, which each receiver fills with the messages it accepts) are
 * generated from it, so numbers, names and handlers cannot drift apart.
 * docs/protocol.md must list each entry (a unit test checks).
 * X(name, number, what it carries); numbers fit the header's u8.
 */
#define KEEL_IPC_MESSAGES(X)                                                                                           \
    X(REQUEST, 1, "front->worker: request parameters (name/value list)")                                               \
    X(REQ_BODY, 2, "front->worker: a piece of the request body")                                                       \
    X(REQ_END, 3, "front->worker: request body complete")                                                              \
    X(ABORT, 4, "front->worker: the client went away")                                                                 \
    X(DISMISS, 5, "front->worker: take nothing more from the queue; exit once what was taken is answered")             \
    X(RESP_HEAD, 16, "worker->front: status and response headers")                                                     \
    X(RESP_BODY, 17, "worker->front: a piece of the response body")                                                    \
    X(RESP_END, 18, "worker->front: the response is complete; the script may still run")                               \
    X(OPCACHE_STATS, 22, "worker->front: OPcache's figures (name/value list), before a REQ_DONE")                      \
    X(CLAIM, 23, "worker->front: took this request (body to follow) from the generation's queue")                      \
    X(REQ_DONE, 19, "worker->front: the request has finished, with memory figures; the worker is free")                \
    X(WORKER_READY, 20, "worker->front: started (worker mode: booted) and waiting for requests")                       \
    X(BOOT_FAILED, 21, "worker->front: the worker script failed before its first request (message)")                   \
    X(SPAWN, 32, "front->zygote: fork a worker for this slot")                                                         \
    X(WORKER_UP, 33, "zygote->front: worker forked; its socket follows as SCM_RIGHTS")                                 \
    X(WORKER_EXIT, 34, "zygote->front: a worker was reaped")                                                           \
    X(ZYGOTE_READY, 35, "zygote->front: PHP initialised")                                                              \
    X(ZYGOTE_FAILED, 36, "zygote->front: PHP failed to initialise (message)")                                          \
    X(PHP_INFO, 37, "zygote->front: PHP settings the front budgets with (name/value list)")                            \
    X(BACKTRACE, 38, "front->zygote: log the PHP stack of this worker (slow or timed-out request)")

typedef enum {
#define KEEL_IPC_ENUM(name, num, doc) KEEL_IPC_##name = num,
    KEEL_IPC_MESSAGES(KEEL_IPC_ENUM)
#undef KEEL_IPC_ENUM
} keel_ipc_type_t;

/* Every type's position in KEEL_IPC_MESSAGES, 0 .. KEEL_IPC_MESSAGE_COUNT-1:
 * the type numbers leave gaps (families start at 1, 16, 32), so tables are
 * indexed by this instead. */
typedef enum {
#define KEEL_IPC_INDEX_ENUM(name, num, doc) KEEL_IPC_INDEX_##name,
    KEEL_IPC_MESSAGES(KEEL_IPC_INDEX_ENUM)
#undef KEEL_IPC_INDEX_ENUM
        KEEL_IPC_MESSAGE_COUNT
} keel_ipc_index_t;

/* RESP_BODY: the worker asked for this to reach the client now (flush()). */
#define KEEL_IPC_FLAG_FLUSH 0x01
/* REQ_DONE: the worker exits after this request (exit() or an error in
 * worker mode): it must not be given another. */
#define KEEL_IPC_FLAG_CLOSING 0x02
/* REQ_DONE: the script called opcache_reset(): start a new generation. */
#define KEEL_IPC_FLAG_OPCACHE_RESET 0x04
/* REQUEST taken from a generation's queue: the body was too large to ride
 * along; the worker sends CLAIM and the front sends the body on the
 * worker's own socket. */
#define KEEL_IPC_FLAG_BODY_FOLLOWS 0x08

typedef struct {
    uint8_t type;
    uint8_t flags;
    uint32_t generation;
    uint32_t stream;
    uint32_t length;
} keel_ipc_header_t;

typedef enum {
    KEEL_IPC_OK = 0,        /* a complete frame is available */
    KEEL_IPC_NEED_MORE = 1, /* not enough bytes yet; nothing consumed */
    KEEL_IPC_MALFORMED = -1 /* the stream is corrupt and must be closed */
} keel_ipc_result_t;

/* Returns the symbolic name of a type, or NULL for an unknown number. */
const char *keel_ipc_type_name(unsigned type);

/* Returns the dense index (keel_ipc_index_t) of a type number, or -1 for a
 * number KEEL_IPC_MESSAGES does not hold. */
int keel_ipc_index(unsigned type);

/* Writes the 16-byte header for hdr into out. Cannot fail. */
void keel_ipc_header_encode(uint8_t out[KEEL_IPC_HEADER_SIZE], const keel_ipc_header_t *hdr);

/*
 * Decodes one frame from the front of buf. On KEEL_IPC_OK, *hdr is filled,
 * *payload points into buf and *frame_size is header + payload bytes, which
 * the caller consumes. Unknown types, non-zero reserved bits and payloads
 * over KEEL_IPC_MAX_PAYLOAD are KEEL_IPC_MALFORMED.
 */
keel_ipc_result_t keel_ipc_frame_decode(const uint8_t *buf, size_t len, keel_ipc_header_t *hdr, const uint8_t **payload,
                                        size_t *frame_size);

#endif
