#include "common/statm.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

/* One space-separated decimal field; NULL when there is none or it
 * overflows. Hand-written: sscanf() was most of the parse's cost, and
 * workers parse their statm after every request. */
static const char *
parse_field(const char *p, uint64_t *out)
{
    while (*p == ' ')
        p++;
    if (*p < '0' || *p > '9')
        return NULL;
    uint64_t v = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return NULL;
        v = v * 10 + d;
    }
    *out = v;
    return p;
}

int
keel_statm_parse(const char *text, long page_size, keel_statm_t *out)
{
    uint64_t size, resident, shared;
    const char *p = parse_field(text, &size);
    p = p ? parse_field(p, &resident) : NULL;
    p = p ? parse_field(p, &shared) : NULL;
    if (p == NULL || shared > resident || page_size <= 0)
        return -1;
    out->resident = resident * (uint64_t)page_size;
    out->private = (resident - shared) * (uint64_t)page_size;
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
    /* The page size cannot change while the process runs; asking sysconf()
     * once spares a call per request (keel's processes are single-threaded). */
    static long page_size;
    if (page_size == 0)
        page_size = sysconf(_SC_PAGESIZE);
    return keel_statm_parse(buf, page_size, out);
}
