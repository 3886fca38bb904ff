#include "front/layout.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"

static int
by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool
ends_with_php(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".php") == 0;
}

void
keel_layout_check(const keel_router_t *r)
{
    keel_layout_facts_t facts = {.worker_mode = r->worker_script[0] != '\0'};
    char *names[KEEL_LAYOUT_MAX_NAMES];
    size_t kept = 0;
    int fd = openat(r->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return; /* a root keel cannot list is a matter for the requests */
    }
    struct dirent *e;
    struct stat st;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        if (strcmp(n, "composer.json") == 0)
            facts.composer_json = true;
        else if (strcmp(n, ".git") == 0)
            facts.git = true;
        else if (strcmp(n, "vendor") == 0 && fstatat(r->root_fd, n, &st, 0) == 0 && S_ISDIR(st.st_mode))
            facts.vendor_dir = true;
        if (!facts.worker_mode || n[0] == '.')
            continue;
        char path[PATH_MAX];
        if (fstatat(r->root_fd, n, &st, 0) != 0)
            continue;
        if (S_ISREG(st.st_mode) && ends_with_php(n)) {
            snprintf(path, sizeof(path), "/%s", n);
            if (strcmp(path, "/index.php") == 0 || strcmp(path, r->front_controller) == 0 ||
                strcmp(path, r->worker_script_name) == 0)
                continue;
        } else if (S_ISDIR(st.st_mode)) {
            snprintf(path, sizeof(path), "%s/index.php", n);
            if (fstatat(r->root_fd, path, &st, 0) != 0 || !S_ISREG(st.st_mode))
                continue;
            snprintf(path, sizeof(path), "/%s/", n);
        } else {
            continue;
        }
        if (kept < KEEL_LAYOUT_MAX_NAMES && (names[kept] = strdup(path)) != NULL)
            kept++;
        facts.classic_count++;
    }
    closedir(d);
    /* readdir's order is the file system's: sorted, the same root gives
     * the same message */
    qsort(names, kept, sizeof(names[0]), by_name);
    for (size_t i = 0; i < kept; i++)
        facts.classic[i] = names[i];
    char text[2048];
    if (keel_layout_warnings(&facts, r->root_len ? r->root : "/", text, sizeof(text)) > 0)
        for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n"))
            keel_warn("%s", line);
    for (size_t i = 0; i < kept; i++)
        free(names[i]);
}
