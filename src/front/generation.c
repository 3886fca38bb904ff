/*
 * Generations. Each is a zygote — the front re-executes its own binary as
 * `keel zygote N <serve options>`, so PHP is initialised in a fresh process
 * image — and the workers it forks. The control socket is SOCK_SEQPACKET:
 * one frame per message, and WORKER_UP carries the worker's socket as
 * SCM_RIGHTS.
 *
 * A reload starts generation N+1 beside N. When all of N+1's workers are
 * ready, new requests go to N+1 and N drains: its idle workers close, its
 * busy ones finish their request first; when none is left its zygote is
 * told to go, and with it OPcache's shared memory. If N+1 cannot start, N
 * never stops serving.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "ipc/queue.h"
#include "front/front.h"
#include "supervisor/backoff.h"
#include "worker/zygote.h"

static void fail_incoming(keel_generation_t *g, const char *why);
static int warm_up(keel_generation_t *g);
static void schedule_spawn(keel_generation_t *g, keel_pool_kind_t kind, uint64_t delay_ms);
static void cancel_pending_spawns(keel_generation_t *g);

static keel_front_worker_t *
find_worker(keel_generation_t *g, uint32_t id)
{
    for (h2o_linklist_t *l = g->workers.next; l != &g->workers; l = l->next) {
        keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, gen_link, l);
        if (w->id == id)
            return w;
    }
    return NULL;
}

static unsigned
target_count(const keel_front_t *f, keel_pool_kind_t kind)
{
    if (f->cfg.worker_script == NULL)
        return kind == KEEL_POOL_CLASSIC ? f->cfg.workers : 0;
    return kind == KEEL_POOL_WORKER ? f->cfg.workers : f->cfg.classic_workers;
}

/* --- control messages from the zygote --- */

static void
on_zygote_ready(keel_generation_t *g)
{
    keel_front_t *f = g->front;
    for (int k = 0; k < KEEL_POOL_KINDS; k++)
        for (unsigned i = 0; i < target_count(f, (keel_pool_kind_t)k); i++)
            keel_generation_spawn(g, (keel_pool_kind_t)k);
}

static void
on_control(h2o_socket_t *sock, const char *err)
{
    keel_generation_t *g = sock->data;
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
        ssize_t n = recvmsg(g->ctl_fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
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
        keel_ipc_worker_t wm;
        keel_front_worker_t *w;
        if (keel_ipc_frame_decode(buf, (size_t)n, &hdr, &payload, &size) != KEEL_IPC_OK) {
            keel_error("malformed message from the zygote of generation %u", g->number);
            if (fd >= 0)
                close(fd);
            continue;
        }
        switch (hdr.type) {
        case KEEL_IPC_PHP_INFO:
            keel_memory_php_info(g, payload, hdr.length);
            break;
        case KEEL_IPC_ZYGOTE_READY: {
            uint32_t pid, flags;
            if (keel_ipc_zygote_ready_get(payload, hdr.length, &pid, &flags) == KEEL_IPC_OK) {
                g->opcache = (flags & KEEL_IPC_ZYGOTE_OPCACHE) != 0;
                char why[1024];
                /* The first generation decides the pool size and checks the
                 * budget before any worker exists. */
                if (g->front->active == NULL && !g->front->budget_known &&
                    keel_memory_budget(g->front, g, why, sizeof(why)) != 0) {
                    keel_error("%s", why);
                    g->front->exit_code = 2;
                    fail_incoming(g, "the memory budget does not fit");
                    break;
                }
                on_zygote_ready(g);
            }
            break;
        }
        case KEEL_IPC_ZYGOTE_FAILED: {
            char why[512];
            snprintf(why, sizeof(why), "PHP failed to start: %.*s", (int)hdr.length, (const char *)payload);
            fail_incoming(g, why);
            break;
        }
        case KEEL_IPC_WORKER_UP:
            if (fd < 0 || keel_ipc_worker_get(payload, hdr.length, &wm) != KEEL_IPC_OK ||
                (w = find_worker(g, wm.slot)) == NULL || w->state != KEEL_WORKER_STARTING) {
                keel_error("zygote sent an unexpected worker");
                break;
            }
            keel_worker_up(w, (pid_t)wm.pid, fd);
            fd = -1;
            break;
        case KEEL_IPC_WORKER_EXIT:
            if (keel_ipc_worker_get(payload, hdr.length, &wm) != KEEL_IPC_OK || (w = find_worker(g, wm.slot)) == NULL)
                break;
            if (wm.pid == 0)
                keel_worker_not_started(w);
            else
                keel_worker_exited(w, (int)wm.status);
            break;
        default:
            keel_error("unexpected %s message from the zygote", keel_ipc_type_name(hdr.type));
            break;
        }
        if (fd >= 0)
            close(fd);
        if (g->ctl_sock == NULL)
            return;
    }
Gone:
    /* The zygote closed its end: it is exiting. SIGCHLD reports how. */
    h2o_socket_close(g->ctl_sock);
    g->ctl_sock = NULL;
    g->ctl_fd = -1;
}

