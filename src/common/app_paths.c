#include "common/app_paths.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int
keel_app_paths_resolve(keel_app_paths_t *r, const char *root, const char *front_controller, const char *worker_script,
                       char *err, size_t errlen)
{
    struct stat st;
    r->no_php = NULL;
    r->no_php_count = 0;
    if (realpath(root, r->root) == NULL) {
        snprintf(err, errlen, "--root %s: %s", root, strerror(errno));
        return -1;
    }
    if (stat(r->root, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "--root %s: not a directory", root);
        return -1;
    }
    r->root_fd = open(r->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (r->root_fd < 0) {
        snprintf(err, errlen, "--root %s: %s", root, strerror(errno));
        return -1;
    }
    r->root_len = strlen(r->root);
    if (r->root_len == 1)
        r->root_len = 0; /* root is "/": paths already start with '/' */
    if (front_controller[0] == '\0') {
        r->front_controller[0] = '\0';
    } else if (snprintf(r->front_controller, sizeof(r->front_controller), "%s%s", front_controller[0] == '/' ? "" : "/",
                        front_controller) >= (int)sizeof(r->front_controller)) {
        snprintf(err, errlen, "--front-controller: path too long");
        return -1;
    }
    r->worker_script[0] = r->worker_script_name[0] = '\0';
    if (worker_script != NULL) {
        struct stat wst;
        if (realpath(worker_script, r->worker_script) == NULL) {
            snprintf(err, errlen, "--worker %s: %s", worker_script, strerror(errno));
            return -1;
        }
        if (stat(r->worker_script, &wst) != 0 || !S_ISREG(wst.st_mode)) {
            snprintf(err, errlen, "--worker %s: not a regular file", worker_script);
            return -1;
        }
        /* Inside the root its SCRIPT_NAME is its path there; outside, its
         * file name, as if it sat at the root. */
        const char *name = r->worker_script + r->root_len;
        if (!(r->root_len == 0 || (strncmp(r->worker_script, r->root, r->root_len) == 0 && *name == '/')))
            name = strrchr(r->worker_script, '/');
        snprintf(r->worker_script_name, sizeof(r->worker_script_name), "%s", name);
    }
    return 0;
}
