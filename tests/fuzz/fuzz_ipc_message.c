/*
 * Fuzzes every IPC payload decoder directly: the first input byte picks a
 * message of KEEL_IPC_MESSAGES (by its dense index, modulo the count), the
 * rest is its payload. The codec checks are ipc_payload.h's. The same
 * message also goes through keel_ipc_dispatch with a table accepting the
 * messages of even index only, whose answer is checked against the table.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_check.h"
#include "ipc/dispatch.h"
#include "ipc_payload.h"

static const unsigned listed[] = {
#define FUZZ_LISTED(name, num, doc) num,
    KEEL_IPC_MESSAGES(FUZZ_LISTED)
#undef FUZZ_LISTED
};

static int
on_even(void *ctx, const keel_ipc_msg_t *msg)
{
    *(unsigned *)ctx = msg->hdr.type;
    return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t index = data[0] % KEEL_IPC_MESSAGE_COUNT;
    unsigned type = listed[index];
    CHECK(keel_ipc_index(type) == (int)index);
    ipc_check_payload(type, data + 1, size - 1);

    keel_ipc_handlers_t even = {{0}};
    for (size_t i = 0; i < KEEL_IPC_MESSAGE_COUNT; i += 2)
        even.on[i] = on_even;
    /* The raw first byte as a type number too: most are not listed. */
    const unsigned types[] = {type, data[0]};
    for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
        keel_ipc_msg_t msg = {
            .hdr = {.type = (uint8_t)types[t], .length = (uint32_t)(size - 1)}, .payload = data + 1, .fd = -1};
        unsigned seen = 0;
        int rc = 0;
        keel_ipc_result_t r = keel_ipc_dispatch(&even, &seen, &msg, &rc);
        int i = keel_ipc_index(types[t]);
        if (i >= 0 && i % 2 == 0) {
            CHECK(r == KEEL_IPC_OK && rc == 1 && seen == types[t]);
        } else {
            CHECK(r == KEEL_IPC_MALFORMED && rc == 0 && seen == 0);
        }
    }
    return 0;
}
