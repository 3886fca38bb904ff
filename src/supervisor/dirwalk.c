#include "supervisor/dirwalk.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Directories considered for the table before the largest are kept. */
#define CANDIDATES 512
/* Deeper than this, a subtree is not entered (its bytes are missed). */
#define MAX_RECURSION 32

typedef struct {
    keel_dir_bytes_t *cand;
    size_t ncand;
    keel_dir_table_t *out;
    dev_t dev;
    uint64_t deadline_ns, max_entries;
    char path[KEEL_DIR_PATH * 2];
} walk_t;

static uint64_t
now_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A descriptor of a directory that was only read: a failure to close it
 * loses nothing read, but the walk says it did not go as it should. */
static void
close_read(walk_t *w, int fd)
{
    if (close(fd) != 0)
        w->out->truncated = true;
}

static bool
spent(walk_t *w)
{
    keel_dir_table_t *o = w->out;
    if (o->truncated)
        return true;
    if (o->entries >= w->max_entries || (o->entries % 256 == 0 && now_ns() >= w->deadline_ns))
        o->truncated = true;
    return o->truncated;
}

static void
keep(walk_t *w, unsigned depth, uint64_t bytes)
{
    if (w->ncand == CANDIDATES)
        return;
    keel_dir_bytes_t *d = &w->cand[w->ncand];
    /* a path too long to keep whole is not kept at all */
    if (strlen(w->path) >= sizeof(d->path))
        return;
    snprintf(d->path, sizeof(d->path), "%s", w->path);
    d->depth = depth;
    d->bytes = bytes;
    w->ncand++;
}

/* The bytes of the tree under dirfd (which it closes); depth of dirfd
 * below the root. */
static uint64_t
walk_dir(walk_t *w, int dirfd, unsigned depth)
{
    DIR *d = fdopendir(dirfd);
    if (d == NULL) {
        close_read(w, dirfd);
        return 0;
    }
    uint64_t own = 0, below = 0, files = 0, stride = 1;
    size_t path_len = strlen(w->path);
    struct dirent *e;
    while (!spent(w) && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        w->out->entries++;
        if (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN) {
            struct stat st;
            if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
                continue;
            if (!S_ISDIR(st.st_mode)) {
                own += (uint64_t)st.st_blocks * 512;
                continue;
            }
            if (st.st_dev != w->dev || depth + 1 >= MAX_RECURSION)
                continue;
            int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0)
                continue;
            int n = snprintf(w->path + path_len, sizeof(w->path) - path_len, "%s%s", path_len ? "/" : "", e->d_name);
            if (n < 0 || (size_t)n >= sizeof(w->path) - path_len) {
                close_read(w, sub);
                w->path[path_len] = '\0';
                continue;
            }
            uint64_t b = walk_dir(w, sub, depth + 1);
            if (depth + 1 <= KEEL_DIRS_DEPTH)
                keep(w, depth + 1, b);
            below += b;
            w->path[path_len] = '\0';
            continue;
        }
        /* a file: every one up to the sample size, then one in `stride`,
         * standing for the ones between */
        files++;
        if (files > KEEL_DIRWALK_SAMPLE && files % stride != 0)
            continue;
        struct stat st;
        if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        own += (uint64_t)st.st_blocks * 512 * (files > KEEL_DIRWALK_SAMPLE ? stride : 1);
        if (files > KEEL_DIRWALK_SAMPLE)
            w->out->sampled = true;
        if (files % (KEEL_DIRWALK_SAMPLE * stride) == 0)
            stride *= 8;
    }
    if (closedir(d) != 0)
        w->out->truncated = true;
    if (depth == 0)
        w->out->dirs[0] = (keel_dir_bytes_t){.path = "", .depth = 0, .bytes = own};
    w->out->total += own;
    return own + below;
}

static int
by_bytes(const void *a, const void *b)
{
    const keel_dir_bytes_t *x = a, *y = b;
    if (x->bytes != y->bytes)
        return x->bytes < y->bytes ? 1 : -1;
    return (x->depth > y->depth) - (x->depth < y->depth);
}

int
keel_dirwalk(const char *root, uint64_t budget_us, uint64_t max_entries, keel_dir_table_t *out)
{
    memset(out, 0, sizeof(*out));
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    walk_t *w = calloc(1, sizeof(*w));
    keel_dir_bytes_t *cand = calloc(CANDIDATES, sizeof(*cand));
    if (w == NULL || cand == NULL || fstat(fd, &st) != 0) {
        free(w);
        free(cand);
        close(fd); /* (failing already: what it says adds nothing) */
        return -1;
    }
    w->cand = cand;
    w->out = out;
    w->dev = st.st_dev;
    w->deadline_ns = now_ns() + budget_us * 1000;
    w->max_entries = max_entries;
    walk_dir(w, fd, 0);
    /* the mount's own entry first, then the largest directories */
    qsort(cand, w->ncand, sizeof(*cand), by_bytes);
    size_t n = w->ncand < KEEL_DIRS_MAX - 1 ? w->ncand : KEEL_DIRS_MAX - 1;
    memcpy(&out->dirs[1], cand, n * sizeof(*cand));
    out->count = n + 1;
    free(cand);
    free(w);
    return 0;
}
