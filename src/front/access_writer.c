#include "front/access_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"

/* A mutex that cannot be locked is a broken process. */
static void
lock(pthread_mutex_t *mu)
{
    if (pthread_mutex_lock(mu) != 0)
        abort();
}

static void
unlock(pthread_mutex_t *mu)
{
    if (pthread_mutex_unlock(mu) != 0)
        abort();
}

static int
open_log(const char *path)
{
    /* 0640, as Debian's logrotate creates web servers' logs */
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
}

/* Writes all of buf; returns 0, or -1 (errno) when fd refuses. */
static int
write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static void
reopen(keel_access_writer_t *w)
{
    if (w->path == NULL)
        return;
    int fd = open_log(w->path);
    if (fd < 0) {
        keel_warn("access log: cannot reopen %s: %s; writing on to the file open before", w->path, strerror(errno));
        return;
    }
    if (close(w->fd) != 0)
        keel_warn("access log: closing the file before %s: %s", w->path, strerror(errno));
    w->fd = fd;
}

static void *
run(void *arg)
{
    keel_access_writer_t *w = arg;
    char *mine = NULL;
    size_t mine_cap = 0;
    bool failing = false;
    for (;;) {
        lock(&w->mu);
        while (w->queue_len == 0 && !w->reopen && !w->stop)
            pthread_cond_wait(&w->cv, &w->mu);
        /* take the queue whole: the loop goes on filling a fresh one */
        char *data = w->queue;
        size_t len = w->queue_len, cap = w->queue_cap;
        w->queue = mine;
        w->queue_cap = mine_cap;
        w->queue_len = 0;
        bool do_reopen = w->reopen, stop = w->stop;
        uint64_t dropped = w->dropped;
        w->reopen = false;
        w->dropped = 0;
        unlock(&w->mu);

        if (len > 0) {
            if (write_all(w->fd, data, len) != 0) {
                if (!failing)
                    keel_warn("access log: writing %s: %s; lines are lost until it works again",
                              w->path ? w->path : "to stdout", strerror(errno));
                failing = true;
            } else {
                failing = false;
            }
        }
        if (dropped != 0)
            keel_warn("access log: %llu lines dropped: %s took them slower than requests came",
                      (unsigned long long)dropped, w->path ? w->path : "stdout");
        mine = data;
        mine_cap = cap;
        if (do_reopen)
            reopen(w);
        if (stop) {
            lock(&w->mu);
            bool empty = w->queue_len == 0;
            unlock(&w->mu);
            if (empty)
                break;
        }
    }
    free(mine);
    return NULL;
}

int
keel_access_writer_open(keel_access_writer_t *w, const char *path, char *err, size_t errlen)
{
    memset(w, 0, sizeof(*w));
    w->path = strcmp(path, "-") == 0 ? NULL : path;
    if (w->path != NULL) {
        w->fd = open_log(w->path);
        if (w->fd < 0) {
            snprintf(err, errlen, "%s: %s", w->path, strerror(errno));
            return -1;
        }
    } else {
        w->fd = STDOUT_FILENO;
    }
    return 0;
}

int
keel_access_writer_start(keel_access_writer_t *w, char *err, size_t errlen)
{
    w->batch = malloc(KEEL_ACCESS_BATCH);
    if (w->batch == NULL || pthread_mutex_init(&w->mu, NULL) != 0 || pthread_cond_init(&w->cv, NULL) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = pthread_create(&w->thread, NULL, run, w);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start its writer thread: %s", strerror(rc));
        return -1;
    }
    w->started = true;
    return 0;
}

char *
keel_access_writer_reserve(keel_access_writer_t *w, size_t n)
{
    if (w->batch_len + n > KEEL_ACCESS_BATCH) {
        keel_access_writer_flush(w);
        if (n > KEEL_ACCESS_BATCH)
            return NULL; /* a line longer than a batch: its fields are bounded by the request's */
    }
    return w->batch + w->batch_len;
}

void
keel_access_writer_commit(keel_access_writer_t *w, size_t n)
{
    w->batch_len += n;
}

static size_t
count_lines(const char *p, size_t n)
{
    size_t lines = 0;
    for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
        lines++;
    return lines;
}

bool
keel_access_writer_flush(keel_access_writer_t *w)
{
    if (w->batch_len == 0)
        return false;
    lock(&w->mu);
    bool was_empty = w->queue_len == 0;
    if (w->queue_len + w->batch_len > KEEL_ACCESS_QUEUE_MAX) {
        w->dropped += count_lines(w->batch, w->batch_len);
    } else {
        if (w->queue_len + w->batch_len > w->queue_cap) {
            size_t cap = w->queue_cap ? w->queue_cap : KEEL_ACCESS_BATCH;
            while (cap < w->queue_len + w->batch_len)
                cap *= 2;
            char *q = realloc(w->queue, cap);
            if (q == NULL) {
                w->dropped += count_lines(w->batch, w->batch_len);
                goto out;
            }
            w->queue = q;
            w->queue_cap = cap;
        }
        memcpy(w->queue + w->queue_len, w->batch, w->batch_len);
        w->queue_len += w->batch_len;
        if (was_empty)
            pthread_cond_signal(&w->cv);
    }
out:
    unlock(&w->mu);
    w->batch_len = 0;
    return true;
}

void
keel_access_writer_reopen(keel_access_writer_t *w)
{
    if (!w->started)
        return;
    keel_access_writer_flush(w);
    lock(&w->mu);
    w->reopen = true;
    pthread_cond_signal(&w->cv);
    unlock(&w->mu);
}

void
keel_access_writer_close(keel_access_writer_t *w)
{
    if (!w->started)
        return;
    keel_access_writer_flush(w);
    lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->cv);
    unlock(&w->mu);
    int rc = pthread_join(w->thread, NULL);
    if (rc != 0)
        keel_warn("access log: joining its writer thread: %s", strerror(rc));
    w->started = false;
    if (w->path != NULL && close(w->fd) != 0)
        keel_warn("access log: closing %s: %s", w->path, strerror(errno));
    free(w->queue);
    free(w->batch);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
}
