#include "cli/serve_child.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/close.h"
#include "common/text.h"

/* The child side of the fork: never returns. Only async-signal-safe calls
 * between fork and exec. */
static void
exec_serve(int log_w, pid_t parent, char *const argv[], const sigset_t *mask)
{
    /* Its own group: the terminal's Ctrl-C goes to the command only. */
    if (setpgid(0, 0) != 0)
        _exit(127);
    /* Gone with the command, even if it is killed outright; the check
     * closes the race with a parent that died before prctl. */
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
        _exit(127);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 || dup2(log_w, STDERR_FILENO) < 0)
        _exit(127);
    if (sigprocmask(SIG_SETMASK, mask, NULL) != 0)
        _exit(127);
    execv("/proc/self/exe", argv);
    _exit(127);
}

int
keel_serve_child_start(keel_serve_child_t *c, char *const argv[], const sigset_t *mask, char *err, size_t errlen)
{
    memset(c, 0, sizeof(*c));
    c->log_fd = -1;
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        keel_cli_close(p[0], "a pipe");
        keel_cli_close(p[1], "a pipe");
        return -1;
    }
    if (pid == 0)
        exec_serve(p[1], parent, argv, mask);
    keel_cli_close(p[1], "a pipe");
    int fl = fcntl(p[0], F_GETFL);
    if (fl < 0 || fcntl(p[0], F_SETFL, fl | O_NONBLOCK) != 0) {
        snprintf(err, errlen, "fcntl: %s", strerror(errno));
        keel_cli_close(p[0], "a pipe");
        c->pid = pid;
        keel_serve_child_stop(c);
        return -1;
    }
    c->pid = pid;
    c->log_fd = p[0];
    return 0;
}

static void
keep_line(keel_serve_child_t *c, const char *line)
{
    keel_str_copy(c->tail[c->tail_next], sizeof(c->tail[0]), line);
    c->tail_next = (c->tail_next + 1) % KEEL_SERVE_TAIL_LINES;
    if (c->tail_count < KEEL_SERVE_TAIL_LINES)
        c->tail_count++;
}

static void
emit(keel_serve_child_t *c, keel_serve_line_fn fn, void *ctx)
{
    c->partial[c->partial_len] = '\0';
    keep_line(c, c->partial);
    fn(ctx, c->partial);
    c->partial_len = 0;
}

int
keel_serve_child_read(keel_serve_child_t *c, keel_serve_line_fn fn, void *ctx)
{
    if (c->log_fd < 0)
        return 0;
    for (;;) {
        char buf[4096];
        ssize_t n = read(c->log_fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 1;
        if (n < 0)
            return -1;
        if (n == 0) {
            if (c->partial_len)
                emit(c, fn, ctx);
            keel_cli_close(c->log_fd, "keel's log");
            c->log_fd = -1;
            return 0;
        }
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == '\n') {
                emit(c, fn, ctx);
                continue;
            }
            c->partial[c->partial_len++] = buf[i];
            if (c->partial_len == sizeof(c->partial) - 1)
                emit(c, fn, ctx);
        }
    }
}

void
keel_serve_child_print_tail(const keel_serve_child_t *c, FILE *out, const char *indent)
{
    unsigned first = (c->tail_next + KEEL_SERVE_TAIL_LINES - c->tail_count) % KEEL_SERVE_TAIL_LINES;
    for (unsigned i = 0; i < c->tail_count; i++)
        fprintf(out, "%s%s\n", indent, c->tail[(first + i) % KEEL_SERVE_TAIL_LINES]);
}

int
keel_serve_child_stop(keel_serve_child_t *c)
{
    int status = -1;
    /* Closed first: keel ignores SIGPIPE, so what it logs while stopping
     * is dropped rather than filling a pipe nobody reads. */
    if (c->log_fd >= 0) {
        keel_cli_close(c->log_fd, "keel's log");
        c->log_fd = -1;
    }
    if (c->pid > 0) {
        /* ESRCH: it is a zombie already; waitpid reaps it below */
        if (kill(c->pid, SIGTERM) != 0 && errno != ESRCH)
            fprintf(stderr, "keel: cannot stop keel serve (pid %d): %s\n", (int)c->pid, strerror(errno));
        while (waitpid(c->pid, &status, 0) < 0) {
            if (errno != EINTR) {
                status = -1;
                break;
            }
        }
        c->pid = 0;
    }
    return status;
}
