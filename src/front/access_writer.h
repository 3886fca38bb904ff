/*
 * Where access log lines go: a file (or stdout), written by a thread of
 * its own so that a slow disk or a full pipe never stalls the event loop.
 * The loop hands lines over in batches (keel_access_writer_add, then
 * _flush at least every KEEL_ACCESS_FLUSH_MS), the thread wakes for each
 * batch and writes it. Memory is bounded: past KEEL_ACCESS_QUEUE_MAX bytes
 * waiting, lines are dropped and counted, and the count is logged once
 * the writer catches up. SIGUSR1 (from the front's signal handler, via
 * _reopen) makes the thread reopen the file: logrotate's convention.
 */
#ifndef KEEL_FRONT_ACCESS_WRITER_H
#define KEEL_FRONT_ACCESS_WRITER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the loop gathers before it hands a batch over. */
#define KEEL_ACCESS_BATCH (64 * 1024)
/* The longest a line waits in the loop's batch. */
#define KEEL_ACCESS_FLUSH_MS 100
/* Bytes handed over and not yet written, at most. */
#define KEEL_ACCESS_QUEUE_MAX (16 * 1024 * 1024)

typedef struct {
    const char *path; /* NULL: stdout */
    /* the loop's side, touched only by the loop */
    char *batch;
    size_t batch_len;
    /* shared, under mu */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *queue;
    size_t queue_len, queue_cap;
    uint64_t dropped; /* lines dropped since the last report */
    bool reopen, stop;
    /* the thread's */
    int fd;
    pthread_t thread;
    bool started;
} keel_access_writer_t;

/* Opens path ("-": stdout). Returns 0, or -1 with a message in err. */
int keel_access_writer_open(keel_access_writer_t *w, const char *path, char *err, size_t errlen);

/* Starts the thread. Call with the signals the front handles blocked, so
 * the thread never takes them. Returns 0, or -1 with a message in err. */
int keel_access_writer_start(keel_access_writer_t *w, char *err, size_t errlen);

/* The loop's batch, room for n more bytes: write a line there and call
 * _commit with its length. NULL when there is no memory (the line is
 * lost). */
char *keel_access_writer_reserve(keel_access_writer_t *w, size_t n);
void keel_access_writer_commit(keel_access_writer_t *w, size_t n);

/* Hands the batch to the thread. Returns whether anything was handed. */
bool keel_access_writer_flush(keel_access_writer_t *w);

/* The thread reopens the file at its next turn (SIGUSR1). */
void keel_access_writer_reopen(keel_access_writer_t *w);

/* Hands over what is left, lets the thread write it and stop, and joins it. */
void keel_access_writer_close(keel_access_writer_t *w);

#endif
