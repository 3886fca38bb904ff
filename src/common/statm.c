#include "common/statm.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int
keel_statm_parse(const char *text, long page_size, keel_statm_t *out)
{
    unsigned long size, resident, shared;
    if (sscanf(text, "%lu %lu %lu", &size, &resident, &shared) != 3 || shared > resident || page_size <= 0)
        return -1;
    out->resident = (uint64_t)resident * (uint64_t)page_size;
    out->private = (uint64_t)(resident - shared) * (uint64_t)page_size;
    return 0;
}

int
keel_statm_read(pid_t pid, int fd, keel_statm_t *out)
{
    char buf[128];
    ssize_t n;
    if (pid <= 0) {
        n = pread(fd, buf, sizeof(buf) - 1, 0);
    } else {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
        int own = open(path, O_RDONLY | O_CLOEXEC);
        if (own < 0)
            return -1;
        n = read(own, buf, sizeof(buf) - 1);
        close(own);
    }
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    return keel_statm_parse(buf, sysconf(_SC_PAGESIZE), out);
}
