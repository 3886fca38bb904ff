/* A directory tree in a temporary directory, for tests of code that reads
 * files laid out as the kernel's (cgroups, /proc): set up and torn down as
 * a cmocka fixture, filled with temp_tree_put. Include after cmocka.h. */
#ifndef KEEL_TESTS_UNIT_TEMP_TREE_H
#define KEEL_TESTS_UNIT_TEMP_TREE_H

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    char root[256];
} temp_tree_t;

static int
temp_tree_remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* cmocka setup: *state becomes a new, empty tree. */
static int
temp_tree_setup(void **state)
{
    temp_tree_t *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return -1;
    snprintf(t->root, sizeof(t->root), "%s/keel-tree-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(t->root) == NULL) {
        free(t);
        return -1;
    }
    *state = t;
    return 0;
}

/* cmocka teardown: removes the tree and what was put in it. */
static int
temp_tree_teardown(void **state)
{
    temp_tree_t *t = *state;
    int rc = nftw(t->root, temp_tree_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(t);
    return rc;
}

/* Writes root/rel, creating the directories on the way. */
static void
temp_tree_put(const temp_tree_t *t, const char *rel, const char *content)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", t->root, rel);
    for (char *p = path + strlen(t->root) + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) < 0 && errno != EEXIST)
            fail_msg("mkdir %s: %s", path, strerror(errno));
        *p = '/';
    }
    FILE *f = fopen(path, "w");
    if (f == NULL)
        fail_msg("fopen %s: %s", path, strerror(errno));
    assert_true(fputs(content, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

#endif
