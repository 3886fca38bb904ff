#include "common/fds.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

static bool
kept(int fd, const int *keep, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (keep[i] == fd)
            return true;
    return false;
}

/* Without close_range(2) (Linux before 5.9): one close per open
 * descriptor, as /proc lists them. */
static int
close_listed(const int *keep, size_t n)
{
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        return -1;
    int self = dirfd(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char *end;
        long fd = strtol(e->d_name, &end, 10);
        if (*end != '\0' || end == e->d_name || fd <= 2 || fd == self || kept((int)fd, keep, n))
            continue;
        close((int)fd); /* EBADF: gone meanwhile; nothing else can fail */
    }
    return closedir(d);
}

int
keel_fds_close_others(const int *keep, size_t n)
{
    /* Ranges between the kept descriptors, lowest first. */
    unsigned from = 3;
    for (;;) {
        unsigned next = ~0u; /* the lowest kept descriptor at or above from */
        for (size_t i = 0; i < n; i++)
            if (keep[i] >= 0 && (unsigned)keep[i] >= from && (unsigned)keep[i] < next)
                next = (unsigned)keep[i];
        if (next > from && close_range(from, next == ~0u ? ~0u : next - 1, 0) != 0)
            return errno == ENOSYS ? close_listed(keep, n) : -1;
        if (next == ~0u)
            return 0;
        from = next + 1;
    }
}

int
keel_fd_set_cloexec(int fd)
{
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0)
        return -1;
    return fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

int
keel_fds_null_stdin(void)
{
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    /* stdin is inherited: dup2 leaves it without close-on-exec */
    int rc = fd == STDIN_FILENO ? fcntl(fd, F_SETFD, 0) : dup2(fd, STDIN_FILENO);
    if (fd != STDIN_FILENO)
        close(fd);
    return rc < 0 ? -1 : 0;
}
