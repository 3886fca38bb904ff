/*
 * Handler tables: which messages a process accepts, and what it does with
 * each. As Unit's nxt_port_handlers_t, a table has one slot per entry of
 * KEEL_IPC_MESSAGES (indexed by keel_ipc_index_t), so adding a message
 * adds a slot everywhere and no number is written twice. Each receiver
 * fills a static const table with designated initialisers, naming only
 * the messages it accepts:
 *
 *   static const keel_ipc_handlers_t zygote_handlers = {
 *       .on = {[KEEL_IPC_INDEX_SPAWN] = on_spawn, [KEEL_IPC_INDEX_BACKTRACE] = on_backtrace},
 *   };
 *
 * Every other slot is NULL: a message the process is never sent. Pure, no
 * I/O: the receiver reads and decodes frames itself.
 */
#ifndef KEEL_IPC_DISPATCH_H
#define KEEL_IPC_DISPATCH_H

#include <stdint.h>

#include "ipc/frame.h"

/* One received frame as its handler sees it. */
typedef struct {
    keel_ipc_header_t hdr;
    const uint8_t *payload; /* hdr.length bytes, valid until the receiver reads again */
    int fd;                 /* a descriptor that came with it (SCM_RIGHTS), else -1; the handler owns it */
} keel_ipc_msg_t;

/* ctx is the receiver's own state, passed through. What the return value
 * means is up to the receiver: the handlers of one table agree on it. */
typedef int (*keel_ipc_handler_t)(void *ctx, const keel_ipc_msg_t *msg);

typedef struct {
    keel_ipc_handler_t on[KEEL_IPC_MESSAGE_COUNT]; /* by keel_ipc_index_t; NULL: not accepted */
} keel_ipc_handlers_t;

/* The handler table holds for type, or NULL when the table does not accept
 * it (a number KEEL_IPC_MESSAGES does not hold included). */
keel_ipc_handler_t keel_ipc_handler(const keel_ipc_handlers_t *table, unsigned type);

/*
 * Runs msg's handler from table with ctx. Returns KEEL_IPC_OK with the
 * handler's return value in *rc, or KEEL_IPC_MALFORMED without running
 * anything (and with *rc untouched) when table does not accept msg's
 * type: the caller treats that as a protocol violation by its peer.
 */
keel_ipc_result_t keel_ipc_dispatch(const keel_ipc_handlers_t *table, void *ctx, const keel_ipc_msg_t *msg, int *rc);

#endif
