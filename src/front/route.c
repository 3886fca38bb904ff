#include "front/route.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
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
    r->symlinks = (int)cfg->symlinks;
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

/* LOOKUP_NOT_DONE: the caller has not looked the path up yet. */
typedef enum { LOOKUP_NOT_DONE, LOOKUP_MISSING, LOOKUP_OUTSIDE, LOOKUP_FILE, LOOKUP_DIR, LOOKUP_OTHER } lookup_t;

/* What a lookup crossed: where the path leads when a symlink was on the
 * way (root-relative, or absolute with `outside` when it leads out of the
 * root), and why it was refused. */
typedef struct {
    char target[PATH_MAX]; /* "" when no symlink was crossed */
    bool outside;
    keel_route_refusal_t refusal;
} found_t;

/* --symlinks owner: every symlink among the components of the
 * root-relative path rel (no leading slash) has the owner of what it
 * leads to, as Apache's SymLinksIfOwnerMatch and nginx's
 * disable_symlinks if_not_owner ask. */
static bool
links_have_their_targets_owner(const keel_router_t *r, const char *rel)
{
    char prefix[PATH_MAX];
    size_t n = strlen(rel);
    if (n >= sizeof(prefix))
        return false;
    memcpy(prefix, rel, n + 1);
    for (char *p = prefix;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        struct stat link, target;
        if (fstatat(r->root_fd, prefix, &link, AT_SYMLINK_NOFOLLOW) != 0)
            return false;
        if (S_ISLNK(link.st_mode) && (fstatat(r->root_fd, prefix, &target, 0) != 0 || target.st_uid != link.st_uid))
            return false;
        *p = c;
        if (c == '\0')
            return true;
    }
}

/*
 * Finds what the root-relative path (starting with '/') names. Each
 * component is checked with lstat relative to the root's descriptor, which
 * costs one syscall per component for the common case of no symlinks; a
 * symlink anywhere falls back to resolving the whole path, and f->target
 * receives where it leads, for the caller's checks. A path that leads out
 * of the root is LOOKUP_OUTSIDE unless --symlinks allows it.
 */
static lookup_t
lookup(const keel_router_t *r, const char *path, found_t *f)
{
    f->target[0] = '\0';
    f->outside = false;
    f->refusal = KEEL_REFUSAL_NONE;
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
        char abs[PATH_MAX], real[PATH_MAX];
        if (join(r, path, n, abs) != 0 || stat(abs, &st) != 0 || realpath(abs, real) == NULL)
            return LOOKUP_MISSING;
        if (r->root_len == 0 || (strncmp(real, r->root, r->root_len) == 0 && real[r->root_len] == '/')) {
            keel_str_copy(f->target, sizeof(f->target), real + r->root_len);
        } else {
            keel_str_copy(f->target, sizeof(f->target), real);
            f->outside = true;
            if (r->symlinks == KEEL_SYMLINKS_WITHIN_ROOT) {
                f->refusal = KEEL_REFUSAL_OUTSIDE_ROOT;
                return LOOKUP_OUTSIDE;
            }
            if (r->symlinks == KEEL_SYMLINKS_OWNER && !links_have_their_targets_owner(r, rel)) {
                f->refusal = KEEL_REFUSAL_OWNER;
                return LOOKUP_OUTSIDE;
            }
        }
    }
    return S_ISREG(st.st_mode) ? LOOKUP_FILE : S_ISDIR(st.st_mode) ? LOOKUP_DIR : LOOKUP_OTHER;
}

/*
 * A script may not run where --no-php says so, nor through a symlink that
 * leads to a dotfile, under a --no-php directory, or to a file whose name
 * does not end in ".php" (which PHP would print as it is). Returns why, or
 * NONE.
 */
static keel_route_refusal_t
script_refused(const keel_router_t *r, const char *script, const found_t *f)
{
    if (no_php_under(r, script))
        return KEEL_REFUSAL_NO_PHP;
    if (f->target[0] == '\0')
        return KEEL_REFUSAL_NONE;
    size_t n = strlen(f->target);
    /* (a target out of the root is an absolute path: --no-php, relative
     * to the root, cannot name it) */
    if (!f->outside && no_php_under(r, f->target))
        return KEEL_REFUSAL_NO_PHP;
    if (keel_path_has_dotfile(f->target, n))
        return KEEL_REFUSAL_DOTFILE;
    if (n < 4 || memcmp(f->target + n - 4, ".php", 4) != 0)
        return KEEL_REFUSAL_NOT_PHP;
    return KEEL_REFUSAL_NONE;
}

