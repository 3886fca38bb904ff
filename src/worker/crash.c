#include "worker/crash.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <main/php.h>
#include <Zend/zend_compile.h>

#include "common/log.h"
#include "common/log_escape.h"

/* Set once per worker before any signal can arrive; read by the handler,
 * which has no other way to know it. */
static char core_dir_path[512];

static void
on_fatal_signal(int sig)
{
    /* Async-signal-safe only: move where the dump may go, then die of the
     * same signal (the handler was reset by SA_RESETHAND). */
    if (chdir(core_dir_path) != 0)
        _exit(128 + sig);
    raise(sig);
}

int
keel_crash_setup(const char *core_dir)
{
    struct rlimit rl = {0, 0};
    if (core_dir == NULL)
        return setrlimit(RLIMIT_CORE, &rl);
    snprintf(core_dir_path, sizeof(core_dir_path), "%s", core_dir);
    rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
    if (setrlimit(RLIMIT_CORE, &rl) != 0) {
        /* an unprivileged process may not raise its hard limit: use it */
        if (getrlimit(RLIMIT_CORE, &rl) != 0)
            return -1;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_CORE, &rl) != 0)
            return -1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_fatal_signal;
    sa.sa_flags = SA_RESETHAND | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    const int sigs[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGQUIT, SIGSYS, SIGTRAP};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        if (sigaction(sigs[i], &sa, NULL) != 0)
            return -1;
    return 0;
}

/* --- backtrace --- */

/* Reads n bytes at `remote` in process pid. Workers are forks of the
 * zygote, so PHP's globals sit at the same addresses in both. */
static int
rread(pid_t pid, const void *remote, void *local, size_t n)
{
    struct iovec l = {local, n}, r = {(void *)remote, n};
    return process_vm_readv(pid, &l, 1, &r, 1, 0) == (ssize_t)n ? 0 : -1;
}

/* Appends the string, escaped: a function or file name is the script's
 * to choose, and may hold a newline meant to forge a log line. */
static void
append_zstr(pid_t pid, const zend_string *remote, char *buf, size_t *len, size_t cap)
{
    zend_string head;
    char raw[200];
    if (remote == NULL || rread(pid, remote, &head, sizeof(head)) != 0)
        return;
    size_t n = ZSTR_LEN(&head) < sizeof(raw) ? ZSTR_LEN(&head) : sizeof(raw);
    if (*len + 1 >= cap || rread(pid, (const char *)remote + offsetof(zend_string, val), raw, n) != 0)
        return;
    *len += keel_log_escape(buf + *len, cap - *len, raw, n);
}

/*
 * Like PHP-FPM's slowlog: the stack of the request a worker is running,
 * read from outside with process_vm_readv, so the worker is neither
 * stopped nor interrupted (a signal would cut a sleep() or a database
 * call short). The frames may be changing as they are read; the result
 * is a best-effort picture, which is what a slow log is.
 */
int
keel_backtrace_remote(pid_t pid, char *buf, size_t cap)
{
    size_t len = 0;
    zend_execute_data *ex;
    if (rread(pid, &EG(current_execute_data), &ex, sizeof(ex)) != 0)
        return -1;
    for (int depth = 0; ex != NULL && depth < 64 && len + 300 < cap; depth++) {
        zend_execute_data frame;
        zend_function fn;
        if (rread(pid, ex, &frame, sizeof(frame)) != 0)
            break;
        ex = frame.prev_execute_data;
        if (frame.func == NULL || rread(pid, frame.func, &fn, sizeof(fn)) != 0)
            continue;
        if (len != 0)
            len += (size_t)snprintf(buf + len, cap - len, "\n");
        if (fn.common.scope != NULL) {
            zend_string *cls;
            if (rread(pid, (const char *)fn.common.scope + offsetof(zend_class_entry, name), &cls, sizeof(cls)) == 0) {
                append_zstr(pid, cls, buf, &len, cap);
                len += (size_t)snprintf(buf + len, cap - len, "::");
            }
        }
        if (fn.common.function_name != NULL)
            append_zstr(pid, fn.common.function_name, buf, &len, cap);
        else
            len += (size_t)snprintf(buf + len, cap - len, "{main}");
        len += (size_t)snprintf(buf + len, cap - len, "()");
        zend_op op;
        if (ZEND_USER_CODE(fn.type) && frame.opline != NULL && rread(pid, frame.opline, &op, sizeof(op)) == 0) {
            len += (size_t)snprintf(buf + len, cap - len, " ");
            append_zstr(pid, fn.op_array.filename, buf, &len, cap);
            len += (size_t)snprintf(buf + len, cap - len, ":%u", op.lineno);
        }
    }
    buf[len < cap ? len : cap - 1] = '\0';
    return 0;
}

/* --- core files --- */

void
keel_core_collect(const char *core_dir, pid_t pid, unsigned keep)
{
    char from[600], to[600];
    snprintf(from, sizeof(from), "%s/core", core_dir);
    snprintf(to, sizeof(to), "%s/core.%d", core_dir, (int)pid);
    struct stat st;
    if (stat(from, &st) == 0 && rename(from, to) == 0)
        keel_warn("worker (pid %d) dumped core: %s", (int)pid, to);
    /* keep the newest `keep` core.* files */
    for (;;) {
        DIR *d = opendir(core_dir);
        if (d == NULL)
            return;
        unsigned count = 0;
        struct timespec oldest_time = {0, 0};
        char oldest[600] = "";
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strncmp(e->d_name, "core.", 5) != 0)
                continue;
            char path[600];
            snprintf(path, sizeof(path), "%s/%s", core_dir, e->d_name);
            if (stat(path, &st) != 0)
                continue;
            count++;
            /* nanoseconds: several dumps can land within one second */
            if (oldest[0] == '\0' || st.st_mtim.tv_sec < oldest_time.tv_sec ||
                (st.st_mtim.tv_sec == oldest_time.tv_sec && st.st_mtim.tv_nsec < oldest_time.tv_nsec)) {
                oldest_time = st.st_mtim;
                snprintf(oldest, sizeof(oldest), "%s", path);
            }
        }
        closedir(d);
        if (count <= keep || oldest[0] == '\0')
            return;
        if (unlink(oldest) != 0)
            return;
    }
}
