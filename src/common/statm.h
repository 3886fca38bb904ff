/* A process's resident memory from /proc/PID/statm: cheap enough to read
 * after every request, unlike smaps_rollup. */
#ifndef KEEL_COMMON_STATM_H
#define KEEL_COMMON_STATM_H

#include <stdint.h>
#include <sys/types.h>

typedef struct {
    uint64_t resident; /* bytes */
    uint64_t private;  /* resident minus file-backed and shared pages (OPcache's
                        * segment, libraries): the process's own anonymous memory */
} keel_statm_t;

/* Parses statm text; returns 0, or -1 when it is not statm. */
int keel_statm_parse(const char *text, long page_size, keel_statm_t *out);

/* Reads statm from an open /proc/.../statm descriptor (pid <= 0) or from
 * /proc/PID/statm. Returns 0, or -1 (the process is gone, or no /proc). */
int keel_statm_read(pid_t pid, int fd, keel_statm_t *out);

#endif
