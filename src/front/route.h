/*
 * Routing, as nginx's `try_files $uri $uri/ /index.php` with a PHP
 * location does it: static file, PHP script (with PATH_INFO), directory
 * index.php, or the front controller. Paths that resolve outside the root
 * through symlinks are refused unless --symlinks allows them (owner:
 * every link crossed has its target's owner; follow: any); PHP source is never a static file
 * (keel_path_is_php_source, for a symlink's target too), and no script
 * runs under a --no-php directory.
 */
#ifndef KEEL_FRONT_ROUTE_H
#define KEEL_FRONT_ROUTE_H

#include <limits.h>
#include <stddef.h>

#include "common/app_paths.h"
#include "common/config.h"

/* The router needs nothing but where the application is. */
typedef keel_app_paths_t keel_router_t;

typedef enum {
    KEEL_ROUTE_STATIC,
    KEEL_ROUTE_PHP,
    KEEL_ROUTE_WORKER,         /* the front controller, replaced by the --worker script */
    KEEL_ROUTE_REDIRECT_SLASH, /* a directory named without its trailing slash: 301 */
    KEEL_ROUTE_NOT_FOUND,
    KEEL_ROUTE_FORBIDDEN,
    KEEL_ROUTE_BAD_REQUEST,
} keel_route_kind_t;

/* Why a symlink made a request FORBIDDEN (for the log: keel_route_refusal_text). */
typedef enum {
    KEEL_REFUSAL_NONE,
    KEEL_REFUSAL_OUTSIDE_ROOT, /* it leads out of the root (--symlinks within-root) */
    KEEL_REFUSAL_OWNER,        /* it leads out of the root, and a link's owner is not its target's (--symlinks owner) */
    KEEL_REFUSAL_DOTFILE,      /* it leads to a dotfile or into a dot directory */
    KEEL_REFUSAL_PHP_SOURCE,   /* it leads to PHP source, asked for as a file */
    KEEL_REFUSAL_NOT_PHP,      /* a script's link leads to a name that does not end in .php */
    KEEL_REFUSAL_NO_PHP,       /* a script's link leads under --no-php */
} keel_route_refusal_t;

typedef struct {
    keel_route_kind_t kind;
    keel_route_refusal_t refusal; /* FORBIDDEN through a symlink: why; else NONE */
    char target[PATH_MAX];        /* with a refusal: where the link leads, as an absolute path */
    const keel_router_t *router;  /* the router that decided: its root is DOCUMENT_ROOT */
    char path[PATH_MAX];          /* decoded request path ("/a.php/x") */
    char file[PATH_MAX];          /* STATIC/PHP: root + script or file path */
    char script_name[PATH_MAX];   /* PHP: "/a.php" */
    char path_info[PATH_MAX];     /* PHP: "/x", or "" */
} keel_route_t;

/* Resolves cfg's root (and worker script, with --worker) as they are now
 * and fills r; cfg's --no-php directories are kept by reference. Returns
 * 0, or -1 with a message in err. */
int keel_router_init(keel_router_t *r, const keel_config_t *cfg, char *err, size_t errlen);

/* The reason, in words, for the log. */
const char *keel_route_refusal_text(keel_route_refusal_t refusal);

/* Decides what serves the raw request path (without its query). */
void keel_route(const keel_router_t *r, const char *raw_path, size_t len, keel_route_t *out);

#endif