/* --- starting --- */

keel_generation_t *
keel_generation_start(keel_front_t *f, char *err, size_t errlen)
{
    keel_generation_t *g = calloc(1, sizeof(*g));
    if (g == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        snprintf(err, errlen, "socketpair: %s", strerror(errno));
        free(g);
        return NULL;
    }
    int child_fds[3];
    if (keel_handoff_open(g, child_fds, err, errlen) != 0) {
        close(sv[0]);
        close(sv[1]);
        free(g);
        return NULL;
    }
    g->front = f;
    g->number = ++f->last_generation;
    g->state = KEEL_GEN_STARTING;
    g->started_ms = keel_now_ms();
    h2o_linklist_init_anchor(&g->workers);
    h2o_linklist_init_anchor(&g->pending_spawns);
    for (int k = 0; k < KEEL_POOL_KINDS; k++)
        h2o_linklist_init_anchor(&g->idle[k]);

    char gen[16];
    snprintf(gen, sizeof(gen), "%u", g->number);
    char **argv = calloc((size_t)f->argc + 4, sizeof(char *));
    if (argv == NULL) {
        snprintf(err, errlen, "out of memory");
        close(sv[0]);
        close(sv[1]);
        close(child_fds[2]);
        keel_handoff_close(g);
        free(g);
        return NULL;
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
        close(sv[0]);
        close(sv[1]);
        close(child_fds[2]);
        keel_handoff_close(g);
        free(g);
        return NULL;
    }
    if (pid == 0) {
        /* Die with the front, even when it is SIGKILLed: no orphans. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != front)
            _exit(1);
        /* Own process group: a terminal's Ctrl-C reaches only the front,
         * which then shuts the generation down in order. */
        if (setpgid(0, 0) != 0)
            fprintf(stderr, "keel: zygote: setpgid: %s\n", strerror(errno));
        /* The zygote's fds at fixed numbers: first out of the way (a source
         * may sit on a target's number), then in place, inherited by exec. */
        int from[4] = {sv[1], child_fds[KEEL_POOL_CLASSIC], child_fds[KEEL_POOL_WORKER], child_fds[2]};
        const int to[4] = {KEEL_ZYGOTE_CONTROL_FD, KEEL_QUEUE_FD_CLASSIC, KEEL_QUEUE_FD_WORKER, KEEL_QUEUE_CLAIMS_FD};
        for (int i = 0; i < 4; i++)
            if ((from[i] = fcntl(from[i], F_DUPFD_CLOEXEC, 64)) < 0)
                _exit(1);
        for (int i = 0; i < 4; i++)
            if (dup2(from[i], to[i]) < 0)
                _exit(1);
        sigset_t none;
        sigemptyset(&none);
        if (sigprocmask(SIG_SETMASK, &none, NULL) != 0)
            _exit(1);
        /* The zygote and its workers run at keel's own priority, not at the
         * front's raised one (lowering one's priority is always allowed). */
        if (f->priority_raised && setpriority(PRIO_PROCESS, 0, f->worker_nice) != 0) {
            fprintf(stderr, "keel: zygote: setpriority: %s\n", strerror(errno));
            _exit(1);
        }
        execv("/proc/self/exe", argv);
        fprintf(stderr, "keel: cannot start the zygote: exec /proc/self/exe: %s\n", strerror(errno));
        _exit(127);
    }
    free(argv);
    close(sv[1]);
    if (close(child_fds[2]) != 0) /* mapped: the descriptor is not needed */
        keel_warn("closing the claim slots' descriptor: %s", strerror(errno));
    g->zygote_pid = pid;
    g->ctl_fd = sv[0];
    g->ctl_sock = h2o_evloop_socket_create(f->loop, sv[0], H2O_SOCKET_FLAG_DONT_READ);
    g->ctl_sock->data = g;
    h2o_socket_read_start(g->ctl_sock, on_control);
    h2o_linklist_insert(&f->generations, &g->link);
    return g;
}

