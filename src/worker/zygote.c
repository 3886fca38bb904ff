#include "worker/zygote.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include "common/app_paths.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/options.h"
#include "common/config_file.h"
#include "common/fds.h"
#include "common/identity.h"
#include "common/log.h"
#include "common/units.h"
#include "ipc/control.h"
#include "ipc/dispatch.h"
#include "ipc/queue.h"
#include "worker/classic.h"
#include "worker/crash.h"
#include "worker/intake.h"
#include "worker/integrations.h"
#include "worker/opcache_report.h"
#include "worker/output_capture.h"
#include "worker/request.h"
#include "worker/sapi.h"
#include "worker/worker_mode.h"

/* How long workers get between SIGTERM and SIGKILL when the generation
 * stops. */
#define ZYGOTE_STOP_GRACE_MS 2000
/* Core dumps kept in --core-dir. */
#define KEEL_CORES_KEPT 3

typedef struct {
    int ctl;   /* SOCK_SEQPACKET to the front: one frame per message */
    int sigfd; /* SIGCHLD, SIGTERM, SIGINT */
    uint32_t generation;
    /* live workers: the front's id for each, and its pid */
    struct {
        uint32_t id;
        pid_t pid;
    } * live_workers;
    unsigned live, cap;
    sigset_t saved_mask;
    keel_config_t cfg;
    keel_app_paths_t paths;   /* the root and the worker script, resolved */
    void *claims;             /* the generation's claim slots (ipc/queue.h), shared with the front */
    size_t stride;            /* from one claim slot to the next */
    keel_captures_t captures; /* what the workers print */
} zygote_t;

