/*
 * Payload codecs for the IPC messages listed in ipc/frame.h. Encoders
 * write into memory the caller supplies and return the bytes written;
 * each has a *_size companion so the caller can size the buffer first.
 * Decoders never read past the payload and report malformed input.
 */
#ifndef KEEL_IPC_MESSAGE_H
#define KEEL_IPC_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipc/frame.h"

/*
 * Name/value lists (REQUEST parameters, RESP_HEAD headers): each entry is
 *   u32 name_len, u32 value_len, name bytes, value bytes
 */
static inline size_t
keel_ipc_kv_size(size_t name_len, size_t value_len)
{
    return 8 + name_len + value_len;
}

size_t keel_ipc_kv_put(uint8_t *out, const char *name, size_t name_len, const char *value, size_t value_len);

typedef struct {
    const uint8_t *pos;
    const uint8_t *end;
} keel_ipc_kv_reader_t;

/* Returns KEEL_IPC_OK with the next entry, KEEL_IPC_NEED_MORE at the end of
 * the list, KEEL_IPC_MALFORMED if an entry overruns the payload. */
keel_ipc_result_t keel_ipc_kv_next(keel_ipc_kv_reader_t *r, const char **name, size_t *name_len, const char **value,
                                   size_t *value_len);

/* RESP_HEAD: u16 status, u16 reserved (0), then a name/value list. */
#define KEEL_IPC_RESP_HEAD_FIXED 4
void keel_ipc_resp_head_put(uint8_t out[KEEL_IPC_RESP_HEAD_FIXED], unsigned status);
keel_ipc_result_t keel_ipc_resp_head_get(const uint8_t *payload, size_t len, unsigned *status,
                                         keel_ipc_kv_reader_t *headers);

/* REQ_DONE: the worker's memory figures after the request, all u64. */
typedef struct {
    uint64_t zend_usage;      /* memory_get_usage() */
    uint64_t zend_peak;       /* memory_get_peak_usage() */
    uint64_t zend_real_usage; /* memory_get_usage(true) */
    uint64_t zend_real_peak;  /* memory_get_peak_usage(true) */
    uint64_t rss_private;     /* resident anonymous memory of the process, bytes */
    uint64_t requests;        /* requests this worker has served, this one included */
} keel_ipc_stats_t;

#define KEEL_IPC_STATS_SIZE 48
void keel_ipc_stats_put(uint8_t out[KEEL_IPC_STATS_SIZE], const keel_ipc_stats_t *s);
keel_ipc_result_t keel_ipc_stats_get(const uint8_t *payload, size_t len, keel_ipc_stats_t *s);

/* SPAWN: u32 slot (the front's worker id), u32 claim slot (in pid), u32
 * kind (in status: 1 worker mode), u32 request limit (0: none).
 * WORKER_UP: u32 slot, u32 pid. BACKTRACE: u32 slot, u32 pid.
 * WORKER_EXIT: u32 slot, u32 pid, u32 wait status (as from waitpid); pid 0:
 * the zygote could not start that worker (fork failed, say).
 * Fields a message does not use are 0. */
typedef struct {
    uint32_t slot;
    uint32_t pid;
    uint32_t status;
    uint32_t limit;
} keel_ipc_worker_t;

#define KEEL_IPC_WORKER_SIZE 16
void keel_ipc_worker_put(uint8_t out[KEEL_IPC_WORKER_SIZE], const keel_ipc_worker_t *w);
keel_ipc_result_t keel_ipc_worker_get(const uint8_t *payload, size_t len, keel_ipc_worker_t *w);

/* ZYGOTE_READY: u32 pid, u32 flags (KEEL_IPC_ZYGOTE_*). */
#define KEEL_IPC_ZYGOTE_OPCACHE    0x1 /* OPcache is enabled in this generation */
#define KEEL_IPC_ZYGOTE_READY_SIZE 8
void keel_ipc_zygote_ready_put(uint8_t out[KEEL_IPC_ZYGOTE_READY_SIZE], uint32_t pid, uint32_t flags);
keel_ipc_result_t keel_ipc_zygote_ready_get(const uint8_t *payload, size_t len, uint32_t *pid, uint32_t *flags);

#endif