/* Sends a control message about a worker to g's zygote. A small datagram
 * on a local socket: it fits the buffer, and a full buffer would mean a
 * stuck zygote, which the caller reports. Returns 0, or -1 with errno. */
static int
send_control(keel_generation_t *g, uint8_t type, const keel_ipc_worker_t *about)
{
    uint8_t buf[KEEL_IPC_HEADER_SIZE + KEEL_IPC_WORKER_SIZE];
    keel_ipc_header_t hdr = {.type = type, .generation = g->number, .length = KEEL_IPC_WORKER_SIZE};
    keel_ipc_header_encode(buf, &hdr);
    keel_ipc_worker_put(buf + KEEL_IPC_HEADER_SIZE, about);
    return send(g->ctl_fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)sizeof(buf) ? 0 : -1;
}

keel_front_worker_t *
keel_generation_spawn(keel_generation_t *g, keel_pool_kind_t kind)
{
    if (g->ctl_fd < 0)
        return NULL;
    keel_front_worker_t *w = keel_worker_new(g, kind);
    if (w == NULL) {
        keel_error("out of memory starting a worker");
        return NULL;
    }
    /* SPAWN: the worker's id, and in the status field its kind. */
    if (send_control(g, KEEL_IPC_SPAWN,
                     &(keel_ipc_worker_t){.slot = w->id,
                                          .pid = w->claim_slot,
                                          .status = (uint32_t)kind,
                                          .limit = w->request_limit > UINT32_MAX ? 0 : (uint32_t)w->request_limit}) !=
        0) {
        keel_error("cannot ask the zygote for a worker: %s", strerror(errno));
        w->exited = true;
        w->state = KEEL_WORKER_GONE;
        keel_worker_free(w);
        return NULL;
    }
    return w;
}

/* Five workers dying on their own within this window is a crash loop. */
#define CRASH_WINDOW_MS 10000

void
keel_generation_replace(keel_generation_t *g, keel_pool_kind_t kind, bool unexpected)
{
    uint64_t now = keel_now_ms();
    size_t ring = sizeof(g->deaths) / sizeof(g->deaths[0]);
    if (!unexpected) {
        keel_generation_spawn(g, kind);
        return;
    }
    uint64_t oldest = g->deaths[g->deaths_next];
    g->deaths[g->deaths_next] = now;
    g->deaths_next = (g->deaths_next + 1) % (unsigned)ring;
    if (oldest == 0 || now - oldest > CRASH_WINDOW_MS) {
        g->crash_streak = 0;
        keel_generation_spawn(g, kind);
        return;
    }
    /* Never spin: restart after a growing delay, and say so. */
    uint64_t delay = keel_backoff_delay_ms(++g->crash_streak);
    keel_error("generation %u: %zu workers went away within %us; restarting a %s worker in %llu ms", g->number, ring,
               CRASH_WINDOW_MS / 1000, keel_pool_name(kind), (unsigned long long)delay);
    schedule_spawn(g, kind, delay);
}