static int
send_frame(zygote_t *z, uint8_t type, const void *payload, size_t len, int fd)
{
    uint8_t buf[KEEL_IPC_CONTROL_MAX];
    if (len > sizeof(buf) - KEEL_IPC_HEADER_SIZE)
        len = sizeof(buf) - KEEL_IPC_HEADER_SIZE;
    keel_ipc_header_t hdr = {.type = type, .generation = z->generation, .length = (uint32_t)len};
    keel_ipc_header_encode(buf, &hdr);
    memcpy(buf + KEEL_IPC_HEADER_SIZE, payload, len);
    struct iovec iov = {buf, KEEL_IPC_HEADER_SIZE + len};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctrl;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (fd >= 0) {
        memset(&ctrl, 0, sizeof(ctrl));
        msg.msg_control = ctrl.buf;
        msg.msg_controllen = sizeof(ctrl.buf);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    for (;;) {
        if (sendmsg(z->ctl, &msg, MSG_NOSIGNAL) >= 0)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}

static uint64_t
mib_bytes(const char *v)
{
    uint64_t n;
    return keel_parse_uint(v, 0, 1u << 20, &n) == 0 ? n << 20 : 0;
}

static keel_ipc_text_t
text(const char *v)
{
    return (keel_ipc_text_t){v, strlen(v)};
}

/* The settings the front's memory budget and tmpfs watch need, which only
 * PHP can tell (its php.ini, conf.d and -d values all applied). */
static void
send_php_info(zygote_t *z)
{
    enum { MEMORY_LIMIT, OPCACHE_ENABLE, OPCACHE_MEMORY, OPCACHE_INTERNED, UPLOAD_TMP_DIR, SAVE_PATH, TEMP_DIR, COUNT };
    char tmp[1024];
    keel_php_setting_t settings[COUNT] = {
        [MEMORY_LIMIT] = {"memory_limit", NULL},
        [OPCACHE_ENABLE] = {"opcache.enable", NULL},
        [OPCACHE_MEMORY] = {"opcache.memory_consumption", NULL},
        [OPCACHE_INTERNED] = {"opcache.interned_strings_buffer", NULL},
        [UPLOAD_TMP_DIR] = {"upload_tmp_dir", NULL},
        [SAVE_PATH] = {"session.save_path", NULL},
        [TEMP_DIR] = {"temp_dir", tmp},
    };
    keel_php_settings(settings, COUNT, tmp, sizeof(tmp));
    for (size_t i = 0; i < COUNT; i++)
        if (settings[i].value == NULL)
            settings[i].value = "";
    /* The wasted share at which keel swaps generations: the user's
     * opcache.max_wasted_percentage if given, else PHP's default 5 (PHP
     * itself was told 50, see keel_php_startup). */
    const char *swap_at = keel_config_ini_value(&z->cfg, "opcache.max_wasted_percentage");
    /* "N;/path" and "N;MODE;/path" name the directory last */
    const char *save_dir = strrchr(settings[SAVE_PATH].value, ';');
    keel_ipc_php_info_t info = {
        .memory_limit = KEEL_IPC_UNLIMITED, /* -1, or nothing keel can read */
        .opcache_enabled = strcmp(settings[OPCACHE_ENABLE].value, "1") == 0,
        .opcache_memory_consumption = mib_bytes(settings[OPCACHE_MEMORY].value),
        .opcache_interned_strings_buffer = mib_bytes(settings[OPCACHE_INTERNED].value),
        .opcache_max_wasted_percentage = strtod(swap_at ? swap_at : "5", NULL),
        .temp_dir = text(settings[TEMP_DIR].value),
        .upload_tmp_dir = text(settings[UPLOAD_TMP_DIR].value),
        .session_save_dir = text(save_dir ? save_dir + 1 : settings[SAVE_PATH].value),
    };
    uint64_t limit;
    if (keel_parse_size(settings[MEMORY_LIMIT].value, &limit) == 0)
        info.memory_limit = limit;
    uint8_t buf[KEEL_IPC_PHP_INFO_MAX];
    send_frame(z, KEEL_IPC_PHP_INFO, buf, keel_ipc_php_info_put(buf, &info), -1);
}

/* A worker keeps the page of its own claim slot and nothing else of the
 * claim slots' memory (the zygote closed the memfd after mapping it, so it
 * cannot map the rest again), and its forks do not inherit even that page.
 * Returns the slot, or NULL with errno. */
static keel_queue_slot_t *
keep_own_slot(zygote_t *z, uint32_t claim_slot)
{
    char *base = z->claims, *own = (char *)keel_queue_slot(z->claims, z->stride, claim_slot);
    size_t before = (size_t)(own - base), after = keel_queue_shared_bytes(z->stride) - before - z->stride;
    if ((before != 0 && munmap(base, before) != 0) || (after != 0 && munmap(own + z->stride, after) != 0) ||
        madvise(own, z->stride, MADV_DONTFORK) != 0)
        return NULL;
    z->claims = NULL;
    return (keel_queue_slot_t *)own;
}

/* The worker's stdout and stderr become the pipe the zygote reads (fd
 * out), for PHP and everything PHP starts; keel's own lines keep going to
 * keel's stderr, on a close-on-exec descriptor of their own. Returns 0,
 * or -1 with errno. */
static int
capture_output(int out)
{
    int log_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
    if (log_fd < 0)
        return -1;
    keel_log_set_fd(log_fd);
    if (dup2(out, STDOUT_FILENO) < 0 || dup2(out, STDERR_FILENO) < 0)
        return -1;
    return close(out);
}

/* The child side of a fork: become a worker serving on fd. Never returns. */
static void
become_worker(zygote_t *z, uint32_t id, uint32_t claim_slot, uint32_t limit, bool worker_mode, int fd, int out,
              pid_t zygote_pid)
{
    /* Die with the zygote, so no worker outlives its generation. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != zygote_pid)
        _exit(1);
    close(z->ctl);
    close(z->sigfd);
    /* the other workers' output is none of this one's business */
    keel_captures_forget(&z->captures);
    if (sigprocmask(SIG_SETMASK, &z->saved_mask, NULL) != 0)
        _exit(1);
    char role[32];
    snprintf(role, sizeof(role), "worker %u", id);
    keel_log_set_role(role);
    if (capture_output(out) != 0) {
        keel_error("cannot capture the worker's output: %s", strerror(errno));
        _exit(1);
    }
    /* the name shown by ps and top; only cosmetic if refused */
    if (prctl(PR_SET_NAME, "keel: worker") != 0)
        keel_warn("cannot name the process: %s", strerror(errno));
    if (keel_crash_setup(z->cfg.core_dir) != 0)
        keel_warn("cannot set up core dumps: %s", strerror(errno));
    /* Batch scheduling: a worker woken by the front's write must not
     * preempt the front, which is what keeps every other connection moving.
     * CPU shares are unchanged; see docs/decisions.md. */
    struct sched_param sp = {0};
    if (sched_setscheduler(0, SCHED_BATCH, &sp) != 0)
        keel_warn("cannot use SCHED_BATCH for the worker: %s", strerror(errno));

    keel_worker_t w;
    memset(&w, 0, sizeof(w));
    if (keel_channel_init(&w.ch, fd, z->generation) != 0)
        _exit(1);
    w.slot = id;
    w.request_limit = limit;
    /* Only its own pool's queue and its own claim slot; the rest is none
     * of its business. */
    keel_queue_slot_t *slot = keep_own_slot(z, claim_slot);
    if (slot == NULL || close(worker_mode ? KEEL_QUEUE_FD_CLASSIC : KEEL_QUEUE_FD_WORKER) != 0 ||
        keel_intake_init(&w, worker_mode ? KEEL_QUEUE_FD_WORKER : KEEL_QUEUE_FD_CLASSIC, &slot->claim, &slot->leave) !=
            0) {
        keel_error("cannot wait on the generation's queue: %s", strerror(errno));
        _exit(1);
    }
    w.statm_fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (w.statm_fd < 0)
        keel_warn("cannot open /proc/self/statm: %s; memory figures will read 0", strerror(errno));
    int code = worker_mode
                   ? keel_worker_mode_run(&w, z->paths.worker_script, z->paths.worker_script_name, z->paths.root)
                   : keel_worker_serve(&w);
    /* _exit: the zygote's atexit handlers and PHP's module shutdown belong
     * to the zygote, not to each worker. */
    _exit(code);
}

/* Tells the front that worker `id` will never start: WORKER_EXIT with no
 * pid. Without it the front would wait for the worker forever, one worker
 * short, and never ask again. */
static void
not_started(zygote_t *z, uint32_t id, const char *what)
{
    keel_error("cannot start worker %u: %s", id, what);
    uint8_t p[KEEL_IPC_WORKER_EXIT_SIZE];
    keel_ipc_worker_exit_put(p, &(keel_ipc_worker_exit_t){.id = id, .pid = 0});
    if (send_frame(z, KEEL_IPC_WORKER_EXIT, p, sizeof(p), -1) != 0)
        keel_error("cannot tell the front: %s", strerror(errno));
}

static void
spawn_worker(zygote_t *z, uint32_t id, uint32_t claim_slot, uint32_t limit, bool worker_mode)
{
    char why[128];
    if (claim_slot == 0 || claim_slot >= KEEL_QUEUE_CLAIM_SLOTS) {
        snprintf(why, sizeof(why), "claim slot %u is out of range", claim_slot);
        not_started(z, id, why);
        return;
    }
    if (worker_mode && z->paths.worker_script[0] == '\0') {
        not_started(z, id, "a worker-mode spawn without a --worker script");
        return;
    }
    if (z->live == z->cap) {
        unsigned cap = z->cap ? z->cap * 2 : 16;
        void *p = realloc(z->live_workers, cap * sizeof(*z->live_workers));
        if (p == NULL) {
            not_started(z, id, "out of memory");
            return;
        }
        z->live_workers = p;
        z->cap = cap;
    }
    int sv[2], out[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        snprintf(why, sizeof(why), "socketpair: %s", strerror(errno));
        not_started(z, id, why);
        return;
    }
    if (pipe2(out, O_CLOEXEC) != 0) {
        snprintf(why, sizeof(why), "pipe: %s", strerror(errno));
        close(sv[0]);
        close(sv[1]);
        not_started(z, id, why);
        return;
    }
    pid_t self = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, sizeof(why), "fork: %s", strerror(errno));
        close(sv[0]);
        close(sv[1]);
        close(out[0]);
        close(out[1]);
        not_started(z, id, why);
        return;
    }
    if (pid == 0) {
        close(sv[1]);
        close(out[0]);
        become_worker(z, id, claim_slot, limit, worker_mode, sv[0], out[1], self);
    }
    close(sv[0]);
    close(out[1]);
    if (fcntl(out[0], F_SETFL, O_NONBLOCK) != 0) {
        keel_warn("worker %u's output will not be logged: %s", id, strerror(errno));
        close(out[0]);
    } else if (keel_captures_add(&z->captures, id, pid, out[0]) != 0) {
        keel_warn("worker %u's output will not be logged: out of memory", id);
    }
    z->live_workers[z->live].id = id;
    z->live_workers[z->live].pid = pid;
    z->live++;
    uint8_t p[KEEL_IPC_WORKER_UP_SIZE];
    keel_ipc_worker_up_put(p, &(keel_ipc_worker_up_t){.id = id, .pid = (uint32_t)pid});
    if (send_frame(z, KEEL_IPC_WORKER_UP, p, sizeof(p), sv[1]) != 0)
        keel_error("cannot hand worker %u to the front: %s", id, strerror(errno));
    close(sv[1]);
}

