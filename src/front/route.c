#include "front/route.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/text.h"
#include "front/route_path.h"

int
keel_router_init(keel_router_t *r, const keel_config_t *cfg, char *err, size_t errlen)
{
    const char *const *no_php = cfg->no_php;
    size_t no_php_count = cfg->no_php_count;
    const char *front_controller = cfg->front_controller;
    if (keel_app_paths_resolve(r, cfg->root, front_controller, cfg->worker_script, err, errlen) != 0)
        return -1;
    r->no_php = no_php;
    r->no_php_count = no_php_count;
    /* The front controller answers every path that matches nothing: it
     * cannot be a script that may not run. */
    for (size_t i = 0; i < no_php_count; i++) {
        if (keel_path_is_under(r->front_controller, strlen(r->front_controller), no_php[i])) {
            snprintf(err, errlen, "--front-controller %s is under --no-php %s", front_controller, no_php[i]);
            close(r->root_fd);
            return -1;
        }
    }
    return 0;
}

/* --no-php: no script runs under these directories. */
static int
no_php_under(const keel_router_t *r, const char *path)
{
    size_t len = strlen(path);
    for (size_t i = 0; i < r->no_php_count; i++)
        if (keel_path_is_under(path, len, r->no_php[i]))
            return 1;
    return 0;
}

static const char *
base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Joins root and path into out; returns 0, or -1 when too long. */
static int
join(const keel_router_t *r, const char *path, size_t len, char *out)
{
    if (r->root_len + len + 1 > PATH_MAX)
        return -1;
    memcpy(out, r->root, r->root_len);
    memcpy(out + r->root_len, path, len);
    out[r->root_len + len] = '\0';
    return 0;
}

/* True when file, symlinks resolved, is inside the root; target (PATH_MAX
 * bytes) receives its root-relative path ("/a/b"). */
static int
realpath_inside_root(const keel_router_t *r, const char *file, char *target)
{
    char real[PATH_MAX];
    if (realpath(file, real) == NULL)
        return 0;
    if (r->root_len != 0 && (strncmp(real, r->root, r->root_len) != 0 || real[r->root_len] != '/'))
        return 0;
    keel_str_copy(target, PATH_MAX, real + r->root_len);
    return 1;
}

/* LOOKUP_NOT_DONE: the caller has not looked the path up yet. */
typedef enum { LOOKUP_NOT_DONE, LOOKUP_MISSING, LOOKUP_OUTSIDE, LOOKUP_FILE, LOOKUP_DIR, LOOKUP_OTHER } lookup_t;

/*
 * Finds what the root-relative path (starting with '/') names, refusing
 * anything a symlink leads out of the root. Each component is checked with
 * lstat relative to the root's descriptor, which costs one syscall per
 * component for the common case of no symlinks; a symlink anywhere falls
 * back to resolving the whole path, and target (PATH_MAX bytes) receives
 * where it leads, root-relative, for the caller's checks; it is "" when
 * no symlink was crossed.
 */
static lookup_t
lookup(const keel_router_t *r, const char *path, char *target)
{
    target[0] = '\0';
    char rel[PATH_MAX];
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    if (n >= sizeof(rel))
        return LOOKUP_MISSING;
    if (n <= 1)
        return LOOKUP_DIR; /* the root itself */
    memcpy(rel, path + 1, n - 1);
    rel[n - 1] = '\0';
    struct stat st;
    int symlink = 0;
    for (char *p = rel;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        int rc = fstatat(r->root_fd, rel, &st, AT_SYMLINK_NOFOLLOW);
        *p = c;
        if (rc != 0)
            return LOOKUP_MISSING;
        if (S_ISLNK(st.st_mode)) {
            symlink = 1;
            break;
        }
        if (c == '\0')
            break;
        if (!S_ISDIR(st.st_mode))
            return LOOKUP_MISSING;
    }
    if (symlink) {
        char abs[PATH_MAX];
        if (join(r, path, n, abs) != 0 || stat(abs, &st) != 0)
            return LOOKUP_MISSING;
        if (!realpath_inside_root(r, abs, target))
            return LOOKUP_OUTSIDE;
    }
    return S_ISREG(st.st_mode) ? LOOKUP_FILE : S_ISDIR(st.st_mode) ? LOOKUP_DIR : LOOKUP_OTHER;
}

/*
 * A script may not run where --no-php says so, nor through a symlink that
 * leads to a dotfile, under a --no-php directory, or to a file whose name
 * does not end in ".php" (which PHP would print as it is).
 */
static int
script_refused(const keel_router_t *r, const char *script, const char *target)
{
    if (no_php_under(r, script))
        return 1;
    if (target[0] == '\0')
        return 0;
    size_t n = strlen(target);
    return no_php_under(r, target) || keel_path_has_dotfile(target, n) || n < 4 ||
           memcmp(target + n - 4, ".php", 4) != 0;
}

/* With a worker script, the root's index.php and the front controller are
 * what it replaces: a request that would run either runs the worker
 * script (Laravel's and Symfony's public/index.php beside worker.php). */
static int
replaced_by_worker(const keel_router_t *r, const char *script, size_t len)
{
    static const char index_php[] = "/index.php";
    if (r->worker_script[0] == '\0')
        return 0;
    if (len == sizeof(index_php) - 1 && memcmp(script, index_php, len) == 0)
        return 1;
    return r->front_controller[0] != '\0' && strlen(r->front_controller) == len &&
           memcmp(script, r->front_controller, len) == 0;
}

static void route_worker(const keel_router_t *r, const char *info, keel_route_t *out);

/* found and target are the script's lookup when the caller already did it
 * (a directory's index.php), so the file is not stat'ed twice. */
