/*
 * --watch (development): reload when files under the root change. inotify
 * watches every directory under the root; changes are collected for a
 * short quiet period so that saving many files makes one reload.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "common/log.h"
#include "front/front.h"

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
    keel_front_t *f = H2O_STRUCT_FROM_MEMBER(keel_front_t, watch_entry, entry);
    keel_front_reload(f, "--watch: files changed", NULL, NULL);
}

static void
on_events(h2o_socket_t *sock, const char *err)
{
    keel_front_t *f = sock->data;
    if (err != NULL)
        return;
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    bool changed = false;
    for (;;) {
        ssize_t n = read(f->watch_fd, buf, sizeof(buf));
        if (n <= 0)
            break;
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *ev = (struct inotify_event *)p;
            changed = true;
            /* a new directory: watch it too */
            if ((ev->mask & IN_CREATE) && (ev->mask & IN_ISDIR))
                f->watch_rescan = true;
            p += sizeof(*ev) + ev->len;
        }
    }
    if (f->watch_rescan) {
        f->watch_rescan = false;
        watch_tree(f->watch_fd, f->router.root_len ? f->router.root : "/", WATCH_MAX_DIRS);
    }
    if (changed && !h2o_timeout_is_linked(&f->watch_entry))
        h2o_timeout_link(f->loop, &f->watch_timeout, &f->watch_entry);
}

int
keel_watch_start(keel_front_t *f)
{
    f->watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (f->watch_fd < 0) {
        keel_warn("--watch: inotify: %s", strerror(errno));
        return -1;
    }
    unsigned n = watch_tree(f->watch_fd, f->router.root_len ? f->router.root : "/", WATCH_MAX_DIRS);
    keel_info("--watch: reloading when files change under %s (%u directories)", f->router.root, n);
    h2o_timeout_init(f->loop, &f->watch_timeout, 300);
    f->watch_entry.cb = on_quiet;
    f->watch_sock = h2o_evloop_socket_create(f->loop, f->watch_fd, H2O_SOCKET_FLAG_DONT_READ);
    f->watch_sock->data = f;
    h2o_socket_read_start(f->watch_sock, on_events);
    return 0;
}