/* The front asks where worker `id`'s PHP code is (slow or timed-out
 * request); only this process, its parent, may read its memory. */
static void
log_backtrace(zygote_t *z, uint32_t id)
{
    for (unsigned i = 0; i < z->live; i++) {
        if (z->live_workers[i].id != id)
            continue;
        char bt[8192];
        int pid = (int)z->live_workers[i].pid;
        if (keel_backtrace_remote(z->live_workers[i].pid, bt, sizeof(bt)) != 0)
            keel_warn("worker %u (pid %d): cannot read its stack: %s", id, pid, strerror(errno));
        else if (bt[0] == '\0')
            keel_warn("worker %u (pid %d) is running: (no PHP code running)", id, pid);
        else
            keel_log_detail(KEEL_LOG_WARN, bt, "worker %u (pid %d) is running:", id, pid);
        return;
    }
}

static void
reap(zygote_t *z)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (unsigned i = 0; i < z->live; i++) {
            if (z->live_workers[i].pid != pid)
                continue;
            uint8_t p[KEEL_IPC_WORKER_EXIT_SIZE];
            keel_ipc_worker_exit_put(
                p, &(keel_ipc_worker_exit_t){.id = z->live_workers[i].id, .pid = (uint32_t)pid, .wait_status = status});
            send_frame(z, KEEL_IPC_WORKER_EXIT, p, sizeof(p), -1);
            if (z->cfg.core_dir && WIFSIGNALED(status) && WCOREDUMP(status))
                keel_core_collect(z->cfg.core_dir, pid, KEEL_CORES_KEPT);
            z->live_workers[i] = z->live_workers[--z->live];
            break;
        }
    }
}

