/*
 * Where the application is: the document root, the front controller and
 * the worker script, resolved (symlinks followed) once per process that
 * needs them: the front routes with them, a zygote boots the worker
 * script from them.
 */
#ifndef KEEL_COMMON_APP_PATHS_H
#define KEEL_COMMON_APP_PATHS_H

#include <limits.h>
#include <stddef.h>

typedef struct {
    char root[PATH_MAX]; /* resolved document root, no trailing slash */
    size_t root_len;
    int root_fd;                     /* O_PATH descriptor of root: lookups start there */
    char front_controller[PATH_MAX]; /* "/index.php", or "" when off */
    /* --worker: the script's resolved path and its SCRIPT_NAME; "" without */
    char worker_script[PATH_MAX];
    char worker_script_name[PATH_MAX];
    /* --no-php: directories under the root where no script runs, as
     * given; the front's router sets and reads them (front/route.h) */
    const char *const *no_php;
    size_t no_php_count;
    int symlinks; /* --symlinks (keel_symlinks_t); the front's router sets and reads it */
} keel_app_paths_t;

/* Resolves root (and the worker script, when not NULL) and fills p.
 * Returns 0, or -1 with a message naming the option in err. */
int keel_app_paths_resolve(keel_app_paths_t *p, const char *root, const char *front_controller,
                           const char *worker_script, char *err, size_t errlen);

#endif
