#include "ipc/control.h"

#include <string.h>

#include "ipc/bytes.h"

/* PHP_INFO carries the percentage as the bits of a binary64. */
_Static_assert(sizeof(double) == sizeof(uint64_t), "double must be 64 bits");

#define PID_MAX_WIRE 0x7fffffffu /* pid_t is an int */

void
keel_ipc_spawn_put(uint8_t out[KEEL_IPC_SPAWN_SIZE], const keel_ipc_spawn_t *m)
{
    keel_put_u32(out, m->id);
    keel_put_u32(out + 4, m->claim_slot);
    keel_put_u32(out + 8, (uint32_t)m->kind);
    keel_put_u32(out + 12, m->request_limit);
}

keel_ipc_result_t
keel_ipc_spawn_get(const uint8_t *payload, size_t len, keel_ipc_spawn_t *out)
{
    if (len != KEEL_IPC_SPAWN_SIZE)
        return KEEL_IPC_MALFORMED;
    uint32_t kind = keel_get_u32(payload + 8);
    if (kind != KEEL_IPC_KIND_CLASSIC && kind != KEEL_IPC_KIND_WORKER)
        return KEEL_IPC_MALFORMED;
    out->id = keel_get_u32(payload);
    out->claim_slot = keel_get_u32(payload + 4);
    out->kind = (keel_ipc_kind_t)kind;
    out->request_limit = keel_get_u32(payload + 12);
    return KEEL_IPC_OK;
}

void
keel_ipc_worker_up_put(uint8_t out[KEEL_IPC_WORKER_UP_SIZE], const keel_ipc_worker_up_t *m)
{
    keel_put_u32(out, m->id);
    keel_put_u32(out + 4, m->pid);
}

keel_ipc_result_t
keel_ipc_worker_up_get(const uint8_t *payload, size_t len, keel_ipc_worker_up_t *out)
{
    if (len != KEEL_IPC_WORKER_UP_SIZE)
        return KEEL_IPC_MALFORMED;
    uint32_t pid = keel_get_u32(payload + 4);
    if (pid == 0 || pid > PID_MAX_WIRE)
        return KEEL_IPC_MALFORMED;
    out->id = keel_get_u32(payload);
    out->pid = pid;
    return KEEL_IPC_OK;
}

void
keel_ipc_worker_exit_put(uint8_t out[KEEL_IPC_WORKER_EXIT_SIZE], const keel_ipc_worker_exit_t *m)
{
    keel_put_u32(out, m->id);
    keel_put_u32(out + 4, m->pid);
    keel_put_u32(out + 8, (uint32_t)m->wait_status);
}

keel_ipc_result_t
keel_ipc_worker_exit_get(const uint8_t *payload, size_t len, keel_ipc_worker_exit_t *out)
{
    if (len != KEEL_IPC_WORKER_EXIT_SIZE)
        return KEEL_IPC_MALFORMED;
    uint32_t pid = keel_get_u32(payload + 4), status = keel_get_u32(payload + 8);
    if (pid > PID_MAX_WIRE || (pid == 0 && status != 0))
        return KEEL_IPC_MALFORMED;
    out->id = keel_get_u32(payload);
    out->pid = pid;
    /* The bits back into an int, without implementation-defined conversion. */
    memcpy(&out->wait_status, &status, sizeof(status));
    return KEEL_IPC_OK;
}

void
keel_ipc_backtrace_put(uint8_t out[KEEL_IPC_BACKTRACE_SIZE], const keel_ipc_backtrace_t *m)
{
    keel_put_u32(out, m->id);
    keel_put_u32(out + 4, m->pid);
}

keel_ipc_result_t
keel_ipc_backtrace_get(const uint8_t *payload, size_t len, keel_ipc_backtrace_t *out)
{
    if (len != KEEL_IPC_BACKTRACE_SIZE)
        return KEEL_IPC_MALFORMED;
    uint32_t pid = keel_get_u32(payload + 4);
    if (pid > PID_MAX_WIRE)
        return KEEL_IPC_MALFORMED;
    out->id = keel_get_u32(payload);
    out->pid = pid;
    return KEEL_IPC_OK;
}

#define ZYGOTE_READY_OPCACHE 0x1u

void
keel_ipc_zygote_ready_put(uint8_t out[KEEL_IPC_ZYGOTE_READY_SIZE], const keel_ipc_zygote_ready_t *m)
{
    keel_put_u32(out, m->pid);
    keel_put_u32(out + 4, m->opcache ? ZYGOTE_READY_OPCACHE : 0);
}