/* Waits up to timeout_ms (-1: no limit) for the control socket (when
 * ctl_events is not NULL), a signal or a worker's output; logs the output.
 * Returns 0 with what the control socket and the signalfd reported, or -1
 * when poll failed. */
static int
wait_events(zygote_t *z, int timeout_ms, short *ctl_events, short *sig_events)
{
    /* Two fixed entries, then one per open output pipe. */
    size_t n = 2 + z->captures.count;
    struct pollfd *pfds = calloc(n, sizeof(*pfds));
    if (pfds == NULL)
        return -1;
    pfds[0] = (struct pollfd){.fd = ctl_events ? z->ctl : -1, .events = POLLIN};
    pfds[1] = (struct pollfd){.fd = z->sigfd, .events = POLLIN};
    size_t pipes = keel_captures_pollfds(&z->captures, pfds + 2, n - 2);
    int rc = poll(pfds, 2 + pipes, timeout_ms);
    if (rc < 0 && errno != EINTR) {
        free(pfds);
        return -1;
    }
    if (rc > 0)
        keel_captures_service(&z->captures, pfds + 2, pipes);
    if (ctl_events)
        *ctl_events = rc > 0 ? pfds[0].revents : 0;
    *sig_events = rc > 0 ? pfds[1].revents : 0;
    free(pfds);
    return 0;
}

