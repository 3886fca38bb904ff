#include "ipc/message.h"

#include <string.h>

#include "ipc/bytes.h"

size_t
keel_ipc_kv_put(uint8_t *out, const char *name, size_t name_len, const char *value, size_t value_len)
{
    keel_put_u32(out, (uint32_t)name_len);
    keel_put_u32(out + 4, (uint32_t)value_len);
    if (name_len)
        memcpy(out + 8, name, name_len);
    if (value_len)
        memcpy(out + 8 + name_len, value, value_len);
    return keel_ipc_kv_size(name_len, value_len);
}

keel_ipc_result_t
keel_ipc_kv_next(keel_ipc_kv_reader_t *r, const char **name, size_t *name_len, const char **value, size_t *value_len)
{
    size_t left = (size_t)(r->end - r->pos);
    if (left == 0)
        return KEEL_IPC_NEED_MORE;
    if (left < 8)
        return KEEL_IPC_MALFORMED;
    uint32_t nl = keel_get_u32(r->pos), vl = keel_get_u32(r->pos + 4);
    /* Compare piecewise so a huge nl + vl cannot wrap around. */
    if (nl > left - 8 || vl > left - 8 - nl)
        return KEEL_IPC_MALFORMED;
    *name = (const char *)r->pos + 8;
    *name_len = nl;
    *value = (const char *)r->pos + 8 + nl;
    *value_len = vl;
    r->pos += 8 + (size_t)nl + vl;
    return KEEL_IPC_OK;
}

void
keel_ipc_resp_head_put(uint8_t out[KEEL_IPC_RESP_HEAD_FIXED], unsigned status)
{
    keel_put_u16(out, (uint16_t)status);
    keel_put_u16(out + 2, 0);
}

keel_ipc_result_t
keel_ipc_resp_head_get(const uint8_t *payload, size_t len, unsigned *status, keel_ipc_kv_reader_t *headers)
{
    if (len < KEEL_IPC_RESP_HEAD_FIXED || keel_get_u16(payload + 2) != 0)
        return KEEL_IPC_MALFORMED;
    *status = keel_get_u16(payload);
    if (*status < 100 || *status > 999)
        return KEEL_IPC_MALFORMED;
    headers->pos = payload + KEEL_IPC_RESP_HEAD_FIXED;
    headers->end = payload + len;
    return KEEL_IPC_OK;
}

void
keel_ipc_stats_put(uint8_t out[KEEL_IPC_STATS_SIZE], const keel_ipc_stats_t *s)
{
    keel_put_u64(out, s->zend_usage);
    keel_put_u64(out + 8, s->zend_peak);
    keel_put_u64(out + 16, s->zend_real_usage);
    keel_put_u64(out + 24, s->zend_real_peak);
    keel_put_u64(out + 32, s->rss_private);
    keel_put_u64(out + 40, s->requests);
    keel_put_u64(out + 48, s->taken_ns);
    keel_put_u64(out + 56, s->php_ns);
}

keel_ipc_result_t
keel_ipc_stats_get(const uint8_t *payload, size_t len, keel_ipc_stats_t *s)
{
    if (len != KEEL_IPC_STATS_SIZE)
        return KEEL_IPC_MALFORMED;
    s->zend_usage = keel_get_u64(payload);
    s->zend_peak = keel_get_u64(payload + 8);
    s->zend_real_usage = keel_get_u64(payload + 16);
    s->zend_real_peak = keel_get_u64(payload + 24);
    s->rss_private = keel_get_u64(payload + 32);
    s->requests = keel_get_u64(payload + 40);
    s->taken_ns = keel_get_u64(payload + 48);
    s->php_ns = keel_get_u64(payload + 56);
    return KEEL_IPC_OK;
}

#define OPCACHE_RESTART_PENDING 0x1u
#define OPCACHE_CACHE_FULL      0x2u

void
keel_ipc_opcache_stats_put(uint8_t out[KEEL_IPC_OPCACHE_STATS_SIZE], const keel_ipc_opcache_stats_t *s)
{
    keel_put_u64(out, s->used);
    keel_put_u64(out + 8, s->free);
    keel_put_u64(out + 16, s->wasted);
    keel_put_u64(out + 24, s->interned_used);
    keel_put_u64(out + 32, s->interned_free);
    keel_put_u64(out + 40, s->keys);
    keel_put_u64(out + 48, s->max_keys);
    keel_put_u64(out + 56, s->oom_restarts);
    keel_put_u64(out + 64, s->hash_restarts);
    keel_put_u64(out + 72, s->manual_restarts);
    keel_put_u64(out + 80, s->hits);
    keel_put_u64(out + 88, s->misses);
    keel_put_u32(out + 96,
                 (s->restart_pending ? OPCACHE_RESTART_PENDING : 0) | (s->cache_full ? OPCACHE_CACHE_FULL : 0));
}

keel_ipc_result_t
keel_ipc_opcache_stats_get(const uint8_t *payload, size_t len, keel_ipc_opcache_stats_t *s)
{
    if (len != KEEL_IPC_OPCACHE_STATS_SIZE)
        return KEEL_IPC_MALFORMED;
    uint32_t flags = keel_get_u32(payload + 96);
    if ((flags & ~(OPCACHE_RESTART_PENDING | OPCACHE_CACHE_FULL)) != 0)
        return KEEL_IPC_MALFORMED;
    s->used = keel_get_u64(payload);
    s->free = keel_get_u64(payload + 8);
    s->wasted = keel_get_u64(payload + 16);
    s->interned_used = keel_get_u64(payload + 24);
    s->interned_free = keel_get_u64(payload + 32);
    s->keys = keel_get_u64(payload + 40);
    s->max_keys = keel_get_u64(payload + 48);
    s->oom_restarts = keel_get_u64(payload + 56);
    s->hash_restarts = keel_get_u64(payload + 64);
    s->manual_restarts = keel_get_u64(payload + 72);
    s->hits = keel_get_u64(payload + 80);
    s->misses = keel_get_u64(payload + 88);
    s->restart_pending = (flags & OPCACHE_RESTART_PENDING) != 0;
    s->cache_full = (flags & OPCACHE_CACHE_FULL) != 0;
    return KEEL_IPC_OK;
}
