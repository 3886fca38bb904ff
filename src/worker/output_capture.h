/*
 * What workers print. A worker's fds 1 and 2 (and so those of anything
 * PHP starts) are the write end of a pipe whose read end the zygote keeps;
 * the zygote logs what arrives line by line, each line escaped and
 * prefixed with the worker it came from, as PHP-FPM's
 * catch_workers_output does. A script writing to php://stderr therefore
 * cannot put a line into keel's log that looks like one of keel's.
 */
#ifndef KEEL_WORKER_OUTPUT_CAPTURE_H
#define KEEL_WORKER_OUTPUT_CAPTURE_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A line longer than this is logged in pieces of this size. */
#define KEEL_CAPTURE_LINE_MAX 2048

typedef struct {
    uint32_t id; /* the worker's, for the prefix */
    pid_t pid;
    int fd; /* the pipe's read end, non-blocking */
    size_t len;
    char line[KEEL_CAPTURE_LINE_MAX]; /* the line being gathered */
} keel_capture_t;

typedef struct {
    keel_capture_t **items; /* open pipes: until every writer is gone */
    size_t count, cap;
} keel_captures_t;

/* Starts reading worker id's pipe (fd, taken over). Returns 0, or -1
 * without memory (fd is closed then). */
int keel_captures_add(keel_captures_t *c, uint32_t id, pid_t pid, int fd);

/* Writes a pollfd for each open pipe into out[max]; returns how many. */
size_t keel_captures_pollfds(const keel_captures_t *c, struct pollfd *out, size_t max);

/* Reads what the pipes of the polled descriptors (pfds[n], as written by
 * keel_captures_pollfds) hold, logs every whole line, and closes the pipes
 * that reached their end. */
void keel_captures_service(keel_captures_t *c, const struct pollfd *pfds, size_t n);

/* Logs what is left (a last line without its newline) and closes every
 * pipe. */
void keel_captures_close_all(keel_captures_t *c);

/* Closes every pipe without reading it: a new worker's copy of the
 * zygote's pipes. */
void keel_captures_forget(keel_captures_t *c);

#endif
