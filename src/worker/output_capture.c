#include "worker/output_capture.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"

int
keel_captures_add(keel_captures_t *c, uint32_t id, pid_t pid, int fd)
{
    if (c->count == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        void *p = realloc(c->items, cap * sizeof(*c->items));
        if (p == NULL) {
            close(fd);
            return -1;
        }
        c->items = p;
        c->cap = cap;
    }
    keel_capture_t *cap = malloc(sizeof(*cap));
    if (cap == NULL) {
        close(fd);
        return -1;
    }
    cap->id = id;
    cap->pid = pid;
    cap->fd = fd;
    cap->len = 0;
    c->items[c->count++] = cap;
    return 0;
}

size_t
keel_captures_pollfds(const keel_captures_t *c, struct pollfd *out, size_t max)
{
    size_t n = c->count < max ? c->count : max;
    for (size_t i = 0; i < n; i++)
        out[i] = (struct pollfd){.fd = c->items[i]->fd, .events = POLLIN};
    return n;
}

static void
log_line(const keel_capture_t *cap, const char *line, size_t len)
{
    keel_warn("worker %u (pid %d) printed: %.*s", cap->id, (int)cap->pid, (int)len, line);
}

/* Logs the whole lines gathered, and a full buffer as one piece; keeps
 * the start of an unfinished line. */
static void
split(keel_capture_t *cap)
{
    size_t start = 0;
    for (size_t i = 0; i < cap->len; i++) {
        if (cap->line[i] != '\n')
            continue;
        log_line(cap, cap->line + start, i - start);
        start = i + 1;
    }
    if (start == 0 && cap->len == sizeof(cap->line)) {
        log_line(cap, cap->line, cap->len);
        start = cap->len;
    }
    memmove(cap->line, cap->line + start, cap->len - start);
    cap->len -= start;
}

/* Reads what the pipe holds. Returns 0, or -1 once it has ended. */
static int
drain(keel_capture_t *cap)
{
    for (;;) {
        ssize_t n = read(cap->fd, cap->line + cap->len, sizeof(cap->line) - cap->len);
        if (n > 0) {
            cap->len += (size_t)n;
            split(cap);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        return -1; /* every writer is gone (or the pipe failed) */
    }
}

static void
finish(keel_capture_t *cap)
{
    if (cap->len != 0)
        log_line(cap, cap->line, cap->len);
    if (close(cap->fd) != 0)
        keel_warn("closing worker %u's output pipe: %s", cap->id, strerror(errno));
    free(cap);
}

void
keel_captures_service(keel_captures_t *c, const struct pollfd *pfds, size_t n)
{
    /* pfds[i] is items[i]'s; ended pipes are removed after the pass */
    size_t kept = 0;
    for (size_t i = 0; i < c->count; i++) {
        keel_capture_t *cap = c->items[i];
        bool ready = i < n && pfds[i].fd == cap->fd && (pfds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0;
        if (ready && drain(cap) != 0) {
            finish(cap);
            continue;
        }
        c->items[kept++] = cap;
    }
    c->count = kept;
}

void
keel_captures_close_all(keel_captures_t *c)
{
    for (size_t i = 0; i < c->count; i++) {
        drain(c->items[i]);
        finish(c->items[i]);
    }
    free(c->items);
    c->items = NULL;
    c->count = c->cap = 0;
}

void
keel_captures_forget(keel_captures_t *c)
{
    for (size_t i = 0; i < c->count; i++) {
        close(c->items[i]->fd);
        free(c->items[i]);
    }
    free(c->items);
    c->items = NULL;
    c->count = c->cap = 0;
}
