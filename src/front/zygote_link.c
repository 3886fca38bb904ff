#include "front/zygote_link.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "ipc/message.h"

/* Reads every message waiting; stops early once the link was closed. */
static void
read_messages(keel_zygote_link_t *z)
{
    while (z->fd >= 0) {
        uint8_t buf[1024];
        struct iovec iov = {buf, sizeof(buf)};
        union {
            char buf[CMSG_SPACE(sizeof(int))];
            struct cmsghdr align;
        } ctrl;
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl.buf, .msg_controllen = sizeof(ctrl)};
        ssize_t n = recvmsg(z->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            /* The zygote closed its end: it is exiting; SIGCHLD tells how. */
            keel_zygote_link_close(z);
            return;
        }
        int fd = -1;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
                memcpy(&fd, CMSG_DATA(c), sizeof(int));

        keel_ipc_header_t hdr;
        const uint8_t *payload;
        size_t size;
        keel_ipc_worker_t wm;
        if (keel_ipc_frame_decode(buf, (size_t)n, &hdr, &payload, &size) != KEEL_IPC_OK) {
            keel_error("malformed message from the zygote of generation %u", z->generation);
        } else {
            switch (hdr.type) {
            case KEEL_IPC_PHP_INFO:
                z->events->php_info(z->owner, payload, hdr.length);
                break;
            case KEEL_IPC_ZYGOTE_READY: {
                uint32_t pid, flags;
                if (keel_ipc_zygote_ready_get(payload, hdr.length, &pid, &flags) == KEEL_IPC_OK)
                    z->events->ready(z->owner, (flags & KEEL_IPC_ZYGOTE_OPCACHE) != 0);
                else
                    keel_error("malformed ZYGOTE_READY from generation %u", z->generation);
                break;
            }
            case KEEL_IPC_ZYGOTE_FAILED: {
                char why[512];
                snprintf(why, sizeof(why), "%.*s", (int)hdr.length, (const char *)payload);
                z->events->failed(z->owner, why);
                break;
            }
            case KEEL_IPC_WORKER_UP:
                if (fd < 0 || keel_ipc_worker_get(payload, hdr.length, &wm) != KEEL_IPC_OK) {
                    keel_error("zygote of generation %u sent an unusable WORKER_UP", z->generation);
                    break;
                }
                z->events->worker_up(z->owner, wm.slot, (pid_t)wm.pid, fd);
                fd = -1; /* the owner's now */
                break;
            case KEEL_IPC_WORKER_EXIT:
                if (keel_ipc_worker_get(payload, hdr.length, &wm) == KEEL_IPC_OK)
                    z->events->worker_exit(z->owner, wm.slot, (pid_t)wm.pid, (int)wm.status);
                else
                    keel_error("malformed WORKER_EXIT from generation %u", z->generation);
                break;
            default: {
                const char *name = keel_ipc_type_name(hdr.type);
                keel_error("unexpected %s message from the zygote of generation %u", name ? name : "unknown",
                           z->generation);
                break;
            }
            }
        }
        if (fd >= 0)
            close(fd);
    }
}

static void
on_readable(h2o_socket_t *sock, const char *err)
{
    keel_zygote_link_t *z = sock->data;
    if (err != NULL) {
        keel_zygote_link_close(z);
        return;
    }
    read_messages(z);
}

int
keel_zygote_link_open(keel_zygote_link_t *z, h2o_loop_t *loop, int fd, uint32_t generation,
                      const keel_zygote_events_t *events, void *owner)
{
    z->fd = fd;
    z->generation = generation;
    z->events = events;
    z->owner = owner;
    z->sock = h2o_evloop_socket_create(loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    if (z->sock == NULL) {
        close(fd);
        z->fd = -1;
        return -1;
    }
    z->sock->data = z;
    h2o_socket_read_start(z->sock, on_readable);
    return 0;
}

void
keel_zygote_link_close(keel_zygote_link_t *z)
{
    if (z->sock != NULL) {
        h2o_socket_close(z->sock);
        z->sock = NULL;
    }
    z->fd = -1;
}

void
keel_zygote_link_drain(keel_zygote_link_t *z)
{
    read_messages(z);
}

/* A small datagram on a local socket: it fits the buffer, and a full
 * buffer would mean a stuck zygote, which the caller reports. */
static int
send_worker_message(keel_zygote_link_t *z, uint8_t type, const keel_ipc_worker_t *about)
{
    if (z->fd < 0) {
        errno = EPIPE;
        return -1;
    }
    uint8_t buf[KEEL_IPC_HEADER_SIZE + KEEL_IPC_WORKER_SIZE];
    keel_ipc_header_t hdr = {.type = type, .generation = z->generation, .length = KEEL_IPC_WORKER_SIZE};
    keel_ipc_header_encode(buf, &hdr);
    keel_ipc_worker_put(buf + KEEL_IPC_HEADER_SIZE, about);
    return send(z->fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)sizeof(buf) ? 0 : -1;
}

int
keel_zygote_link_spawn(keel_zygote_link_t *z, uint32_t id, uint32_t claim_slot, keel_pool_kind_t kind,
                       uint32_t request_limit)
{
    /* SPAWN: the worker's id, its claim slot in the pid field and its kind
     * in the status field. */
    return send_worker_message(
        z, KEEL_IPC_SPAWN,
        &(keel_ipc_worker_t){.slot = id, .pid = claim_slot, .status = (uint32_t)kind, .limit = request_limit});
}

int
keel_zygote_link_backtrace(keel_zygote_link_t *z, uint32_t id, pid_t pid)
{
    return send_worker_message(z, KEEL_IPC_BACKTRACE, &(keel_ipc_worker_t){.slot = id, .pid = (uint32_t)pid});
}
