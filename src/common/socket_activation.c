#include "common/socket_activation.h"

#include <stdio.h>
#include <string.h>

/* A decimal without sign or spaces, at most max; -1 otherwise. */
static long long
decimal(const char *s, long long max)
{
    if (s == NULL || *s == '\0')
        return -1;
    long long v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
        if (v > max)
            return -1;
    }
    return v;
}

int
keel_socket_activation_count(const char *listen_pid, const char *listen_fds, pid_t self, char *err, size_t errlen)
{
    if (listen_pid == NULL || listen_fds == NULL)
        return 0;
    long long pid = decimal(listen_pid, 0x7fffffff);
    if (pid <= 0) {
        snprintf(err, errlen, "socket activation: LISTEN_PID is not a process id");
        return -1;
    }
    /* meant for a parent that started keel without unsetting them */
    if ((pid_t)pid != self)
        return 0;
    long long n = decimal(listen_fds, 1000000);
    if (n < 0) {
        snprintf(err, errlen, "socket activation: LISTEN_FDS is not a count");
        return -1;
    }
    if (n > KEEL_LISTEN_FDS_MAX) {
        snprintf(err, errlen, "socket activation: %lld sockets passed, keel uses at most %d", n, KEEL_LISTEN_FDS_MAX);
        return -1;
    }
    return (int)n;
}
