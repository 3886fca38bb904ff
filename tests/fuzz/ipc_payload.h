/*
 * The payload checks shared by the IPC fuzz targets: every codec of
 * ipc/message.h and ipc/control.h is run on the payload of its message
 * type. What decodes must encode back to the same bytes; what is refused
 * is checked against the layout as documented (written here again, not
 * taken from the codecs), so a decoder that refuses good input is caught
 * as well as one that accepts bad input.
 */
#ifndef KEEL_FUZZ_IPC_PAYLOAD_H
#define KEEL_FUZZ_IPC_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "ipc/control.h"
#include "ipc/frame.h"
#include "ipc/message.h"

/* Little-endian reads written independently of ipc/bytes.h. */
static inline uint32_t
le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline unsigned
le16(const uint8_t *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* Walks a name/value list to its end, re-encoding each entry. */
static inline void
check_kv_list(keel_ipc_kv_reader_t r)
{
    const uint8_t *start = r.pos, *end = r.end;
    uint8_t *re = fuzz_dup(start, (size_t)(end - start));
    size_t o = 0;
    for (;;) {
        const uint8_t *before = r.pos;
        size_t left = (size_t)(end - before);
        const char *name, *value;
        size_t nl, vl;
        keel_ipc_result_t res = keel_ipc_kv_next(&r, &name, &nl, &value, &vl);
        if (res == KEEL_IPC_NEED_MORE) {
            CHECK(left == 0);
            CHECK(o == (size_t)(end - start));
            break;
        }
        if (res == KEEL_IPC_MALFORMED) {
            /* Only an entry that truly overruns may be refused. */
            CHECK(left < 8 || (uint64_t)le32(before) + le32(before + 4) > left - 8);
            break;
        }
        CHECK(res == KEEL_IPC_OK);
        CHECK(left >= 8);
        CHECK(nl == le32(before) && vl == le32(before + 4));
        CHECK((const uint8_t *)name == before + 8);
        CHECK((const uint8_t *)value == before + 8 + nl);
        CHECK(r.pos == before + keel_ipc_kv_size(nl, vl));
        CHECK(r.pos <= end);
        size_t n = keel_ipc_kv_put(re + o, name, nl, value, vl);
        CHECK(n == keel_ipc_kv_size(nl, vl));
        CHECK(memcmp(re + o, before, n) == 0);
        o += n;
    }
    free(re);
}

static inline void
check_resp_head(const uint8_t *p, size_t len)
{
    unsigned status = 0;
    keel_ipc_kv_reader_t headers;
    keel_ipc_result_t res = keel_ipc_resp_head_get(p, len, &status, &headers);
    int valid = len >= 4 && le16(p + 2) == 0 && le16(p) >= 100 && le16(p) <= 999;
    if (res != KEEL_IPC_OK) {
        CHECK(res == KEEL_IPC_MALFORMED);
        CHECK(!valid);
        return;
    }
    CHECK(valid);
    CHECK(status == le16(p));
    CHECK(headers.pos == p + KEEL_IPC_RESP_HEAD_FIXED && headers.end == p + len);
    uint8_t re[KEEL_IPC_RESP_HEAD_FIXED];
    keel_ipc_resp_head_put(re, status);
    CHECK(memcmp(re, p, sizeof(re)) == 0);
    check_kv_list(headers);
}

static inline void
check_stats(const uint8_t *p, size_t len)
{
    keel_ipc_stats_t s;
    keel_ipc_result_t res = keel_ipc_stats_get(p, len, &s);
    CHECK((res == KEEL_IPC_OK) == (len == KEEL_IPC_STATS_SIZE));
    if (res != KEEL_IPC_OK) {
        CHECK(res == KEEL_IPC_MALFORMED);
        return;
    }
    uint8_t re[KEEL_IPC_STATS_SIZE];
    keel_ipc_stats_put(re, &s);
    CHECK(memcmp(re, p, sizeof(re)) == 0);
}

static inline uint64_t
le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

#define FUZZ_PID_MAX 0x7fffffffu

static inline void
check_spawn(const uint8_t *p, size_t len)
{
    keel_ipc_spawn_t m;
    keel_ipc_result_t res = keel_ipc_spawn_get(p, len, &m);
    int valid = len == 16 && le32(p + 8) <= 1;
    CHECK(res == (valid ? KEEL_IPC_OK : KEEL_IPC_MALFORMED));
    if (!valid)
        return;
    CHECK(m.id == le32(p) && m.claim_slot == le32(p + 4) && (uint32_t)m.kind == le32(p + 8) &&
          m.request_limit == le32(p + 12));
    uint8_t re[KEEL_IPC_SPAWN_SIZE];
    keel_ipc_spawn_put(re, &m);
    CHECK(memcmp(re, p, sizeof(re)) == 0);
}

static inline void
check_worker_up(const uint8_t *p, size_t len)
{
    keel_ipc_worker_up_t m;
    keel_ipc_result_t res = keel_ipc_worker_up_get(p, len, &m);
    int valid = len == 8 && le32(p + 4) != 0 && le32(p + 4) <= FUZZ_PID_MAX;
    CHECK(res == (valid ? KEEL_IPC_OK : KEEL_IPC_MALFORMED));
    if (!valid)
        return;
    CHECK(m.id == le32(p) && m.pid == le32(p + 4));
    uint8_t re[KEEL_IPC_WORKER_UP_SIZE];
    keel_ipc_worker_up_put(re, &m);
    CHECK(memcmp(re, p, sizeof(re)) == 0);
}

static inline void
check_worker_exit(const uint8_t *p, size_t len)
{
    keel_ipc_worker_exit_t m;
    keel_ipc_result_t res = keel_ipc_worker_exit_get(p, len, &m);
    int valid = len == 12 && le32(p + 4) <= FUZZ_PID_MAX && (le32(p + 4) != 0 || le32(p + 8) == 0);
    CHECK(res == (valid ? KEEL_IPC_OK : KEEL_IPC_MALFORMED));
    if (!valid)
        return;
    CHECK(m.id == le32(p) && m.pid == le32(p + 4) && (uint32_t)m.wait_status == le32(p + 8));
    uint8_t re[KEEL_IPC_WORKER_EXIT_SIZE];
    keel_ipc_worker_exit_put(re, &m);
    CHECK(memcmp(re, p, sizeof(re)) == 0);
}

static inline void
check_backtrace(const uint8_t *p, size_t len)
{
    keel_ipc_backtrace_t m;
    keel_ipc_result_t res = keel_ipc_backtrace_get(p, len, &m);
    int valid = len == 8 && le32(p + 4) <= FUZZ_PID_MAX;
    CHECK(res == (valid ? KEEL_IPC_OK : KEEL_IPC_MALFORMED));
    if (!valid)
        return;
    CHECK(m.id == le32(p) && m.pid == le32(p + 4));
    uint8_t re[KEEL_IPC_BACKTRACE_SIZE];
    keel_ipc_backtrace_put(re, &m);
    CHECK(memcmp(re, p, sizeof(re)) == 0);
}

static inline void
check_zygote_ready(const uint8_t *p, size_t len)
{
    keel_ipc_zygote_ready_t m;
    keel_ipc_result_t res = keel_ipc_zygote_ready_get(p, len, &m);
    int valid = len == 8 && le32(p) != 0 && le32(p) <= FUZZ_PID_MAX && le32(p + 4) <= 1;
    CHECK(res == (valid ? KEEL_IPC_OK : KEEL_IPC_MALFORMED));
    if (!valid)
        return;
    CHECK(m.pid == le32(p) && m.opcache == (le32(p + 4) == 1));
    uint8_t re[KEEL_IPC_ZYGOTE_READY_SIZE];
    keel_ipc_zygote_ready_put(re, &m);
    CHECK(memcmp(re, p, sizeof(re)) == 0);
}

/* Whether a PHP_INFO string starts at p[*o] and fits; advances *o. */
static inline int
php_info_text_ok(const uint8_t *p, size_t len, size_t *o)
{
    if (len - *o < 2)
        return 0;
    size_t n = le16(p + *o);
    if (n > 4095 || len - *o - 2 < n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (p[*o + 2 + i] == 0)
            return 0;
    *o += 2 + n;
    return 1;
}

static inline void
check_php_info(const uint8_t *p, size_t len)
{
    keel_ipc_php_info_t m;
    keel_ipc_result_t res = keel_ipc_php_info_get(p, len, &m);
    size_t o = 36;
    int valid = len >= 36 && le32(p + 32) <= 1 && php_info_text_ok(p, len, &o) && php_info_text_ok(p, len, &o) &&
                php_info_text_ok(p, len, &o) && o == len;
    CHECK(res == (valid ? KEEL_IPC_OK : KEEL_IPC_MALFORMED));
    if (!valid)
        return;
    CHECK(m.memory_limit == le64(p) && m.opcache_memory_consumption == le64(p + 8) &&
          m.opcache_interned_strings_buffer == le64(p + 16));
    uint64_t bits;
    memcpy(&bits, &m.opcache_max_wasted_percentage, sizeof(bits));
    CHECK(bits == le64(p + 24));
    CHECK(m.opcache_enabled == (le32(p + 32) == 1));
    /* The strings are views into the payload, in order, back to back. */
    CHECK((const uint8_t *)m.temp_dir.base == p + 38);
    CHECK((const uint8_t *)m.upload_tmp_dir.base == p + 38 + m.temp_dir.len + 2);
    CHECK((const uint8_t *)m.session_save_dir.base + m.session_save_dir.len == p + len);
    CHECK(keel_ipc_php_info_size(&m) == len);
    uint8_t *re = malloc(len);
    CHECK(re != NULL);
    CHECK(keel_ipc_php_info_put(re, &m) == len);
    CHECK(memcmp(re, p, len) == 0);
    free(re);
}

static inline void
check_opcache_stats(const uint8_t *p, size_t len)
{
    keel_ipc_opcache_stats_t m;
    keel_ipc_result_t res = keel_ipc_opcache_stats_get(p, len, &m);
    int valid = len == 100 && le32(p + 96) <= 3;
    CHECK(res == (valid ? KEEL_IPC_OK : KEEL_IPC_MALFORMED));
    if (!valid)
        return;
    CHECK(m.used == le64(p) && m.misses == le64(p + 88));
    CHECK(m.restart_pending == ((le32(p + 96) & 1) != 0) && m.cache_full == ((le32(p + 96) & 2) != 0));
    uint8_t re[KEEL_IPC_OPCACHE_STATS_SIZE];
    keel_ipc_opcache_stats_put(re, &m);
    CHECK(memcmp(re, p, sizeof(re)) == 0);
}

/* Runs the codec of message `type` on an exact-size copy of its payload,
 * so a read past it is caught even when more input follows. */
static inline void
ipc_check_payload(unsigned type, const uint8_t *payload, size_t len)
{
    uint8_t *p = fuzz_dup(payload, len);
    switch (type) {
    case KEEL_IPC_REQUEST: {
        keel_ipc_kv_reader_t r = {p, p + len};
        check_kv_list(r);
        break;
    }
    case KEEL_IPC_RESP_HEAD:
        check_resp_head(p, len);
        break;
    case KEEL_IPC_REQ_DONE:
        check_stats(p, len);
        break;
    case KEEL_IPC_OPCACHE_STATS:
        check_opcache_stats(p, len);
        break;
    case KEEL_IPC_SPAWN:
        check_spawn(p, len);
        break;
    case KEEL_IPC_WORKER_UP:
        check_worker_up(p, len);
        break;
    case KEEL_IPC_WORKER_EXIT:
        check_worker_exit(p, len);
        break;
    case KEEL_IPC_BACKTRACE:
        check_backtrace(p, len);
        break;
    case KEEL_IPC_ZYGOTE_READY:
        check_zygote_ready(p, len);
        break;
    case KEEL_IPC_PHP_INFO:
        check_php_info(p, len);
        break;
    default:
        break; /* opaque bytes (bodies, text) or no payload */
    }
    free(p);
}

#endif