void
keel_generation_backtrace(keel_front_worker_t *w)
{
    keel_generation_t *g = w->gen;
    if (g->ctl_fd < 0)
        return;
    if (send_control(g, KEEL_IPC_BACKTRACE, &(keel_ipc_worker_t){.slot = w->id, .pid = (uint32_t)w->pid}) != 0)
        keel_warn("cannot ask for worker %u's backtrace: %s", w->id, strerror(errno));
}

/* --- becoming active --- */

static unsigned
ready_workers(const keel_generation_t *g, keel_pool_kind_t kind)
{
    unsigned n = 0;
    for (h2o_linklist_t *l = g->workers.next; l != &g->workers; l = l->next) {
        keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, gen_link, l);
        if (w->kind == kind && (w->state == KEEL_WORKER_IDLE || w->state == KEEL_WORKER_BUSY) && !w->retiring)
            n++;
    }
    return n;
}

static void
notify_reload(keel_front_t *f, uint32_t generation, const char *error)
{
    keel_reload_cb cb = f->reload_cb;
    void *data = f->reload_data;
    f->reload_cb = NULL;
    f->reload_data = NULL;
    if (cb != NULL)
        cb(data, generation, error);
}

static void
activate(keel_generation_t *g)
{
    keel_front_t *f = g->front;
    keel_generation_t *old = f->active;
    g->state = KEEL_GEN_ACTIVE;
    f->active = g;
    if (f->incoming == g)
        f->incoming = NULL;
    if (old == NULL) {
        keel_front_on_first_generation_ready(f);
    } else {
        f->reloads_ok++;
        keel_info("generation %u is serving (%.1fs to start); generation %u drains", g->number,
                  (double)(keel_now_ms() - g->started_ms) / 1000.0, old->number);
        keel_generation_drain(old);
        notify_reload(f, g->number, NULL);
    }
    keel_dispatch_drain_queues(f);
}

void
keel_generation_on_worker_ready(keel_generation_t *g, keel_front_worker_t *w)
{
    g->failures[w->kind] = 0;
    g->spawn_failures[w->kind] = 0;
    keel_dispatch_worker_free(w);
    /* A recycled worker waiting for this replacement may go now. */
    for (h2o_linklist_t *l = g->workers.next; l != &g->workers; l = l->next) {
        keel_front_worker_t *old = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, gen_link, l);
        if (old != w && old->kind == w->kind && old->retiring && old->replaced && !old->replacement_ready) {
            old->replacement_ready = true;
            if (old->state == KEEL_WORKER_IDLE)
                keel_worker_dismiss(old);
            break;
        }
    }
    if (g->state == KEEL_GEN_STARTING && !g->warming) {
        for (int k = 0; k < KEEL_POOL_KINDS; k++)
            if (ready_workers(g, (keel_pool_kind_t)k) < target_count(g->front, (keel_pool_kind_t)k))
                return;
        if (g->front->cfg.warmup == NULL || !warm_up(g))
            activate(g);
    }
}

/* --- --warmup: one request through the new generation before it serves --- */

static void
put(uint8_t **p, const char *name, const char *value)
{
    *p += keel_ipc_kv_put(*p, name, strlen(name), value, strlen(value));
}

/* Sends GET --warmup to an idle worker of g. Returns 1 when one is on its
 * way (the outcome comes in keel_generation_on_warmup_done), 0 when there
 * is nothing to warm up (the path routes to no PHP). */
