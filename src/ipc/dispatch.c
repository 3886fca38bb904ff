#include "ipc/dispatch.h"

#include <stddef.h>

keel_ipc_handler_t
keel_ipc_handler(const keel_ipc_handlers_t *table, unsigned type)
{
    int i = keel_ipc_index(type);
    return i < 0 ? NULL : table->on[i];
}

keel_ipc_result_t
keel_ipc_dispatch(const keel_ipc_handlers_t *table, void *ctx, const keel_ipc_msg_t *msg, int *rc)
{
    keel_ipc_handler_t h = keel_ipc_handler(table, msg->hdr.type);
    if (h == NULL)
        return KEEL_IPC_MALFORMED;
    *rc = h(ctx, msg);
    return KEEL_IPC_OK;
}
