#include "cli/doctor_gather.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/close.h"
#include "common/app_paths.h"
#include "common/log.h"
#include "common/statm.h"
#include "common/text.h"

/* A preload that never ends should not hang the doctor. */
#define PHP_START_TIMEOUT_S 60
/* Bounds on the walk of the application's files. */
#define WALK_DEPTH   64
#define WALK_ENTRIES 5000000

keel_php_facts_t *
keel_doctor_php_facts_map(char *err, size_t errlen)
{
    void *p = mmap(NULL, sizeof(keel_php_facts_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        snprintf(err, errlen, "mmap: %s", strerror(errno));
        return NULL;
    }
    return p;
}

void
keel_doctor_php_facts_unmap(keel_php_facts_t *php)
{
    if (php != NULL && munmap(php, sizeof(*php)) != 0)
        fprintf(stderr, "keel doctor: munmap: %s\n", strerror(errno));
}

/* --- the application's files --- */

typedef struct {
    uint64_t files, bytes, entries;
} walk_t;

static bool
is_php(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".php") == 0;
}

/* Counts *.php files below the directory open at fd (which it closes),
 * without following symbolic links or entering hidden directories (.git). */
static void
walk(int fd, unsigned depth, walk_t *w)
{
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        keel_cli_close(fd, "a directory");
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL && ++w->entries < WALK_ENTRIES) {
        if (e->d_name[0] == '.')
            continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISDIR(st.st_mode) && depth < WALK_DEPTH) {
            int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0)
                walk(sub, depth + 1, w);
        } else if (S_ISREG(st.st_mode) && is_php(e->d_name)) {
            w->files++;
            w->bytes += (uint64_t)st.st_size;
        }
    }
    if (closedir(d) != 0)
        fprintf(stderr, "keel doctor: closedir: %s\n", strerror(errno));
}

/* The application's code: the root, or the Composer project it is the
 * public directory of (vendor/ and src/ beside public/ are what OPcache
 * will hold). */
static void
find_app(const keel_config_t *cfg, keel_doctor_facts_t *f)
{
    keel_app_paths_t *paths = calloc(1, sizeof(*paths));
    if (paths == NULL) {
        snprintf(f->root_error, sizeof(f->root_error), "out of memory");
        return;
    }
    f->root_ok = keel_app_paths_resolve(paths, cfg->root, cfg->front_controller, cfg->worker_script, f->root_error,
                                        sizeof(f->root_error)) == 0;
    if (!f->root_ok) {
        keel_str_copy(f->app_dir, sizeof(f->app_dir), cfg->root);
        free(paths);
        return;
    }
    if (close(paths->root_fd) != 0)
        fprintf(stderr, "keel doctor: close: %s\n", strerror(errno));
    keel_str_copy(f->app_dir, sizeof(f->app_dir), paths->root);
    free(paths);
    char composer[sizeof(f->app_dir) + 32];
    snprintf(composer, sizeof(composer), "%s/composer.json", f->app_dir);
    char *slash = strrchr(f->app_dir, '/');
    if (access(composer, F_OK) != 0 && slash != NULL && slash != f->app_dir) {
        snprintf(composer, sizeof(composer), "%.*s/composer.json", (int)(slash - f->app_dir), f->app_dir);
        if (access(composer, F_OK) == 0)
            *slash = '\0';
    }
    int fd = open(f->app_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        walk_t w = {0};
        walk(fd, 0, &w);
        f->php_files = w.files;
        f->php_bytes = w.bytes;
    }
}

/* --- PHP --- */

/* Copies what the child writes to its stderr to ours, and keeps its last
 * line: PHP reports a failed start there (a preload error, say). */
static void
relay_stderr(int fd, char *last, size_t cap)
{
    char line[512];
    size_t len = 0;
    last[0] = '\0';
    for (;;) {
        char buf[4096];
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        /* PHP's messages are shown as they come; failing to show them
         * has nowhere better to be said, and the findings come anyway */
        ssize_t w = write(STDERR_FILENO, buf, (size_t)n);
        (void)w;
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == '\n') {
                if (len > 0) {
                    line[len] = '\0';
                    keel_str_copy(last, cap, line);
                }
                len = 0;
            } else if (len < sizeof(line) - 1) {
                line[len++] = buf[i];
            }
        }
    }
    if (len > 0) {
        line[len] = '\0';
        keel_str_copy(last, cap, line);
    }
}

