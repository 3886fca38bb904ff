#include "ipc/frame.h"

#include "ipc/bytes.h"

/* The header carries the type in one byte, and 0 is no message. */
#define KEEL_IPC_FITS(name, num, doc) _Static_assert((num) > 0 && (num) < 256, #name "'s number must fit a u8");
KEEL_IPC_MESSAGES(KEEL_IPC_FITS)
#undef KEEL_IPC_FITS

static const char *const type_names[KEEL_IPC_MESSAGE_COUNT] = {
#define KEEL_IPC_NAME(name, num, doc) [KEEL_IPC_INDEX_##name] = #name,
    KEEL_IPC_MESSAGES(KEEL_IPC_NAME)
#undef KEEL_IPC_NAME
};

int
keel_ipc_index(unsigned type)
{
    /* A switch: two entries with one number fail to compile. */
    switch (type) {
#define KEEL_IPC_CASE(name, num, doc)                                                                                  \
    case num:                                                                                                          \
        return KEEL_IPC_INDEX_##name;
        KEEL_IPC_MESSAGES(KEEL_IPC_CASE)
#undef KEEL_IPC_CASE
    }
    return -1;
}

const char *
keel_ipc_type_name(unsigned type)
{
    int i = keel_ipc_index(type);
    return i < 0 ? NULL : type_names[i];
}

void
keel_ipc_header_encode(uint8_t out[KEEL_IPC_HEADER_SIZE], const keel_ipc_header_t *hdr)
{
    out[0] = hdr->type;
    out[1] = hdr->flags;
    out[2] = 0;
    out[3] = 0;
    keel_put_u32(out + 4, hdr->generation);
    keel_put_u32(out + 8, hdr->stream);
    keel_put_u32(out + 12, hdr->length);
}

keel_ipc_result_t
keel_ipc_frame_decode(const uint8_t *buf, size_t len, keel_ipc_header_t *hdr, const uint8_t **payload,
                      size_t *frame_size)
{
    if (len < KEEL_IPC_HEADER_SIZE)
        return KEEL_IPC_NEED_MORE;
    /* Validate the header before waiting for its payload, so a corrupt
     * length is reported at once instead of stalling the stream. */
    if (keel_ipc_type_name(buf[0]) == NULL || buf[2] != 0 || buf[3] != 0)
        return KEEL_IPC_MALFORMED;
    uint32_t length = keel_get_u32(buf + 12);
    if (length > KEEL_IPC_MAX_PAYLOAD)
        return KEEL_IPC_MALFORMED;
    if (len - KEEL_IPC_HEADER_SIZE < length)
        return KEEL_IPC_NEED_MORE;
    hdr->type = buf[0];
    hdr->flags = buf[1];
    hdr->generation = keel_get_u32(buf + 4);
    hdr->stream = keel_get_u32(buf + 8);
    hdr->length = length;
    *payload = buf + KEEL_IPC_HEADER_SIZE;
    *frame_size = KEEL_IPC_HEADER_SIZE + (size_t)length;
    return KEEL_IPC_OK;
}