static int
warm_up(keel_generation_t *g)
{
    keel_front_t *f = g->front;
    const char *path = f->cfg.warmup;
    const char *q = strchr(path, '?');
    size_t plen = q ? (size_t)(q - path) : strlen(path);
    keel_route_t route;
    keel_route(&f->router, path, plen, &route);
    if (route.kind != KEEL_ROUTE_PHP && route.kind != KEEL_ROUTE_WORKER)
        return 0;
    keel_pool_kind_t kind = route.kind == KEEL_ROUTE_WORKER ? KEEL_POOL_WORKER : KEEL_POOL_CLASSIC;
    if (h2o_linklist_is_empty(&g->idle[kind]))
        return 0;
    keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, idle_link, g->idle[kind].next);
    const char *kv[][2] = {
        {"REQUEST_METHOD", "GET"},
        {"REQUEST_URI", path},
        {"QUERY_STRING", q ? q + 1 : ""},
        {"SCRIPT_NAME", route.script_name},
        {"SCRIPT_FILENAME", route.file},
        {"DOCUMENT_URI", route.script_name},
        {"DOCUMENT_ROOT", f->router.root_len ? f->router.root : "/"},
        {"PATH_INFO", route.path_info},
        {"SERVER_PROTOCOL", "HTTP/1.1"},
        {"GATEWAY_INTERFACE", "CGI/1.1"},
        {"SERVER_SOFTWARE", "keel/" KEEL_VERSION},
        {"REQUEST_SCHEME", "http"},
        {"SERVER_NAME", f->cfg.server_name ? f->cfg.server_name : f->listen_host},
        {"SERVER_ADDR", f->listen_host},
        {"SERVER_PORT", f->listen_port_text},
        {"REMOTE_ADDR", "127.0.0.1"},
        {"REMOTE_PORT", "0"},
        {"CONTENT_LENGTH", ""},
        {"CONTENT_TYPE", ""},
        {"HTTP_HOST", f->listen_host},
        {"HTTP_USER_AGENT", "keel-warmup"},
        {"FCGI_ROLE", "RESPONDER"},
        {"FRANKENPHP_WORKER", kind == KEEL_POOL_WORKER ? "1" : ""},
    };
    uint8_t buf[8192], *p = buf;
    size_t need = 0;
    for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
        need += keel_ipc_kv_size(strlen(kv[i][0]), strlen(kv[i][1]));
    if (need > sizeof(buf))
        return 0;
    for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
        put(&p, kv[i][0], kv[i][1]);
    h2o_linklist_unlink(&w->idle_link);
    w->state = KEEL_WORKER_BUSY;
    w->warmup = true;
    w->warmup_status = 0;
    w->stream = ++f->next_stream;
    snprintf(w->last_request, sizeof(w->last_request), "GET %.100s (warm-up)", path);
    keel_worker_send(w, KEEL_IPC_REQUEST, 0, w->stream, buf, (size_t)(p - buf), NULL, 0);
    keel_worker_send(w, KEEL_IPC_REQ_END, 0, w->stream, NULL, 0, NULL, 0);
    keel_worker_flush(w);
    g->warming = true;
    keel_info("generation %u: warm-up request GET %s", g->number, path);
    return 1;
}

void
keel_generation_on_warmup_done(keel_generation_t *g, unsigned status)
{
    g->warming = false;
    if (g->state != KEEL_GEN_STARTING)
        return;
    if (status == 0 || status >= 500) {
        char why[256];
        snprintf(why, sizeof(why), "the warm-up request GET %.100s answered %u", g->front->cfg.warmup, status);
        fail_incoming(g, why);
        return;
    }
    activate(g);
}

/* A generation that never became active is abandoned; the one serving (if
 * any) carries on. */
