#include "front/zygote_link.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "ipc/dispatch.h"

/* Each returns 0, or -1 for a payload its codec refuses (logged). */
static int
on_php_info(void *ctx, const keel_ipc_msg_t *m)
{
    keel_zygote_link_t *z = ctx;
    keel_ipc_php_info_t info;
    if (keel_ipc_php_info_get(m->payload, m->hdr.length, &info) != KEEL_IPC_OK)
        return -1;
    z->events->php_info(z->owner, &info);
    return 0;
}

static int
on_ready(void *ctx, const keel_ipc_msg_t *m)
{
    keel_zygote_link_t *z = ctx;
    keel_ipc_zygote_ready_t r;
    if (keel_ipc_zygote_ready_get(m->payload, m->hdr.length, &r) != KEEL_IPC_OK)
        return -1;
    z->events->ready(z->owner, r.opcache);
    return 0;
}

static int
on_failed(void *ctx, const keel_ipc_msg_t *m)
{
    keel_zygote_link_t *z = ctx;
    char why[512];
    snprintf(why, sizeof(why), "%.*s", (int)m->hdr.length, (const char *)m->payload);
    z->events->failed(z->owner, why);
    return 0;
}

static int
on_worker_up(void *ctx, const keel_ipc_msg_t *m)
{
    keel_zygote_link_t *z = ctx;
    keel_ipc_worker_up_t up;
    if (m->fd < 0 || keel_ipc_worker_up_get(m->payload, m->hdr.length, &up) != KEEL_IPC_OK) {
        if (m->fd >= 0)
            close(m->fd);
        return -1;
    }
    z->events->worker_up(z->owner, up.id, (pid_t)up.pid, m->fd); /* the fd is the owner's now */
    return 0;
}

static int
on_worker_exit(void *ctx, const keel_ipc_msg_t *m)
{
    keel_zygote_link_t *z = ctx;
    keel_ipc_worker_exit_t e;
    if (keel_ipc_worker_exit_get(m->payload, m->hdr.length, &e) != KEEL_IPC_OK)
        return -1;
    z->events->worker_exit(z->owner, e.id, (pid_t)e.pid, e.wait_status);
    return 0;
}

/* What a zygote may send the front. */
static const keel_ipc_handlers_t from_zygote = {
    .on =
        {
            [KEEL_IPC_INDEX_PHP_INFO] = on_php_info,
            [KEEL_IPC_INDEX_ZYGOTE_READY] = on_ready,
            [KEEL_IPC_INDEX_ZYGOTE_FAILED] = on_failed,
            [KEEL_IPC_INDEX_WORKER_UP] = on_worker_up,
            [KEEL_IPC_INDEX_WORKER_EXIT] = on_worker_exit,
        },
};

/* Reads every message waiting; stops early once the link was closed. */
static void
read_messages(keel_zygote_link_t *z)
{
    while (z->fd >= 0) {
        uint8_t buf[KEEL_IPC_CONTROL_MAX];
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
        keel_ipc_msg_t m = {.fd = -1};
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
                memcpy(&m.fd, CMSG_DATA(c), sizeof(int));
        size_t size;
        int rc = 0;
        if (keel_ipc_frame_decode(buf, (size_t)n, &m.hdr, &m.payload, &size) != KEEL_IPC_OK) {
            keel_error("malformed message from the zygote of generation %u", z->generation);
        } else if (keel_ipc_dispatch(&from_zygote, z, &m, &rc) != KEEL_IPC_OK) {
            const char *name = keel_ipc_type_name(m.hdr.type);
            keel_error("unexpected %s message from the zygote of generation %u", name ? name : "unknown",
                       z->generation);
        } else if (rc != 0) {
            keel_error("malformed %s message from the zygote of generation %u", keel_ipc_type_name(m.hdr.type),
                       z->generation);
            m.fd = -1; /* its handler closed it */
        } else if (m.hdr.type == KEEL_IPC_WORKER_UP) {
            m.fd = -1; /* the owner's now */
        }
        if (m.fd >= 0)
            close(m.fd);
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
send_control(keel_zygote_link_t *z, uint8_t type, const uint8_t *payload, size_t len)
{
    if (z->fd < 0) {
        errno = EPIPE;
        return -1;
    }
    uint8_t buf[KEEL_IPC_HEADER_SIZE + KEEL_IPC_SPAWN_SIZE];
    if (len > sizeof(buf) - KEEL_IPC_HEADER_SIZE) {
        errno = EMSGSIZE;
        return -1;
    }
    keel_ipc_header_t hdr = {.type = type, .generation = z->generation, .length = (uint32_t)len};
    keel_ipc_header_encode(buf, &hdr);
    memcpy(buf + KEEL_IPC_HEADER_SIZE, payload, len);
    ssize_t want = (ssize_t)(KEEL_IPC_HEADER_SIZE + len);
    return send(z->fd, buf, (size_t)want, MSG_DONTWAIT | MSG_NOSIGNAL) == want ? 0 : -1;
}

int
keel_zygote_link_spawn(keel_zygote_link_t *z, uint32_t id, uint32_t claim_slot, keel_pool_kind_t kind,
                       uint32_t request_limit)
{
    uint8_t p[KEEL_IPC_SPAWN_SIZE];
    keel_ipc_spawn_put(
        p, &(keel_ipc_spawn_t){.id = id,
                               .claim_slot = claim_slot,
                               .kind = kind == KEEL_POOL_WORKER ? KEEL_IPC_KIND_WORKER : KEEL_IPC_KIND_CLASSIC,
                               .request_limit = request_limit});
    return send_control(z, KEEL_IPC_SPAWN, p, sizeof(p));
}

int
keel_zygote_link_backtrace(keel_zygote_link_t *z, uint32_t id, pid_t pid)
{
    uint8_t p[KEEL_IPC_BACKTRACE_SIZE];
    keel_ipc_backtrace_put(p, &(keel_ipc_backtrace_t){.id = id, .pid = pid > 0 ? (uint32_t)pid : 0});
    return send_control(z, KEEL_IPC_BACKTRACE, p, sizeof(p));
}