/* Ends every worker: SIGTERM first, SIGKILL after the grace. The front
 * only stops a generation once its requests are done or its shutdown
 * timeout has passed, so a worker still running here has overstayed. */
static void
stop_workers(zygote_t *z)
{
    for (unsigned i = 0; i < z->live; i++)
        kill(z->live_workers[i].pid, SIGTERM);
    int64_t deadline = (int64_t)keel_now_ms() + ZYGOTE_STOP_GRACE_MS;
    while (z->live > 0) {
        int64_t left = deadline - (int64_t)keel_now_ms();
        if (left <= 0) {
            for (unsigned i = 0; i < z->live; i++)
                kill(z->live_workers[i].pid, SIGKILL);
            deadline = (int64_t)keel_now_ms() + 1000;
            left = 1000;
        }
        short sig = 0;
        if (wait_events(z, (int)left, NULL, &sig) == 0 && (sig & POLLIN)) {
            struct signalfd_siginfo si;
            while (read(z->sigfd, &si, sizeof(si)) == sizeof(si))
                ;
        }
        reap(z);
    }
}

/* Sends SIGKILL to every child of this process that /proc lists.
 * Returns how many there were. */
static unsigned
kill_children(void)
{
    unsigned found = 0;
    pid_t self = getpid();
    DIR *d = opendir("/proc");
    if (d == NULL)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        char path[64], stat[512];
        snprintf(path, sizeof(path), "/proc/%.20s/stat", e->d_name);
        FILE *f = fopen(path, "re");
        if (f == NULL)
            continue; /* gone meanwhile */
        size_t n = fread(stat, 1, sizeof(stat) - 1, f);
        fclose(f);
        stat[n] = '\0';
        /* "pid (comm) state ppid ...": comm may hold anything, so read
         * after its last ')' */
        const char *paren = strrchr(stat, ')');
        char state;
        int ppid;
        /* ESRCH: it ended meanwhile */
        if (paren != NULL && sscanf(paren + 1, " %c %d", &state, &ppid) == 2 && ppid == self &&
            kill((pid_t)atoi(e->d_name), SIGKILL) == 0)
            found++;
    }
    closedir(d);
    return found;
}

/* How long the zygote goes on ending what PHP left behind before it gives
 * up and leaves the rest to the front (which ends its process group). */
#define ZYGOTE_LEFTOVERS_MS 5000

/* Whatever PHP started and left behind (a pcntl_fork() child, a process
 * started in the background, one that called setsid()) ends with the
 * generation: the zygote is their subreaper (PR_SET_CHILD_SUBREAPER), so
 * each of them whose parent is gone becomes the zygote's child. Killing
 * children until wait() finds none reaches them all, each round the ones
 * adopted as the previous round's died. */
static void
end_leftovers(zygote_t *z)
{
    int64_t deadline = (int64_t)keel_now_ms() + ZYGOTE_LEFTOVERS_MS;
    for (;;) {
        kill_children();
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0 || (pid < 0 && errno == EINTR))
            ;
        if (pid < 0)
            return; /* ECHILD: nothing is left */
        int64_t left = deadline - (int64_t)keel_now_ms();
        if (left <= 0) {
            keel_warn("processes PHP started are still running; the front ends them with the generation");
            return;
        }
        /* the next SIGCHLD, or a moment for /proc to show a new child */
        short sig = 0;
        if (wait_events(z, left < 20 ? (int)left : 20, NULL, &sig) == 0 && (sig & POLLIN)) {
            struct signalfd_siginfo si;
            while (read(z->sigfd, &si, sizeof(si)) == sizeof(si))
                ;
        }
    }
}

/* --- the messages a zygote accepts, from the front --- */

/* Each returns 0, or -1 for a payload it cannot read. */
static int
on_spawn(void *ctx, const keel_ipc_msg_t *msg)
{
    keel_ipc_spawn_t m;
    if (keel_ipc_spawn_get(msg->payload, msg->hdr.length, &m) != KEEL_IPC_OK)
        return -1;
    spawn_worker(ctx, m.id, m.claim_slot, m.request_limit, m.kind == KEEL_IPC_KIND_WORKER);
    return 0;
}

