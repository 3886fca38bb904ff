#include "front/route.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "front/route_path.h"

int
keel_router_init(keel_router_t *r, const char *root, const char *front_controller, char *err, size_t errlen)
{
    struct stat st;
    if (realpath(root, r->root) == NULL) {
        snprintf(err, errlen, "--root %s: %s", root, strerror(errno));
        return -1;
    }
    if (stat(r->root, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "--root %s: not a directory", root);
        return -1;
    }
    r->root_len = strlen(r->root);
    if (r->root_len == 1)
        r->root_len = 0; /* root is "/": paths already start with '/' */
    if (front_controller[0] == '\0') {
        r->front_controller[0] = '\0';
    } else if (snprintf(r->front_controller, sizeof(r->front_controller), "%s%s",
                        front_controller[0] == '/' ? "" : "/", front_controller) >= (int)sizeof(r->front_controller)) {
        snprintf(err, errlen, "--front-controller: path too long");
        return -1;
    }
    return 0;
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

/* True when file, symlinks resolved, is inside the root. */
static int
inside_root(const keel_router_t *r, const char *file)
{
    char real[PATH_MAX];
    if (realpath(file, real) == NULL)
        return 0;
    if (r->root_len == 0)
        return 1;
    return strncmp(real, r->root, r->root_len) == 0 && real[r->root_len] == '/';
}

static int
is_regular(const char *file)
{
    struct stat st;
    return stat(file, &st) == 0 && S_ISREG(st.st_mode);
}

static void
route_php(const keel_router_t *r, const char *script, size_t script_len, const char *info, keel_route_t *out)
{
    if (join(r, script, script_len, out->file) != 0 || !is_regular(out->file)) {
        out->kind = KEEL_ROUTE_NOT_FOUND;
        return;
    }
    if (!inside_root(r, out->file)) {
        out->kind = KEEL_ROUTE_FORBIDDEN;
        return;
    }
    memcpy(out->script_name, script, script_len);
    out->script_name[script_len] = '\0';
    snprintf(out->path_info, sizeof(out->path_info), "%s", info);
    out->kind = KEEL_ROUTE_PHP;
}

void
keel_route(const keel_router_t *r, const char *raw_path, size_t len, keel_route_t *out)
{
    size_t plen;
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
        route_php(r, out->path, php, out->path + php, out);
        return;
    }

    struct stat st;
    if (join(r, out->path, plen, out->file) != 0) {
        out->kind = KEEL_ROUTE_BAD_REQUEST;
        return;
    }
    if (stat(out->file, &st) == 0) {
        if (S_ISREG(st.st_mode)) {
            out->kind = inside_root(r, out->file) ? KEEL_ROUTE_STATIC : KEEL_ROUTE_FORBIDDEN;
            return;
        }
        if (S_ISDIR(st.st_mode)) {
            char index[PATH_MAX];
            int n = snprintf(index, sizeof(index), "%s%sindex.php", out->path,
                             plen > 0 && out->path[plen - 1] == '/' ? "" : "/");
            if (n > 0 && (size_t)n < sizeof(index)) {
                char file[PATH_MAX];
                if (join(r, index, (size_t)n, file) == 0 && is_regular(file)) {
                    route_php(r, index, (size_t)n, "", out);
                    return;
                }
            }
        }
    }

    /* Anything else: the front controller. */
    if (r->front_controller[0] == '\0') {
        out->kind = KEEL_ROUTE_NOT_FOUND;
        return;
    }
    route_php(r, r->front_controller, strlen(r->front_controller), "", out);
}