static void
fail_incoming(keel_generation_t *g, const char *why)
{
    keel_front_t *f = g->front;
    if (g->state != KEEL_GEN_STARTING)
        return;
    snprintf(g->failure, sizeof(g->failure), "%.500s", why);
    keel_error("generation %u failed to start: %s", g->number, why);
    if (f->incoming == g)
        f->incoming = NULL;
    keel_generation_stop(g);
    if (f->active == NULL) {
        keel_front_on_startup_failed(f, why);
    } else {
        f->reloads_failed++;
        keel_warn("generation %u keeps serving", f->active->number);
        notify_reload(f, 0, why);
    }
}

void
keel_generation_on_worker_failed(keel_generation_t *g, keel_pool_kind_t kind, const char *why)
{
    keel_front_t *f = g->front;
    g->failures[kind]++;
    if (keel_backoff_give_up(g->failures[kind], f->cfg.max_consecutive_failures)) {
        char msg[1024];
        if (kind == KEEL_POOL_WORKER)
            snprintf(msg, sizeof(msg), "the worker script %.256s failed to boot %u times in a row (last: %.400s)",
                     f->router.worker_script, g->failures[kind], why);
        else
            snprintf(msg, sizeof(msg), "PHP workers failed to start %u times in a row (last: %.400s)",
                     g->failures[kind], why);
        if (g->state == KEEL_GEN_STARTING) {
            fail_incoming(g, msg);
        } else if (!g->given_up[kind]) {
            g->given_up[kind] = true;
            keel_error("%s; not retrying: %s requests get 503 until a reload", msg, keel_pool_name(kind));
            /* Nobody will serve what waits for this pool: answer it now. */
            if (f->active == g && h2o_linklist_is_empty(&g->idle[kind]))
                while (!h2o_linklist_is_empty(&f->queues[kind].queue)) {
                    keel_php_request_t *pr =
                        H2O_STRUCT_FROM_MEMBER(keel_php_request_t, queue_link, f->queues[kind].queue.next);
                    keel_dispatch_unqueue(f, pr);
                    keel_php_request_reject(pr, 503, "Service Unavailable", "10");
                }
        }
        return;
    }
    /* Try again after a growing delay, so a broken script never spins. */
    uint64_t delay = keel_backoff_delay_ms(g->failures[kind]);
    keel_info("restarting a %s worker in %llu ms", keel_pool_name(kind), (unsigned long long)delay);
    schedule_spawn(g, kind, delay);
}

/* A fork that failed says nothing about the PHP code: the machine was out
 * of processes or memory, which passes. While starting, it counts as a
 * failure to start (keel refuses to start after too many); a serving
 * generation keeps asking, with a growing delay (at most
 * KEEL_BACKOFF_MAX_MS), and serves with the workers it has meanwhile. */
void
keel_generation_on_spawn_failed(keel_generation_t *g, keel_pool_kind_t kind)
{
    if (g->state == KEEL_GEN_STARTING) {
        keel_generation_on_worker_failed(g, kind, "the zygote could not start a worker process");
        return;
    }
    if (g->state != KEEL_GEN_ACTIVE)
        return;
    uint64_t delay = keel_backoff_delay_ms(++g->spawn_failures[kind]);
    keel_warn("generation %u could not start a %s worker; trying again in %llu ms", g->number, keel_pool_name(kind),
              (unsigned long long)delay);
    schedule_spawn(g, kind, delay);
}

static h2o_timeout_t *
timeout_for(keel_front_t *f, uint64_t ms)
{
    for (unsigned i = 0; i < f->backoff_count; i++)
        if (f->backoff_delays[i] == ms)
            return &f->backoff_timeouts[i];
    if (f->backoff_count == sizeof(f->backoff_delays) / sizeof(f->backoff_delays[0]))
        return &f->backoff_timeouts[f->backoff_count - 1];
    f->backoff_delays[f->backoff_count] = ms;
    h2o_timeout_init(f->loop, &f->backoff_timeouts[f->backoff_count], ms);
    return &f->backoff_timeouts[f->backoff_count++];
}