/* FORBIDDEN, with the reason and the target when a symlink is why. */
static void
forbid(const keel_router_t *r, const found_t *f, keel_route_refusal_t why, keel_route_t *out)
{
    out->kind = KEEL_ROUTE_FORBIDDEN;
    out->refusal = f->target[0] != '\0' ? why : KEEL_REFUSAL_NONE;
    /* (cut short, a path still says where the link leads) */
    if (out->refusal != KEEL_REFUSAL_NONE &&
        snprintf(out->target, sizeof(out->target), "%s%s", f->outside || r->root_len == 0 ? "" : r->root, f->target) >=
            (int)sizeof(out->target))
        out->target[sizeof(out->target) - 1] = '\0';
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

/* found and f are the script's lookup when the caller already did it
 * (a directory's index.php), so the file is not stat'ed twice. */
static void
route_php(const keel_router_t *r, const char *script, size_t script_len, const char *info, lookup_t found,
          const found_t *f, keel_route_t *out)
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
    found_t own;
    if (found == LOOKUP_NOT_DONE) {
        found = lookup(r, out->script_name, &own);
        f = &own;
    }
    switch (found) {
    case LOOKUP_FILE:
        break;
    case LOOKUP_OUTSIDE:
        forbid(r, f, f->refusal, out);
        return;
    default:
        out->kind = KEEL_ROUTE_NOT_FOUND;
        return;
    }
    keel_route_refusal_t why = script_refused(r, out->script_name, f);
    if (why != KEEL_REFUSAL_NONE) {
        forbid(r, f, why, out);
        return;
    }
    keel_str_copy(out->path_info, sizeof(out->path_info), info);
    out->kind = KEEL_ROUTE_PHP;
    /* The worker script asked for by its own URL runs in worker mode too. */
    if (r->worker_script[0] != '\0' && strcmp(out->script_name, r->worker_script_name) == 0)
        out->kind = KEEL_ROUTE_WORKER;
}

/* PHP source is never sent as a file: not by a PHP-ish name, nor through a
 * symlink to one, or to a dotfile. Returns why (PHP_SOURCE for the name
 * asked for, whose refusal is no symlink's doing), or NONE. */
static keel_route_refusal_t
static_refused(const char *path, const found_t *f)
{
    const char *name = base_name(path);
    if (keel_path_is_php_source(name, strlen(name)))
        return KEEL_REFUSAL_PHP_SOURCE;
    if (f->target[0] == '\0')
        return KEEL_REFUSAL_NONE;
    if (keel_path_has_dotfile(f->target, strlen(f->target)))
        return KEEL_REFUSAL_DOTFILE;
    name = base_name(f->target);
    return keel_path_is_php_source(name, strlen(name)) ? KEEL_REFUSAL_PHP_SOURCE : KEEL_REFUSAL_NONE;
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
    out->refusal = KEEL_REFUSAL_NONE;
    out->script_name[0] = out->path_info[0] = out->file[0] = out->target[0] = '\0';
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
    found_t f;
    switch (lookup(r, out->path, &f)) {
    case LOOKUP_FILE: {
        /* "/file.css/" names no file, as with nginx */
        if (out->path[plen - 1] == '/')
            break;
        keel_route_refusal_t why = static_refused(out->path, &f);
        if (why != KEEL_REFUSAL_NONE)
            forbid(r, &f, why, out);
        else
            out->kind = KEEL_ROUTE_STATIC;
        return;
    }
    case LOOKUP_OUTSIDE:
        forbid(r, &f, f.refusal, out);
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
            lookup_t found = lookup(r, index, &f);
            if (found == LOOKUP_FILE || found == LOOKUP_OUTSIDE) {
                route_php(r, index, n, "", found, &f, out);
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

const char *
keel_route_refusal_text(keel_route_refusal_t refusal)
{
    switch (refusal) {
    case KEEL_REFUSAL_OUTSIDE_ROOT:
        return "a symlink leads out of the root (--symlinks within-root; owner or follow would allow it)";
    case KEEL_REFUSAL_OWNER:
        return "a symlink leads out of the root and is not owned by its target's owner (--symlinks owner)";
    case KEEL_REFUSAL_DOTFILE:
        return "a symlink leads to a dotfile";
    case KEEL_REFUSAL_PHP_SOURCE:
        return "a symlink leads to PHP source, which is never sent as a file";
    case KEEL_REFUSAL_NOT_PHP:
        return "a script's symlink leads to a name that does not end in .php";
    case KEEL_REFUSAL_NO_PHP:
        return "a script's symlink leads under --no-php";
    case KEEL_REFUSAL_NONE:
    default:
        return "";
    }
}