/* Starts PHP in a child, as a zygote would, and waits for its facts. */
static void
php_facts(const keel_config_t *cfg, keel_php_facts_t *php)
{
    memset(php, 0, sizeof(*php));
    fflush(stdout);
    fflush(stderr);
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        snprintf(php->error, sizeof(php->error), "pipe: %s", strerror(errno));
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(php->error, sizeof(php->error), "fork: %s", strerror(errno));
        keel_cli_close(p[0], "a pipe");
        keel_cli_close(p[1], "a pipe");
        return;
    }
    if (pid == 0) {
        /* what PHP prints while starting goes to the parent, which shows
         * it and keeps the last line; none of it mixes with the findings */
        if (dup2(p[1], STDOUT_FILENO) < 0 || dup2(p[1], STDERR_FILENO) < 0)
            _exit(1);
        keel_log_set_role("doctor: php");
        alarm(PHP_START_TIMEOUT_S);
        keel_php_facts_gather(cfg, keel_doctor_settings, keel_doctor_settings_count, php);
        fflush(stdout);
        _exit(0);
    }
    keel_cli_close(p[1], "a pipe");
    char last[512];
    relay_stderr(p[0], last, sizeof(last));
    keel_cli_close(p[0], "a pipe");
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            snprintf(php->error, sizeof(php->error), "waitpid: %s", strerror(errno));
            php->started = false;
            return;
        }
    }
    if (WIFSIGNALED(status)) {
        php->started = false;
        if (WTERMSIG(status) == SIGALRM)
            snprintf(php->error, sizeof(php->error), "it did not finish starting within %d s", PHP_START_TIMEOUT_S);
        else
            snprintf(php->error, sizeof(php->error), "the process starting it died of signal %d (%s)%s%s",
                     WTERMSIG(status), strsignal(WTERMSIG(status)), last[0] ? "; it last said: " : "", last);
    } else if (!php->started && (php->error[0] == '\0' || WEXITSTATUS(status) != 0)) {
        /* PHP exit()s on some start-up errors, before keel hears why */
        snprintf(php->error, sizeof(php->error), "PHP exited with status %d%s%s", WEXITSTATUS(status),
                 last[0] ? ": " : "", last);
    }
}

/* --- the machine --- */

static void
read_core_pattern(keel_doctor_facts_t *f)
{
    int fd = open("/proc/sys/kernel/core_pattern", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, f->core_pattern, sizeof(f->core_pattern) - 1);
    keel_cli_close(fd, "core_pattern");
    if (n <= 0)
        return;
    f->core_pattern[n] = '\0';
    f->core_pattern[strcspn(f->core_pattern, "\n")] = '\0';
    f->have_core_pattern = true;
}

int
keel_doctor_gather(const keel_config_t *cfg, keel_doctor_facts_t *f, keel_php_facts_t *php, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    memset(f, 0, sizeof(*f));
    f->cfg = cfg;
    f->php = php;
    f->euid = geteuid();
    f->admin_token = cfg->admin_token_file != NULL;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    f->cpus = cpus > 0 ? (unsigned)cpus : 1;
    /* before PHP: this process is what a front weighs before it serves */
    keel_statm_t m;
    if (keel_statm_read(getpid(), -1, &m) == 0)
        f->front_bytes = m.resident;
    f->have_limit = keel_mem_limit_read(&f->limit, NULL) == 0;
    int n = keel_memory_mounts_read(f->mounts, KEEL_DOCTOR_MOUNTS, NULL);
    f->mount_count = n > 0 ? (size_t)n : 0;
    for (size_t i = 0; i < f->mount_count; i++)
        f->mount_used[i] = keel_fs_used_bytes(f->mounts[i].mountpoint);
    read_core_pattern(f);
    find_app(cfg, f);
    php_facts(cfg, php);
    return 0;
}
