/*
 * Fuzzes the IPC frame decoder: the input is a byte stream of frames as a
 * peer would send it. Each frame that decodes has its payload run through
 * the codec for its type (ipc_payload.h); its header is encoded again and
 * must give back the same bytes, and a rejected header is checked against
 * the documented rules. fuzz_ipc_message reaches the payload codecs more
 * directly.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "ipc/frame.h"
#include "ipc_payload.h"

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

        ipc_check_payload(hdr.type, payload, hdr.length);
        off += frame_size;
    }
    return 0;
}
