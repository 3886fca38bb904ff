#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common/log_escape.h"

/* A line at most; longer messages are cut. */
#define LOG_LINE_MAX 4096
/* A detail block (a backtrace) at most. */
#define LOG_BLOCK_MAX 16384

/* The role and the descriptor are process-wide by nature: set once after
 * each fork, read by every log call in that process. */
static char log_role[32] = "keel";
static int log_fd = STDERR_FILENO;

void
keel_log_set_role(const char *role)
{
    snprintf(log_role, sizeof(log_role), "%s", role);
}

void
keel_log_set_fd(int fd)
{
    log_fd = fd;
}

/* Writes the line's prefix and the escaped message into out[cap]; returns
 * the length, room left for a newline. */
static size_t
format_line(char *out, size_t cap, keel_log_level_t level, const char *fmt, va_list ap)
{
    static const char *const names[] = {"error", "warn", "info"};
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    int n = snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s keel[%d] %s: ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)(tv.tv_usec / 1000),
                     names[level], (int)getpid(), log_role);
    if (n < 0 || (size_t)n >= cap - 1)
        return 0;
    char message[LOG_LINE_MAX];
    int m = vsnprintf(message, sizeof(message), fmt, ap);
    size_t mlen = m < 0 ? 0 : (size_t)m < sizeof(message) ? (size_t)m : sizeof(message) - 1;
    /* cap - 1: the newline */
    return (size_t)n + keel_log_escape(out + n, cap - 1 - (size_t)n, message, mlen);
}

/* One write per line (or block) so concurrent processes never interleave
 * within it; a failed log write has nowhere better to go. */
static void
emit(const char *buf, size_t len)
{
    ssize_t w = write(log_fd, buf, len);
    (void)w;
}

void
keel_log(keel_log_level_t level, const char *fmt, ...)
{
    char line[LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    size_t len = format_line(line, sizeof(line), level, fmt, ap);
    va_end(ap);
    line[len++] = '\n';
    emit(line, len);
}

void
keel_log_detail(keel_log_level_t level, const char *detail, const char *fmt, ...)
{
    char block[LOG_BLOCK_MAX];
    va_list ap;
    va_start(ap, fmt);
    size_t len = format_line(block, LOG_LINE_MAX, level, fmt, ap);
    va_end(ap);
    block[len++] = '\n';
    for (const char *p = detail; *p != '\0';) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        /* "  ", at least one character, the newline */
        if (n != 0 && sizeof(block) - len > 4) {
            block[len++] = ' ';
            block[len++] = ' ';
            len += keel_log_escape(block + len, sizeof(block) - len - 1, p, n);
            block[len++] = '\n';
        }
        p += n + (nl != NULL);
    }
    emit(block, len);
}
