#include "front/watch.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "common/log.h"

#define WATCH_EVENTS (IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF)
/* How many directories are watched at most: inotify watches cost kernel
 * memory, and a development tree is not this big. */
#define WATCH_MAX_DIRS 8192

static unsigned
watch_tree(int fd, const char *dir, unsigned budget)
{
    if (budget == 0)
        return 0;
    if (inotify_add_watch(fd, dir, WATCH_EVENTS) < 0) {
        keel_warn("--watch: cannot watch %s: %s", dir, strerror(errno));
        return 0;
    }
    unsigned used = 1;
    DIR *d = opendir(dir);
    if (d == NULL)
        return used;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && used < budget) {
        /* dot directories (.git, vendor caches) are not the application */
        if (e->d_name[0] == '.' || e->d_type != DT_DIR)
            continue;
        char sub[PATH_MAX];
        if (snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name) >= (int)sizeof(sub))
            continue;
        used += watch_tree(fd, sub, budget - used);
    }
    closedir(d);
    return used;
}

static void
on_quiet(h2o_timeout_entry_t *entry)
{
    keel_watch_t *w = H2O_STRUCT_FROM_MEMBER(keel_watch_t, quiet_entry, entry);
    w->changed(w->owner);
}

static void
on_events(h2o_socket_t *sock, const char *err)
{
    keel_watch_t *w = sock->data;
    if (err != NULL)
        return;
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    bool changed = false;
    for (;;) {
        ssize_t n = read(w->fd, buf, sizeof(buf));
        if (n <= 0)
            break;
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *ev = (struct inotify_event *)p;
            changed = true;
            /* a new directory: watch it too */
            if ((ev->mask & IN_CREATE) && (ev->mask & IN_ISDIR))
                w->rescan = true;
            p += sizeof(*ev) + ev->len;
        }
    }
    if (w->rescan) {
        w->rescan = false;
        watch_tree(w->fd, w->root, WATCH_MAX_DIRS);
    }
    if (changed && !h2o_timeout_is_linked(&w->quiet_entry))
        h2o_timeout_link(h2o_socket_get_loop(sock), &w->quiet, &w->quiet_entry);
}

int
keel_watch_start(keel_watch_t *w, h2o_loop_t *loop, const char *root, void (*changed)(void *owner), void *owner)
{
    w->root = root;
    w->changed = changed;
    w->owner = owner;
    w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->fd < 0) {
        keel_warn("--watch: inotify: %s", strerror(errno));
        return -1;
    }
    unsigned n = watch_tree(w->fd, root, WATCH_MAX_DIRS);
    keel_info("--watch: reloading when files change under %s (%u directories)", root, n);
    h2o_timeout_init(loop, &w->quiet, 300);
    w->quiet_entry.cb = on_quiet;
    w->sock = h2o_evloop_socket_create(loop, w->fd, H2O_SOCKET_FLAG_DONT_READ);
    w->sock->data = w;
    h2o_socket_read_start(w->sock, on_events);
    return 0;
}
