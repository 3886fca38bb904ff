#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* The role is process-wide by nature: set once after each fork, read by
 * every log call in that process. */
static char log_role[32] = "keel";

void
keel_log_set_role(const char *role)
{
    snprintf(log_role, sizeof(log_role), "%s", role);
}

void
keel_log(keel_log_level_t level, const char *fmt, ...)
{
    static const char *const names[] = {"error", "warn", "info"};
    char line[4096];
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s keel[%d] %s: ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)(tv.tv_usec / 1000),
                     names[level], (int)getpid(), log_role);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof(line) - 2)
        len = sizeof(line) - 2;
    line[len++] = '\n';
    /* One write per line so concurrent processes never interleave within a
     * line; a failed log write has nowhere better to go. */
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}
