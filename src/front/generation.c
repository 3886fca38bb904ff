/*
 * Starting a generation: the front re-executes its own binary as
 * `keel zygote N <serve options>`, so PHP is initialised in a fresh
 * process image rather than in a fork of the front. The control socket
 * is SOCK_SEQPACKET: one frame per message, and WORKER_UP carries the
 * worker's socket as SCM_RIGHTS.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "front/front.h"
#include "worker/zygote.h"

static void
on_control(h2o_socket_t *sock, const char *err)
{
    keel_front_t *f = sock->data;
    if (err != NULL)
        goto Gone;
    for (;;) {
        uint8_t buf[1024];
        struct iovec iov = {buf, sizeof(buf)};
        union {
            char buf[CMSG_SPACE(sizeof(int))];
            struct cmsghdr align;
        } ctrl;
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl.buf, .msg_controllen = sizeof(ctrl)};
        ssize_t n = recvmsg(f->gen.ctl_fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            if (errno == EINTR)
                continue;
            goto Gone;
        }
        if (n == 0)
            goto Gone;
        int fd = -1;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
                memcpy(&fd, CMSG_DATA(c), sizeof(int));

        keel_ipc_header_t hdr;
        const uint8_t *payload;
        size_t size;
        keel_ipc_worker_t w;
        if (keel_ipc_frame_decode(buf, (size_t)n, &hdr, &payload, &size) != KEEL_IPC_OK) {
            keel_error("malformed message from the zygote");
            if (fd >= 0)
                close(fd);
            continue;
        }
        switch (hdr.type) {
        case KEEL_IPC_ZYGOTE_READY: {
            uint32_t pid, flags;
            if (keel_ipc_zygote_ready_get(payload, hdr.length, &pid, &flags) == KEEL_IPC_OK) {
                f->gen.opcache = (flags & KEEL_IPC_ZYGOTE_OPCACHE) != 0;
                f->gen.state = KEEL_GEN_READY;
                keel_front_on_generation_ready(f);
            }
            break;
        }
        case KEEL_IPC_ZYGOTE_FAILED: {
            char why[512];
            snprintf(why, sizeof(why), "%.*s", (int)hdr.length, (const char *)payload);
            keel_front_on_generation_failed(f, why);
            break;
        }
        case KEEL_IPC_WORKER_UP:
            if (fd < 0 || keel_ipc_worker_get(payload, hdr.length, &w) != KEEL_IPC_OK) {
                keel_error("zygote sent a worker without its socket");
                if (fd >= 0)
                    close(fd);
                break;
            }
            keel_pool_worker_up(f, w.slot, (pid_t)w.pid, fd);
            fd = -1;
            break;
        case KEEL_IPC_WORKER_EXIT:
            if (keel_ipc_worker_get(payload, hdr.length, &w) == KEEL_IPC_OK)
                keel_pool_worker_exit(f, w.slot, (pid_t)w.pid, (int)w.status);
            break;
        default:
            keel_error("unexpected %s message from the zygote", keel_ipc_type_name(hdr.type));
            break;
        }
        if (fd >= 0)
            close(fd);
        if (f->gen.ctl_sock == NULL)
            return;
    }
Gone:
    /* The zygote closed its end: it is exiting. SIGCHLD reports how. */
    h2o_socket_close(f->gen.ctl_sock);
    f->gen.ctl_sock = NULL;
    f->gen.ctl_fd = -1;
}

int
keel_generation_start(keel_front_t *f, char *err, size_t errlen)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        snprintf(err, errlen, "socketpair: %s", strerror(errno));
        return -1;
    }
    f->gen.number++;
    char gen[16];
    snprintf(gen, sizeof(gen), "%u", f->gen.number);

    char **argv = calloc((size_t)f->argc + 4, sizeof(char *));
    if (argv == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    argv[0] = "keel";
    argv[1] = "zygote";
    argv[2] = gen;
    for (int i = 0; i < f->argc; i++)
        argv[3 + i] = f->argv[i];

    pid_t front = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        free(argv);
        return -1;
    }
    if (pid == 0) {
        /* Die with the front, even when it is SIGKILLed: no orphans. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != front)
            _exit(1);
        /* Own process group: a terminal's Ctrl-C reaches only the front,
         * which then shuts the generation down in order. */
        setpgid(0, 0);
        if (dup2(sv[1], KEEL_ZYGOTE_CONTROL_FD) < 0)
            _exit(1);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execv("/proc/self/exe", argv);
        fprintf(stderr, "keel: cannot start the zygote: exec /proc/self/exe: %s\n", strerror(errno));
        _exit(127);
    }
    free(argv);
    close(sv[1]);
    f->gen.zygote_pid = pid;
    f->gen.ctl_fd = sv[0];
    f->gen.state = KEEL_GEN_STARTING;
    f->gen.ctl_sock = h2o_evloop_socket_create(f->loop, sv[0], H2O_SOCKET_FLAG_DONT_READ);
    f->gen.ctl_sock->data = f;
    h2o_socket_read_start(f->gen.ctl_sock, on_control);
    return 0;
}

void
keel_generation_spawn(keel_front_t *f, unsigned slot)
{
    if (f->gen.ctl_fd < 0)
        return;
    uint8_t buf[KEEL_IPC_HEADER_SIZE + KEEL_IPC_WORKER_SIZE];
    keel_ipc_header_t hdr = {.type = KEEL_IPC_SPAWN, .generation = f->gen.number, .length = KEEL_IPC_WORKER_SIZE};
    keel_ipc_header_encode(buf, &hdr);
    keel_ipc_worker_put(buf + KEEL_IPC_HEADER_SIZE, &(keel_ipc_worker_t){.slot = slot});
    /* Small datagram on a local socket: it fits the buffer, and a full
     * buffer would mean a stuck zygote, which the log reports. */
    if (send(f->gen.ctl_fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)sizeof(buf))
        keel_error("cannot ask the zygote for a worker: %s", strerror(errno));
}

void
keel_generation_stop(keel_front_t *f)
{
    if (f->gen.ctl_sock != NULL) {
        /* Closing the control socket tells the zygote to wind down. */
        h2o_socket_close(f->gen.ctl_sock);
        f->gen.ctl_sock = NULL;
        f->gen.ctl_fd = -1;
    }
    f->gen.state = KEEL_GEN_STOPPING;
}
