/*
 * Payload codecs for the messages between the front and a worker
 * (ipc/frame.h); the front <-> zygote ones are in ipc/control.h. Integers
 * are little-endian. Encoders write into memory the caller supplies: a
 * fixed layout's size is its *_SIZE constant, a variable one has a *_size
 * companion so the caller can size the buffer first. Decoders take exactly
 * the payload, never read past it, and report malformed input.
 *
 * Payloads without a codec: REQ_BODY and RESP_BODY carry raw body bytes,
 * BOOT_FAILED (and ZYGOTE_FAILED) UTF-8 text; REQ_END, ABORT, DISMISS,
 * CLAIM, RESP_END and WORKER_READY carry nothing.
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

/* REQ_DONE: the worker's memory figures after the request, and when it
 * ran it, all u64. */
typedef struct {
    uint64_t zend_usage;      /* memory_get_usage() */
    uint64_t zend_peak;       /* memory_get_peak_usage() */
    uint64_t zend_real_usage; /* memory_get_usage(true) */
    uint64_t zend_real_peak;  /* memory_get_peak_usage(true) */
    uint64_t rss_private;     /* resident anonymous memory of the process, bytes */
    uint64_t requests;        /* requests this worker has served, this one included */
    uint64_t taken_ns;        /* CLOCK_MONOTONIC when the worker took the request (the front's clock too) */
    uint64_t php_ns;          /* from then until this REQ_DONE */
} keel_ipc_stats_t;

#define KEEL_IPC_STATS_SIZE 64
void keel_ipc_stats_put(uint8_t out[KEEL_IPC_STATS_SIZE], const keel_ipc_stats_t *s);
keel_ipc_result_t keel_ipc_stats_get(const uint8_t *payload, size_t len, keel_ipc_stats_t *s);

/*
 * OPCACHE_STATS, worker -> front, on the request's stream before its
 * REQ_DONE (at most twice a second): opcache_get_status(false)'s figures,
 * which the front's OPcache policy (supervisor/opcache_policy.h) judges.
 * 100 bytes, written by the worker; a figure PHP did not give is 0:
 *   0   u64  used             memory_usage.used_memory, bytes
 *   8   u64  free             memory_usage.free_memory, bytes
 *   16  u64  wasted           memory_usage.wasted_memory, bytes
 *   24  u64  interned_used    interned_strings_usage.used_memory, bytes
 *   32  u64  interned_free    interned_strings_usage.free_memory, bytes
 *   40  u64  keys             opcache_statistics.num_cached_keys
 *   48  u64  max_keys         opcache_statistics.max_cached_keys
 *   56  u64  oom_restarts     opcache_statistics.oom_restarts
 *   64  u64  hash_restarts    opcache_statistics.hash_restarts
 *   72  u64  manual_restarts  opcache_statistics.manual_restarts
 *   80  u64  hits             opcache_statistics.hits
 *   88  u64  misses           opcache_statistics.misses
 *   96  u32  flags            0x1: restart_pending, 0x2: cache_full; other
 *                             bits are malformed
 */
typedef struct {
    uint64_t used, free, wasted;
    uint64_t interned_used, interned_free;
    uint64_t keys, max_keys;
    uint64_t oom_restarts, hash_restarts, manual_restarts;
    uint64_t hits, misses;
    bool restart_pending, cache_full;
} keel_ipc_opcache_stats_t;

#define KEEL_IPC_OPCACHE_STATS_SIZE 100
void keel_ipc_opcache_stats_put(uint8_t out[KEEL_IPC_OPCACHE_STATS_SIZE], const keel_ipc_opcache_stats_t *s);
keel_ipc_result_t keel_ipc_opcache_stats_get(const uint8_t *payload, size_t len, keel_ipc_opcache_stats_t *s);

#endif
