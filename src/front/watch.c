#include "front/watch.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "common/log.h"

#define WATCH_EVENTS (IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF)
/* How many directories are watched at most: inotify watches cost kernel
 * memory, and a development tree is not this big. */
#define WATCH_MAX_DIRS 8192

/* Where frameworks and applications write at run time: Laravel's storage/
 * and bootstrap/cache/, Symfony's var/, caches, logs, uploads, sessions,
 * temporary files; and node_modules/, which a build tool rewrites. */
const char *const keel_watch_default_ignore[] = {"storage", "var",     "cache",    "tmp",          "temp", "logs",
                                                 "log",     "uploads", "sessions", "node_modules", NULL};

static size_t
default_count(void)
{
    size_t n = 0;
    while (keel_watch_default_ignore[n] != NULL)
        n++;
    return n;
}

/* Is the directory rel (root-relative, no leading slash), named name,
 * one not to watch? */
static bool
ignored(const keel_watch_t *w, const char *rel, const char *name)
{
    for (size_t i = 0; i < w->ignore_count; i++) {
        const char *ig = w->ignore[i];
        while (*ig == '/')
            ig++;
        size_t n = strlen(ig);
        while (n > 0 && ig[n - 1] == '/')
            n--;
        if (memchr(ig, '/', n) != NULL ? (strlen(rel) == n && strncmp(rel, ig, n) == 0)
                                       : (strlen(name) == n && strncmp(name, ig, n) == 0))
            return true;
    }
    return false;
}

/* Remembers which directory watch descriptor wd watches. */
static void
remember(keel_watch_t *w, int wd, const char *dir)
{
    if ((size_t)wd >= w->dirs_len) {
        size_t len = (size_t)wd * 2 + 16;
        char **more = realloc(w->dirs, len * sizeof(*more));
        if (more == NULL)
            return; /* the path is only for the log */
        memset(more + w->dirs_len, 0, (len - w->dirs_len) * sizeof(*more));
        w->dirs = more;
        w->dirs_len = len;
    }
    if (w->dirs[wd] == NULL || strcmp(w->dirs[wd], dir) != 0) {
        free(w->dirs[wd]);
        w->dirs[wd] = strdup(dir);
    }
}

static unsigned
watch_tree(keel_watch_t *w, const char *dir, size_t root_len, unsigned budget)
{
    if (budget == 0)
        return 0;
    int wd = inotify_add_watch(w->fd, dir, WATCH_EVENTS);
    if (wd < 0) {
        keel_warn("--watch: cannot watch %s: %s", dir, strerror(errno));
        return 0;
    }
    remember(w, wd, dir);
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
        const char *rel = sub + root_len + (sub[root_len] == '/');
        if (ignored(w, rel, e->d_name))
            continue;
        used += watch_tree(w, sub, root_len, budget - used);
    }
    if (closedir(d) != 0)
        keel_warn("--watch: closing %s: %s", dir, strerror(errno));
    return used;
}

static void
on_quiet(h2o_timeout_entry_t *entry)
{
    keel_watch_t *w = H2O_STRUCT_FROM_MEMBER(keel_watch_t, quiet_entry, entry);
    char what[sizeof(w->first) + 32];
    if (w->more > 0)
        snprintf(what, sizeof(what), "%s and %u more", w->first, w->more);
    else
        snprintf(what, sizeof(what), "%s", w->first);
    w->first[0] = '\0';
    w->more = 0;
    w->changed(w->owner, what);
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
            p += sizeof(*ev) + ev->len;
            if (ev->mask & IN_IGNORED)
                continue; /* a watch went with its directory */
            const char *dir = ev->wd >= 0 && (size_t)ev->wd < w->dirs_len ? w->dirs[ev->wd] : NULL;
            /* an ignored directory appearing or going is not a change of
             * the application */
            if ((ev->mask & IN_ISDIR) && ev->len > 0 && dir != NULL) {
                char sub[PATH_MAX];
                size_t root_len = strlen(w->root);
                if (snprintf(sub, sizeof(sub), "%s/%s", dir, ev->name) < (int)sizeof(sub) &&
                    ignored(w, sub + root_len + (sub[root_len] == '/'), ev->name))
                    continue;
                if (ev->mask & IN_CREATE)
                    w->rescan = true; /* a new directory: watch it too */
            }
            changed = true;
            if (w->first[0] == '\0')
                snprintf(w->first, sizeof(w->first), "%s%s%s", dir ? dir : w->root, ev->len ? "/" : "",
                         ev->len ? ev->name : "");
            else
                w->more++;
        }
    }
    if (w->rescan) {
        w->rescan = false;
        watch_tree(w, w->root, strlen(w->root), WATCH_MAX_DIRS);
    }
    if (changed && !h2o_timeout_is_linked(&w->quiet_entry))
        h2o_timeout_link(h2o_socket_get_loop(sock), &w->quiet, &w->quiet_entry);
}

int
keel_watch_start(keel_watch_t *w, h2o_loop_t *loop, const char *root, const char *const *ignore, size_t ignore_count,
                 void (*changed)(void *owner, const char *what), void *owner)
{
    snprintf(w->root, sizeof(w->root), "%s", root);
    w->ignore = ignore != NULL ? ignore : keel_watch_default_ignore;
    w->ignore_count = ignore != NULL ? ignore_count : default_count();
    w->dirs = NULL;
    w->dirs_len = 0;
    w->first[0] = '\0';
    w->more = 0;
    w->changed = changed;
    w->owner = owner;
    w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->fd < 0) {
        keel_warn("--watch: inotify: %s", strerror(errno));
        return -1;
    }
    unsigned n = watch_tree(w, w->root, strlen(w->root), WATCH_MAX_DIRS);
    char list[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < w->ignore_count && used < sizeof(list); i++) {
        int k = snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", w->ignore[i]);
        if (k < 0)
            break;
        used += (size_t)k;
    }
    keel_info("--watch: reloading when files change under %s (%u directories; not under %s)", w->root, n,
              w->ignore_count ? list : "-");
    h2o_timeout_init(loop, &w->quiet, 300);
    w->quiet_entry.cb = on_quiet;
    w->sock = h2o_evloop_socket_create(loop, w->fd, H2O_SOCKET_FLAG_DONT_READ);
    w->sock->data = w;
    h2o_socket_read_start(w->sock, on_events);
    return 0;
}
