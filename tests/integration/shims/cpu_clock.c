/*
 * Preloaded into keel by test_priority.py (LD_PRELOAD). In the front
 * process only (`keel serve`), clock_gettime(CLOCK_PROCESS_CPUTIME_ID)
 * answers a CPU time that grows at a share of a CPU the test sets, so the
 * front's priority decision (src/front/priority.c, every 250 ms tick) can
 * be driven whatever else the machine runs. Every other clock, and every
 * other process (the zygote and its workers run `keel zygote ...`), is
 * left alone.
 *
 * The front reads its CPU time and then CLOCK_MONOTONIC, and divides the
 * growth of one by the growth of the other. Preempted between the two
 * reads (a busy machine), its wall figure would run ahead of the CPU
 * figure made here and the share it computes would be off by as much as
 * the preemption lasted: the CLOCK_MONOTONIC reading that follows a CPU
 * time reading in the same thread is therefore the instant that CPU time
 * was made for, as if both clocks had been read at once.
 *
 * KEEL_TEST_CPU_DIR names a directory the test owns:
 *   share  the share of a CPU the front is to seem to use from now on, in
 *          millionths ("520000": 0.52 of a CPU); absent: none
 *   calls  written (atomically, by rename) after each reading: how many
 *          there were, so the test can wait for the front's next decisions
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);

static const char *dir; /* NULL: not the front, or not asked for */
static uint64_t fake_ns, last_ns, calls;
static __thread uint64_t pinned_ns; /* the next CLOCK_MONOTONIC reading, if not 0 */

static int
real_clock_gettime(clockid_t id, struct timespec *ts)
{
    static clock_gettime_fn real;
    if (real == NULL)
        real = (clock_gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
    return real(id, ts);
}

__attribute__((constructor)) static void
init(void)
{
    char cmd[256];
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, cmd, sizeof(cmd) - 1);
    close(fd);
    if (n <= 0)
        return;
    cmd[n] = '\0';
    size_t first = strlen(cmd) + 1;
    if ((ssize_t)first < n && strcmp(cmd + first, "serve") == 0)
        dir = getenv("KEEL_TEST_CPU_DIR");
}

static uint64_t
share_millionths(void)
{
    char path[4096], buf[32];
    snprintf(path, sizeof(path), "%s/share", dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return strtoull(buf, NULL, 10);
}

static void
count_call(void)
{
    char path[4096], tmp[4096], buf[32];
    snprintf(path, sizeof(path), "%s/calls", dir);
    snprintf(tmp, sizeof(tmp), "%s/calls.tmp", dir);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    int len = snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)++calls);
    ssize_t w = write(fd, buf, (size_t)len);
    close(fd);
    if (w == len)
        rename(tmp, path);
}

int
clock_gettime(clockid_t id, struct timespec *ts)
{
    if (dir != NULL && id == CLOCK_MONOTONIC && pinned_ns != 0) {
        ts->tv_sec = (time_t)(pinned_ns / 1000000000u);
        ts->tv_nsec = (long)(pinned_ns % 1000000000u);
        pinned_ns = 0;
        return 0;
    }
    if (dir == NULL || id != CLOCK_PROCESS_CPUTIME_ID)
        return real_clock_gettime(id, ts);
    struct timespec now;
    if (real_clock_gettime(CLOCK_MONOTONIC, &now) != 0)
        return -1;
    uint64_t now_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    if (last_ns != 0)
        fake_ns += (now_ns - last_ns) / 1000 * share_millionths() / 1000;
    last_ns = now_ns;
    pinned_ns = now_ns;
    ts->tv_sec = (time_t)(fake_ns / 1000000000u);
    ts->tv_nsec = (long)(fake_ns % 1000000000u);
    count_call();
    return 0;
}
