/*
 * --watch (development): reload when files under the root change. inotify
 * watches every directory under the root but those PHP writes into
 * (--watch-ignore, or a default list of names: caches, logs, uploads,
 * sessions), so an application writing its cache does not reload itself;
 * changes are collected for a short quiet period so that saving many files
 * makes one reload, and the reload names the first file that changed.
 */
#ifndef KEEL_FRONT_WATCH_H
#define KEEL_FRONT_WATCH_H

#include <stdbool.h>
#include <limits.h>
#include <stddef.h>

#include <h2o.h>

/* Directory names not watched when --watch-ignore is not given. */
extern const char *const keel_watch_default_ignore[];

typedef struct {
    int fd;
    h2o_socket_t *sock;
    char root[PATH_MAX];       /* a copy: the paths it came from may go with their generation */
    const char *const *ignore; /* names, or root-relative paths with a '/' */
    size_t ignore_count;
    char **dirs; /* by inotify watch descriptor: the directory it watches */
    size_t dirs_len;
    h2o_timeout_t quiet;
    h2o_timeout_entry_t quiet_entry;
    bool rescan;                         /* a directory was created: watch the tree again */
    char first[PATH_MAX + NAME_MAX + 2]; /* the first path that changed since the last reload */
    unsigned more;                       /* and how many events came after it */
    /* files changed under root, and then stayed quiet; what names the
     * first of them ("/srv/app/src/a.php and 3 more") */
    void (*changed)(void *owner, const char *what);
    void *owner;
} keel_watch_t;

/* Starts watching root, leaving out the ignore list (NULL: the defaults).
 * Returns 0, or -1 (logged) when inotify refuses. */
int keel_watch_start(keel_watch_t *w, h2o_loop_t *loop, const char *root, const char *const *ignore,
                     size_t ignore_count, void (*changed)(void *owner, const char *what), void *owner);

#endif
