/*
 * Fuzzes the IPC decoders: the input is a byte stream of frames as a peer
 * would send it. Each frame that decodes has its payload run through the
 * codec for its type; whatever decodes is encoded again and must give back
 * the same bytes. Rejections are checked against the documented rules, so
 * a decoder that refuses good input is caught as well as one that accepts
 * bad input.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "ipc/frame.h"
#include "ipc/message.h"

/* Little-endian reads written independently of ipc/bytes.h. */
static uint32_t
le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned
le16(const uint8_t *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* Walks a name/value list to its end, re-encoding each entry. */
static void
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

static void
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

static void
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

static void
check_worker(const uint8_t *p, size_t len)
{
    keel_ipc_worker_t w;
    keel_ipc_result_t res = keel_ipc_worker_get(p, len, &w);
    CHECK((res == KEEL_IPC_OK) == (len == KEEL_IPC_WORKER_SIZE));
    if (res != KEEL_IPC_OK) {
        CHECK(res == KEEL_IPC_MALFORMED);
        return;
    }
    CHECK(w.slot == le32(p) && w.pid == le32(p + 4) && w.status == le32(p + 8));
    uint8_t re[KEEL_IPC_WORKER_SIZE];
    keel_ipc_worker_put(re, &w);
    CHECK(memcmp(re, p, sizeof(re)) == 0);
}

static void
check_zygote_ready(const uint8_t *p, size_t len)
{
    uint32_t pid, flags;
    keel_ipc_result_t res = keel_ipc_zygote_ready_get(p, len, &pid, &flags);
    CHECK((res == KEEL_IPC_OK) == (len == KEEL_IPC_ZYGOTE_READY_SIZE));
    if (res != KEEL_IPC_OK) {
        CHECK(res == KEEL_IPC_MALFORMED);
        return;
    }
    uint8_t re[KEEL_IPC_ZYGOTE_READY_SIZE];
    keel_ipc_zygote_ready_put(re, pid, flags);
    CHECK(memcmp(re, p, sizeof(re)) == 0);
}

static void
check_payload(const keel_ipc_header_t *hdr, const uint8_t *payload)
{
    /* A copy of exactly the payload: reading past it must be caught even
     * though more of the stream follows in the input. */
    uint8_t *p = fuzz_dup(payload, hdr->length);
    switch (hdr->type) {
    case KEEL_IPC_REQUEST: {
        keel_ipc_kv_reader_t r = {p, p + hdr->length};
        check_kv_list(r);
        break;
    }
    case KEEL_IPC_RESP_HEAD:
        check_resp_head(p, hdr->length);
        break;
    case KEEL_IPC_REQ_DONE:
        check_stats(p, hdr->length);
        break;
    case KEEL_IPC_SPAWN:
    case KEEL_IPC_WORKER_UP:
    case KEEL_IPC_WORKER_EXIT:
        check_worker(p, hdr->length);
        break;
    case KEEL_IPC_ZYGOTE_READY:
        check_zygote_ready(p, hdr->length);
        break;
    default:
        break; /* opaque bytes (bodies, messages) or no payload */
    }
    free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0;
    while (off < size) {
        const uint8_t *buf = data + off;
        size_t left = size - off;
        keel_ipc_header_t hdr;
        const uint8_t *payload = NULL;
        size_t frame_size = 0;
        keel_ipc_result_t res = keel_ipc_frame_decode(buf, left, &hdr, &payload, &frame_size);

        int header_ok = left >= KEEL_IPC_HEADER_SIZE && keel_ipc_type_name(buf[0]) != NULL && buf[2] == 0 &&
                        buf[3] == 0 && le32(buf + 12) <= KEEL_IPC_MAX_PAYLOAD;
        if (res == KEEL_IPC_NEED_MORE) {
            CHECK(left < KEEL_IPC_HEADER_SIZE || (header_ok && left - KEEL_IPC_HEADER_SIZE < le32(buf + 12)));
            break;
        }
        if (res == KEEL_IPC_MALFORMED) {
            CHECK(left >= KEEL_IPC_HEADER_SIZE && !header_ok);
            break;
        }
        CHECK(res == KEEL_IPC_OK);
        CHECK(header_ok);
        CHECK(hdr.type == buf[0] && hdr.flags == buf[1]);
        CHECK(hdr.generation == le32(buf + 4) && hdr.stream == le32(buf + 8) && hdr.length == le32(buf + 12));
        CHECK(payload == buf + KEEL_IPC_HEADER_SIZE);
        CHECK(frame_size == KEEL_IPC_HEADER_SIZE + (size_t)hdr.length && frame_size <= left);

        uint8_t re[KEEL_IPC_HEADER_SIZE];
        keel_ipc_header_encode(re, &hdr);
        CHECK(memcmp(re, buf, KEEL_IPC_HEADER_SIZE) == 0);

        check_payload(&hdr, payload);
        off += frame_size;
    }
    return 0;
}