static void
on_backoff(h2o_timeout_entry_t *entry)
{
    keel_pending_spawn_t *p = H2O_STRUCT_FROM_MEMBER(keel_pending_spawn_t, entry, entry);
    keel_generation_t *g = p->gen;
    keel_front_t *f = g->front;
    keel_pool_kind_t kind = p->kind;
    h2o_linklist_unlink(&p->link);
    free(p);
    if ((g->state == KEEL_GEN_STARTING || g->state == KEEL_GEN_ACTIVE) && f->state < KEEL_FRONT_STOPPING)
        keel_generation_spawn(g, kind);
}

static void
schedule_spawn(keel_generation_t *g, keel_pool_kind_t kind, uint64_t delay_ms)
{
    keel_pending_spawn_t *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        keel_error("out of memory scheduling a worker restart");
        return;
    }
    p->gen = g;
    p->kind = kind;
    p->entry.cb = on_backoff;
    h2o_linklist_insert(&g->pending_spawns, &p->link);
    h2o_timeout_link(g->front->loop, timeout_for(g->front, delay_ms), &p->entry);
}

static void
cancel_pending_spawns(keel_generation_t *g)
{
    while (!h2o_linklist_is_empty(&g->pending_spawns)) {
        keel_pending_spawn_t *p = H2O_STRUCT_FROM_MEMBER(keel_pending_spawn_t, link, g->pending_spawns.next);
        h2o_linklist_unlink(&p->link);
        if (h2o_timeout_is_linked(&p->entry))
            h2o_timeout_unlink(&p->entry);
        free(p);
    }
}

/* --- draining and stopping --- */

void
keel_generation_drain(keel_generation_t *g)
{
    g->state = KEEL_GEN_DRAINING;
    /* What no worker took yet goes back to the front, for the next one. */
    for (int k = 0; k < KEEL_POOL_KINDS; k++)
        keel_handoff_retract(g, (keel_pool_kind_t)k, NULL);
    for (h2o_linklist_t *l = g->workers.next; l != &g->workers;) {
        keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, gen_link, l);
        l = l->next;
        w->retiring = true;
        if (w->state != KEEL_WORKER_BUSY)
            keel_worker_dismiss(w);
    }
    cancel_pending_spawns(g);
    keel_generation_maybe_stop(g);
}

void
keel_generation_maybe_stop(keel_generation_t *g)
{
    if (g->state != KEEL_GEN_DRAINING)
        return;
    for (h2o_linklist_t *l = g->workers.next; l != &g->workers; l = l->next) {
        keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, gen_link, l);
        /* still finishing a request, or forked and about to report: it may
         * have taken one from the queue */
        if (w->sock != NULL || (w->state == KEEL_WORKER_STARTING && w->dismissed))
            return;
    }
    keel_generation_stop(g);
}

void
keel_generation_stop(keel_generation_t *g)
{
    for (h2o_linklist_t *l = g->workers.next; l != &g->workers;) {
        keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, gen_link, l);
        l = l->next;
        w->retiring = true;
        if (w->req != NULL) {
            keel_php_request_t *pr = w->req;
            w->req = NULL;
            keel_php_request_on_worker_lost(pr, 503);
        }
        keel_php_request_t *taken = keel_handoff_claimed_by(w);
        if (taken != NULL)
            keel_handoff_lose(taken, 503);
        keel_worker_close(w);
    }
    for (int k = 0; k < KEEL_POOL_KINDS; k++) {
        if (g->queue_take_fd[k] >= 0)
            keel_handoff_retract(g, (keel_pool_kind_t)k, NULL);
        /* taken by a worker that is gone before it claimed them */
        while (!h2o_linklist_is_empty(&g->queued[k])) {
            keel_php_request_t *pr = H2O_STRUCT_FROM_MEMBER(keel_php_request_t, handoff_link, g->queued[k].next);
            keel_handoff_forget(pr);
            keel_dispatch_unqueue(g->front, pr);
            keel_php_request_reject(pr, 503, "Service Unavailable", "1");
        }
    }
    cancel_pending_spawns(g);
    if (g->ctl_sock != NULL) {
        /* Closing the control socket tells the zygote to end its workers
         * and exit; SIGCHLD reports when it has. */
        h2o_socket_close(g->ctl_sock);
        g->ctl_sock = NULL;
        g->ctl_fd = -1;
    }
    if (g->state != KEEL_GEN_GONE)
        g->state = KEEL_GEN_STOPPING;
}