keel_ipc_result_t
keel_ipc_zygote_ready_get(const uint8_t *payload, size_t len, keel_ipc_zygote_ready_t *out)
{
    if (len != KEEL_IPC_ZYGOTE_READY_SIZE)
        return KEEL_IPC_MALFORMED;
    uint32_t pid = keel_get_u32(payload), flags = keel_get_u32(payload + 4);
    if (pid == 0 || pid > PID_MAX_WIRE || (flags & ~ZYGOTE_READY_OPCACHE) != 0)
        return KEEL_IPC_MALFORMED;
    out->pid = pid;
    out->opcache = (flags & ZYGOTE_READY_OPCACHE) != 0;
    return KEEL_IPC_OK;
}

/* --- PHP_INFO --- */

#define PHP_INFO_OPCACHE 0x1u

/* The bytes of t that go on the wire: up to its first NUL, at most
 * KEEL_IPC_PATH_MAX. */
static size_t
wire_len(keel_ipc_text_t t)
{
    size_t n = t.len < KEEL_IPC_PATH_MAX ? t.len : KEEL_IPC_PATH_MAX;
    const char *nul = n ? memchr(t.base, '\0', n) : NULL;
    return nul ? (size_t)(nul - t.base) : n;
}

size_t
keel_ipc_php_info_size(const keel_ipc_php_info_t *m)
{
    return KEEL_IPC_PHP_INFO_FIXED + 2 + wire_len(m->temp_dir) + 2 + wire_len(m->upload_tmp_dir) + 2 +
           wire_len(m->session_save_dir);
}

static size_t
put_text(uint8_t *out, keel_ipc_text_t t)
{
    size_t n = wire_len(t);
    keel_put_u16(out, (uint16_t)n);
    if (n)
        memcpy(out + 2, t.base, n);
    return 2 + n;
}

size_t
keel_ipc_php_info_put(uint8_t *out, const keel_ipc_php_info_t *m)
{
    uint64_t pct;
    memcpy(&pct, &m->opcache_max_wasted_percentage, sizeof(pct));
    keel_put_u64(out, m->memory_limit);
    keel_put_u64(out + 8, m->opcache_memory_consumption);
    keel_put_u64(out + 16, m->opcache_interned_strings_buffer);
    keel_put_u64(out + 24, pct);
    keel_put_u32(out + 32, m->opcache_enabled ? PHP_INFO_OPCACHE : 0);
    size_t o = KEEL_IPC_PHP_INFO_FIXED;
    o += put_text(out + o, m->temp_dir);
    o += put_text(out + o, m->upload_tmp_dir);
    o += put_text(out + o, m->session_save_dir);
    return o;
}

/* Reads one string at *pos; returns -1 when it overruns end, is too long
 * or holds a NUL. */
static int
get_text(const uint8_t **pos, const uint8_t *end, keel_ipc_text_t *t)
{
    if (end - *pos < 2)
        return -1;
    size_t n = keel_get_u16(*pos);
    if (n > KEEL_IPC_PATH_MAX || (size_t)(end - *pos) - 2 < n)
        return -1;
    t->base = (const char *)*pos + 2;
    t->len = n;
    if (n && memchr(t->base, '\0', n) != NULL)
        return -1;
    *pos += 2 + n;
    return 0;
}

keel_ipc_result_t
keel_ipc_php_info_get(const uint8_t *payload, size_t len, keel_ipc_php_info_t *out)
{
    if (len < KEEL_IPC_PHP_INFO_FIXED)
        return KEEL_IPC_MALFORMED;
    uint32_t flags = keel_get_u32(payload + 32);
    if ((flags & ~PHP_INFO_OPCACHE) != 0)
        return KEEL_IPC_MALFORMED;
    const uint8_t *pos = payload + KEEL_IPC_PHP_INFO_FIXED, *end = payload + len;
    if (get_text(&pos, end, &out->temp_dir) != 0 || get_text(&pos, end, &out->upload_tmp_dir) != 0 ||
        get_text(&pos, end, &out->session_save_dir) != 0 || pos != end)
        return KEEL_IPC_MALFORMED;
    uint64_t pct = keel_get_u64(payload + 24);
    out->memory_limit = keel_get_u64(payload);
    out->opcache_memory_consumption = keel_get_u64(payload + 8);
    out->opcache_interned_strings_buffer = keel_get_u64(payload + 16);
    memcpy(&out->opcache_max_wasted_percentage, &pct, sizeof(pct));
    out->opcache_enabled = (flags & PHP_INFO_OPCACHE) != 0;
    return KEEL_IPC_OK;
}