static int
on_backtrace(void *ctx, const keel_ipc_msg_t *msg)
{
    keel_ipc_backtrace_t m;
    if (keel_ipc_backtrace_get(msg->payload, msg->hdr.length, &m) != KEEL_IPC_OK)
        return -1;
    log_backtrace(ctx, m.id);
    return 0;
}

static const keel_ipc_handlers_t zygote_handlers = {
    .on = {[KEEL_IPC_INDEX_SPAWN] = on_spawn, [KEEL_IPC_INDEX_BACKTRACE] = on_backtrace},
};

static void
serve_control(zygote_t *z)
{
    for (;;) {
        short ctl = 0, sig = 0;
        if (wait_events(z, -1, &ctl, &sig) != 0) {
            keel_error("poll: %s", strerror(errno));
            return;
        }
        if (sig & POLLIN) {
            struct signalfd_siginfo si;
            while (read(z->sigfd, &si, sizeof(si)) == sizeof(si)) {
                if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
                    return;
            }
            reap(z);
        }
        if (ctl & (POLLIN | POLLHUP | POLLERR)) {
            uint8_t buf[256];
            ssize_t n = recv(z->ctl, buf, sizeof(buf), MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
                return; /* the front is gone or done with this generation */
            if (n < 0)
                continue;
            keel_ipc_msg_t msg = {.fd = -1};
            size_t size;
            int rc;
            if (keel_ipc_frame_decode(buf, (size_t)n, &msg.hdr, &msg.payload, &size) != KEEL_IPC_OK ||
                keel_ipc_dispatch(&zygote_handlers, z, &msg, &rc) != KEEL_IPC_OK || rc != 0) {
                keel_error("malformed control message from the front; stopping");
                return;
            }
        }
    }
}

/* Takes what the front passed across exec (ipc/queue.h) and nothing else:
 * every other descriptor is closed, the passed ones become close-on-exec
 * (workers inherit them by fork, which close-on-exec does not affect), and
 * stdin is /dev/null. Returns 0, or -1 with errno. */
static int
take_descriptors(void)
{
    static const int passed[] = {KEEL_ZYGOTE_CONTROL_FD, KEEL_QUEUE_FD_CLASSIC, KEEL_QUEUE_FD_WORKER,
                                 KEEL_QUEUE_CLAIMS_FD};
    if (keel_fds_close_others(passed, sizeof(passed) / sizeof(passed[0])) != 0)
        return -1;
    for (size_t i = 0; i < sizeof(passed) / sizeof(passed[0]); i++)
        if (keel_fd_set_cloexec(passed[i]) != 0)
            return -1;
    return keel_fds_null_stdin();
}

/* Becomes the PHP user (--user, --group), for this process and every
 * worker it forks. Returns 0, or -1 with one line in err. */
static int
become_php_user(const zygote_t *z, pid_t front, char *err, size_t errlen)
{
    keel_identity_t id;
    if (keel_identity_resolve(&id, &z->cfg, err, errlen) != 0 || keel_identity_assume(&id, err, errlen) != 0)
        return -1;
    if (!id.change)
        return 0;
    /* A change of user clears the parent-death signal: set it again, and
     * check the front did not go meanwhile. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != front) {
        snprintf(err, errlen, "the front is gone");
        return -1;
    }
    /* It also made the process undumpable, which keeps other processes of
     * the PHP user (other workers included) from ptrace()ing it and its
     * workers. Reading a worker's stack (--slow-request,
     * --request-timeout) and dumping core (--core-dir) need it dumpable:
     * only then (docs/security.md). */
    if ((z->cfg.core_dir != NULL || z->cfg.slow_request_ms != 0 || z->cfg.request_timeout_ms != 0) &&
        prctl(PR_SET_DUMPABLE, 1) != 0) {
        snprintf(err, errlen, "cannot make PHP's processes dumpable: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int
keel_zygote_main(int argc, char **argv)
{
    zygote_t z = {.ctl = KEEL_ZYGOTE_CONTROL_FD};
    keel_log_set_role("zygote");
    /* First of all: nothing of the front's, or of whoever started it,
     * stays reachable from PHP. */
    if (take_descriptors() != 0) {
        keel_error("cannot set up the zygote's descriptors: %s", strerror(errno));
        return 1;
    }
    if (prctl(PR_SET_NAME, "keel: zygote") != 0)
        keel_warn("cannot name the process: %s", strerror(errno));
    uint64_t gen;
    if (argc < 2 || keel_parse_uint(argv[1], 1, UINT32_MAX, &gen) != 0) {
        keel_error("usage: keel zygote GENERATION [serve options]");
        return 2;
    }
    z.generation = (uint32_t)gen;

    char err[512];
    keel_config_defaults(&z.cfg);
    keel_config_args_t config_args; /* cfg's strings point into it: kept for the process */
    if (keel_config_load(&z.cfg, argc - 2, argv + 2, &config_args, err, sizeof(err)) != KEEL_CONFIG_OK ||
        keel_app_paths_resolve(&z.paths, z.cfg.root, z.cfg.front_controller, z.cfg.worker_script, err, sizeof(err)) !=
            0) {
        keel_error("%s", err);
        return 2;
    }

    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    if (sigprocmask(SIG_BLOCK, &mask, &z.saved_mask) != 0 ||
        (z.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
        keel_error("signalfd: %s", strerror(errno));
        return 1;
    }
    /* No core file from the zygote itself; workers set their own. */
    struct rlimit no_core = {0, 0};
    if (z.cfg.core_dir == NULL && setrlimit(RLIMIT_CORE, &no_core) != 0)
        keel_warn("cannot turn core dumps off: %s", strerror(errno));
    /* Workers write to sockets PHP scripts opened; a peer closing one
     * must be an error for the script, not a signal killing the worker. */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
        keel_error("cannot ignore SIGPIPE: %s", strerror(errno));
        return 1;
    }

    z.stride = keel_queue_slot_stride();
    z.claims =
        mmap(NULL, keel_queue_shared_bytes(z.stride), PROT_READ | PROT_WRITE, MAP_SHARED, KEEL_QUEUE_CLAIMS_FD, 0);
    if (z.claims == MAP_FAILED || close(KEEL_QUEUE_CLAIMS_FD) != 0) {
        keel_error("cannot map the claim slots the front passed: %s", strerror(errno));
        return 1;
    }
    /* What PHP starts and leaves behind becomes the zygote's, to end with
     * the generation (end_leftovers). */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
        keel_warn("cannot adopt what PHP leaves behind: %s", strerror(errno));
    if (become_php_user(&z, getppid(), err, sizeof(err)) != 0) {
        send_frame(&z, KEEL_IPC_ZYGOTE_FAILED, err, strlen(err), -1);
        keel_error("%s", err);
        return 1;
    }

    if (keel_php_startup(&z.cfg, err, sizeof(err)) != 0) {
        send_frame(&z, KEEL_IPC_ZYGOTE_FAILED, err, strlen(err), -1);
        keel_error("%s", err);
        return 1;
    }
    keel_opcache_hook_reset();
    keel_integrations_autoload_install();
    send_php_info(&z);
    uint8_t p[KEEL_IPC_ZYGOTE_READY_SIZE];
    keel_ipc_zygote_ready_put(
        p, &(keel_ipc_zygote_ready_t){.pid = (uint32_t)getpid(), .opcache = keel_php_opcache_enabled()});
    if (send_frame(&z, KEEL_IPC_ZYGOTE_READY, p, sizeof(p), -1) != 0) {
        keel_error("cannot reach the front: %s", strerror(errno));
        return 1;
    }

    serve_control(&z);
    stop_workers(&z);
    end_leftovers(&z);
    keel_captures_close_all(&z.captures);
    keel_php_shutdown();
    free(z.live_workers);
    keel_config_args_free(&config_args);
    return 0;
}