static void
route_php(const keel_router_t *r, const char *script, size_t script_len, const char *info, lookup_t found,
          const char *target, keel_route_t *out)
{
    if (replaced_by_worker(r, script, script_len)) {
        route_worker(r, info, out);
        return;
    }
    if (join(r, script, script_len, out->file) != 0) {
        out->kind = KEEL_ROUTE_NOT_FOUND;
        return;
    }
    memcpy(out->script_name, script, script_len);
    out->script_name[script_len] = '\0';
    char own_target[PATH_MAX];
    if (found == LOOKUP_NOT_DONE) {
        found = lookup(r, out->script_name, own_target);
        target = own_target;
    }
    switch (found) {
    case LOOKUP_FILE:
        break;
    case LOOKUP_OUTSIDE:
        out->kind = KEEL_ROUTE_FORBIDDEN;
        return;
    default:
        out->kind = KEEL_ROUTE_NOT_FOUND;
        return;
    }
    if (script_refused(r, out->script_name, target)) {
        out->kind = KEEL_ROUTE_FORBIDDEN;
        return;
    }
    keel_str_copy(out->path_info, sizeof(out->path_info), info);
    out->kind = KEEL_ROUTE_PHP;
    /* The worker script asked for by its own URL runs in worker mode too. */
    if (r->worker_script[0] != '\0' && strcmp(out->script_name, r->worker_script_name) == 0)
        out->kind = KEEL_ROUTE_WORKER;
}

/* PHP source is never sent as a file: not by a PHP-ish name, nor through a
 * symlink to one, or to a dotfile. */
static int
static_refused(const char *path, const char *target)
{
    const char *name = base_name(path);
    if (keel_path_is_php_source(name, strlen(name)))
        return 1;
    if (target[0] == '\0')
        return 0;
    name = base_name(target);
    return keel_path_has_dotfile(target, strlen(target)) || keel_path_is_php_source(name, strlen(name));
}

static void
route_worker(const keel_router_t *r, const char *info, keel_route_t *out)
{
    keel_str_copy(out->file, sizeof(out->file), r->worker_script);
    keel_str_copy(out->script_name, sizeof(out->script_name), r->worker_script_name);
    keel_str_copy(out->path_info, sizeof(out->path_info), info);
    out->kind = KEEL_ROUTE_WORKER;
}

void
keel_route(const keel_router_t *r, const char *raw_path, size_t len, keel_route_t *out)
{
    size_t plen;
    out->router = r;
    out->script_name[0] = out->path_info[0] = out->file[0] = '\0';
    if (len >= sizeof(out->path)) {
        out->kind = KEEL_ROUTE_BAD_REQUEST;
        return;
    }
    switch (keel_path_decode(raw_path, len, out->path, &plen)) {
    case KEEL_PATH_OK:
        break;
    case KEEL_PATH_FORBIDDEN:
        out->kind = KEEL_ROUTE_FORBIDDEN;
        return;
    default:
        out->kind = KEEL_ROUTE_BAD_REQUEST;
        return;
    }

    /* A PHP script, possibly followed by PATH_INFO: never served as a file. */
    size_t php = keel_path_php_prefix(out->path, plen);
    if (php > 0) {
        route_php(r, out->path, php, out->path + php, LOOKUP_NOT_DONE, NULL, out);
        if (out->kind == KEEL_ROUTE_PHP && r->worker_script[0] != '\0' &&
            strcmp(out->script_name, r->worker_script_name) == 0)
            out->kind = KEEL_ROUTE_WORKER;
        return;
    }

    if (join(r, out->path, plen, out->file) != 0) {
        out->kind = KEEL_ROUTE_BAD_REQUEST;
        return;
    }
    char target[PATH_MAX];
    switch (lookup(r, out->path, target)) {
    case LOOKUP_FILE:
        /* "/file.css/" names no file, as with nginx */
        if (out->path[plen - 1] == '/')
            break;
        out->kind = static_refused(out->path, target) ? KEEL_ROUTE_FORBIDDEN : KEEL_ROUTE_STATIC;
        return;
    case LOOKUP_OUTSIDE:
        out->kind = KEEL_ROUTE_FORBIDDEN;
        return;
    case LOOKUP_DIR: {
        /* As nginx: a directory is addressed with its slash (301 adds
         * it), runs its index.php, and is not listed (403). */
        if (out->path[plen - 1] != '/') {
            out->kind = KEEL_ROUTE_REDIRECT_SLASH;
            return;
        }
        /* Copied, not formatted: a worker script's "/" passes here on
         * every request. */
        static const char index_php[] = "index.php";
        char index[PATH_MAX];
        size_t n = plen + sizeof(index_php) - 1;
        if (n < sizeof(index)) {
            memcpy(index, out->path, plen);
            memcpy(index + plen, index_php, sizeof(index_php));
            if (lookup(r, index, target) == LOOKUP_FILE) {
                route_php(r, index, n, "", LOOKUP_FILE, target, out);
                return;
            }
        }
        /* With a worker script, it takes what matches nothing else, as
         * FrankenPHP does; otherwise 403 as nginx does. */
        if (r->worker_script[0] != '\0') {
            route_worker(r, "", out);
            return;
        }
        out->kind = KEEL_ROUTE_FORBIDDEN;
        return;
    }
    default:
        break;
    }

    /* Anything else: the front controller, or the worker script in its place. */
    if (r->worker_script[0] != '\0') {
        route_worker(r, "", out);
        return;
    }
    if (r->front_controller[0] == '\0') {
        out->kind = KEEL_ROUTE_NOT_FOUND;
        return;
    }
    route_php(r, r->front_controller, strlen(r->front_controller), "", LOOKUP_NOT_DONE, NULL, out);
}
