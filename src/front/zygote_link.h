/*
 * The front's end of a generation's control socket to its zygote
 * (SOCK_SEQPACKET: one frame per message; WORKER_UP carries the worker's
 * socket as SCM_RIGHTS). It reads the zygote's messages, dispatches them
 * through a handler table of the ones a zygote may send (ipc/dispatch.h),
 * decodes each with its codec (ipc/control.h) and reports it to its owner
 * (the generation) as a typed event; it sends the two requests the front
 * makes, SPAWN and BACKTRACE.
 */
#ifndef KEEL_FRONT_ZYGOTE_LINK_H
#define KEEL_FRONT_ZYGOTE_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <h2o.h>

#include "ipc/control.h"
#include "supervisor/pool_policy.h"

typedef struct {
    /* PHP_INFO: the settings the front budgets with (its strings point
     * into the message: copy them). */
    void (*php_info)(void *owner, const keel_ipc_php_info_t *info);
    /* ZYGOTE_READY: PHP is up. */
    void (*ready)(void *owner, bool opcache);
    /* ZYGOTE_FAILED: PHP could not start; message is NUL-terminated. */
    void (*failed)(void *owner, const char *message);
    /* WORKER_UP: the worker `id` was forked; its socket is fd, now the owner's. */
    void (*worker_up)(void *owner, uint32_t id, pid_t pid, int fd);
    /* WORKER_EXIT: the worker `id` was reaped (status as from waitpid), or,
     * with pid 0, could never be started. */
    void (*worker_exit)(void *owner, uint32_t id, pid_t pid, int status);
} keel_zygote_events_t;

typedef struct {
    int fd; /* -1 once closed */
    h2o_socket_t *sock;
    uint32_t generation;
    const keel_zygote_events_t *events;
    void *owner;
} keel_zygote_link_t;

/* Starts reading fd (the front's end of the control socket). Returns 0, or
 * -1 when out of memory. */
int keel_zygote_link_open(keel_zygote_link_t *z, h2o_loop_t *loop, int fd, uint32_t generation,
                          const keel_zygote_events_t *events, void *owner);

/* Closes it: the zygote ends its workers and exits (SIGCHLD tells how).
 * Also what happens when the zygote closes its end. Safe to repeat. */
void keel_zygote_link_close(keel_zygote_link_t *z);

/* Reads and reports what the zygote already wrote: before its exit is
 * handled, so that what it said last (ZYGOTE_FAILED and its reason, a
 * worker's exit) is not lost to the order in which the loop sees the
 * socket and SIGCHLD. */
void keel_zygote_link_drain(keel_zygote_link_t *z);

/* SPAWN: fork worker `id` of `kind` with its claim slot and request limit
 * (0: none). BACKTRACE: log worker id's PHP stack. Each returns 0, or -1
 * with errno (the zygote is gone or stuck). */
int keel_zygote_link_spawn(keel_zygote_link_t *z, uint32_t id, uint32_t claim_slot, keel_pool_kind_t kind,
                           uint32_t request_limit);
int keel_zygote_link_backtrace(keel_zygote_link_t *z, uint32_t id, pid_t pid);

#endif