int
keel_generation_reaped(keel_front_t *f, pid_t pid, int status)
{
    for (h2o_linklist_t *l = f->generations.next; l != &f->generations; l = l->next) {
        keel_generation_t *g = H2O_STRUCT_FROM_MEMBER(keel_generation_t, link, l);
        if (g->zygote_pid != pid)
            continue;
        /* Read what the zygote wrote before it exited before judging its
         * exit. A front slow to run finds the control socket and SIGCHLD
         * readable in the same loop turn, and h2o runs that turn's sockets
         * last-ready first: the signal came before the ZYGOTE_FAILED still
         * queued here, which says why PHP could not start. */
        if (g->ctl_sock != NULL)
            on_control(g->ctl_sock, NULL);
        g->zygote_pid = 0;
        bool expected = g->state == KEEL_GEN_STOPPING;
        if (!expected) {
            if (WIFSIGNALED(status))
                keel_error("zygote of generation %u killed by signal %d", g->number, WTERMSIG(status));
            else
                keel_error("zygote of generation %u exited with status %d", g->number, WEXITSTATUS(status));
        } else {
            keel_info("generation %u is gone", g->number);
        }
        if (g->state == KEEL_GEN_STARTING)
            fail_incoming(g, "the zygote exited");
        /* Its workers died with it (PR_SET_PDEATHSIG). */
        keel_generation_stop(g);
        g->state = KEEL_GEN_GONE;
        for (h2o_linklist_t *wl = g->workers.next; wl != &g->workers;) {
            keel_front_worker_t *w = H2O_STRUCT_FROM_MEMBER(keel_front_worker_t, gen_link, wl);
            wl = wl->next;
            keel_worker_free(w);
        }
        if (f->active == g) {
            /* The serving generation is gone: start another at once. */
            f->active = NULL;
            if (f->state == KEEL_FRONT_SERVING) {
                keel_error("generation %u died; starting a new one", g->number);
                keel_front_reload(f, "the serving generation died", NULL, NULL);
            }
        }
        if (f->incoming == g)
            f->incoming = NULL;
        h2o_linklist_unlink(&g->link);
        keel_handoff_close(g);
        free(g);
        keel_front_generation_gone(f);
        return 1;
    }
    return 0;
}

/* --- reload --- */

void
keel_front_reload(keel_front_t *f, const char *why, keel_reload_cb cb, void *data)
{
    if (f->state != KEEL_FRONT_SERVING) {
        if (cb)
            cb(data, 0, "keel is not serving (starting or stopping)");
        return;
    }
    if (f->incoming != NULL) {
        /* One reload at a time: a second request waits for the same one. */
        if (cb) {
            if (f->reload_cb != NULL)
                cb(data, 0, "a reload is already in progress");
            else {
                f->reload_cb = cb;
                f->reload_data = data;
            }
        }
        return;
    }
    char err[256];
    keel_info("reload (%s): starting generation %u", why, f->last_generation + 1);
    keel_generation_t *g = keel_generation_start(f, err, sizeof(err));
    if (g == NULL) {
        f->reloads_failed++;
        keel_error("reload failed: %s", err);
        if (cb)
            cb(data, 0, err);
        return;
    }
    f->incoming = g;
    f->reload_cb = cb;
    f->reload_data = data;
}
