/*
 * --watch (development): reload when files under the root change. inotify
 * watches every directory under the root; changes are collected for a
 * short quiet period so that saving many files makes one reload.
 */
#ifndef KEEL_FRONT_WATCH_H
#define KEEL_FRONT_WATCH_H

#include <stdbool.h>

#include <h2o.h>

typedef struct {
    int fd;
    h2o_socket_t *sock;
    const char *root;
    h2o_timeout_t quiet;
    h2o_timeout_entry_t quiet_entry;
    bool rescan; /* a directory was created: watch the tree again */
    /* files changed under root, and then stayed quiet */
    void (*changed)(void *owner);
    void *owner;
} keel_watch_t;

/* Starts watching root. Returns 0, or -1 (logged) when inotify refuses. */
int keel_watch_start(keel_watch_t *w, h2o_loop_t *loop, const char *root, void (*changed)(void *owner), void *owner);

#endif
