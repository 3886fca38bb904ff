/* Tests for src/supervisor/dirwalk.c, on trees written to a tmpfs
 * (/dev/shm, where file sizes are exact) or TMPDIR. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "supervisor/dirwalk.h"

#define KIB ((uint64_t)1024)

typedef struct {
    char root[256];
} tree_t;

static int
remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static int
setup(void **state)
{
    tree_t *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return -1;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(t->root, sizeof(t->root), "%s/keel-dirwalk-XXXXXX", base);
    if (mkdtemp(t->root) == NULL) {
        free(t);
        return -1;
    }
    *state = t;
    return 0;
}

static int
teardown(void **state)
{
    tree_t *t = *state;
    int rc = nftw(t->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(t);
    return rc;
}

static void
mkdirs(const tree_t *t, const char *rel)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", t->root, rel);
    for (char *p = path + strlen(t->root) + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(path, 0700) < 0 && errno != EEXIST)
            fail_msg("mkdir %s: %s", path, strerror(errno));
        *p = c;
        if (c == '\0')
            break;
    }
}

/* A file of `bytes` written for real (not sparse). */
static void
file(const tree_t *t, const char *rel, uint64_t bytes)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", t->root, rel);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        fail_msg("fopen %s: %s", path, strerror(errno));
    static char block[4096];
    memset(block, 'x', sizeof(block));
    for (uint64_t done = 0; done < bytes; done += sizeof(block))
        assert_int_equal(fwrite(block, 1, bytes - done < sizeof(block) ? bytes - done : sizeof(block), f),
                         bytes - done < sizeof(block) ? bytes - done : sizeof(block));
    assert_int_equal(fclose(f), 0);
}

static const keel_dir_bytes_t *
find(const keel_dir_table_t *d, const char *path)
{
    for (size_t i = 0; i < d->count; i++)
        if (strcmp(d->dirs[i].path, path) == 0)
            return &d->dirs[i];
    return NULL;
}

/* st_blocks: at least the data, at most a few blocks more (a disk's
 * allocation unit). */
static void
assert_about(uint64_t got, uint64_t want)
{
    if (got < want || got > want + 64 * KIB)
        fail_msg("got %llu bytes, expected about %llu", (unsigned long long)got, (unsigned long long)want);
}

static void
test_tree(void **state)
{
    tree_t *t = *state;
    mkdirs(t, "cache/pools/a/deep/deeper");
    mkdirs(t, "sessions");
    mkdirs(t, "empty");
    file(t, "top.bin", 64 * KIB);
    file(t, "cache/pools/a/one.bin", 256 * KIB);
    file(t, "cache/pools/a/deep/deeper/far.bin", 128 * KIB);
    file(t, "cache/index", 32 * KIB);
    file(t, "sessions/sess_1", 8 * KIB);
    char link[1024];
    snprintf(link, sizeof(link), "%s/loop", t->root);
    assert_int_equal(symlink(t->root, link), 0); /* not followed */

    keel_dir_table_t d;
    assert_int_equal(keel_dirwalk(t->root, 1000000, 100000, &d), 0);
    assert_false(d.truncated);
    assert_false(d.sampled);
    assert_about(d.total, 488 * KIB);
    assert_string_equal(d.dirs[0].path, "");
    assert_int_equal(d.dirs[0].depth, 0);
    assert_about(d.dirs[0].bytes, 64 * KIB);
    const keel_dir_bytes_t *e = find(&d, "cache");
    assert_non_null(e);
    assert_int_equal(e->depth, 1);
    assert_about(e->bytes, 416 * KIB);
    e = find(&d, "cache/pools/a");
    assert_non_null(e);
    assert_int_equal(e->depth, 3);
    assert_about(e->bytes, 384 * KIB);
    /* deeper than KEEL_DIRS_DEPTH: counted in its ancestors, not listed */
    assert_null(find(&d, "cache/pools/a/deep"));
    assert_non_null(find(&d, "empty"));
    assert_true(find(&d, "empty")->bytes == 0);
    /* the largest first after the mount's own entry */
    assert_string_equal(d.dirs[1].path, "cache");
}

static void
test_large_directory_is_sampled(void **state)
{
    tree_t *t = *state;
    mkdirs(t, "many");
    /* 2048 files of 4 KiB: 512 looked at one by one, then one in 8 */
    char rel[64];
    for (int i = 0; i < 2048; i++) {
        snprintf(rel, sizeof(rel), "many/f%04d", i);
        file(t, rel, 4 * KIB);
    }
    keel_dir_table_t d;
    assert_int_equal(keel_dirwalk(t->root, 5000000, 1000000, &d), 0);
    assert_true(d.sampled);
    assert_false(d.truncated);
    const keel_dir_bytes_t *e = find(&d, "many");
    assert_non_null(e);
    /* exact on a tmpfs for files all alike: 512 + 192 x 8 = 2048 */
    if (e->bytes < 2048 * 4 * KIB - 8 * 4 * KIB || e->bytes > 2048 * 4 * KIB + 8 * 4 * KIB + 64 * KIB)
        fail_msg("sampled estimate %llu for %llu", (unsigned long long)e->bytes, (unsigned long long)(2048 * 4 * KIB));
}

static void
test_budget(void **state)
{
    tree_t *t = *state;
    char rel[64];
    mkdirs(t, "d");
    for (int i = 0; i < 50; i++) {
        snprintf(rel, sizeof(rel), "d/f%d", i);
        file(t, rel, 4 * KIB);
    }
    keel_dir_table_t d;
    /* an entry budget of 10: stopped, and it says so */
    assert_int_equal(keel_dirwalk(t->root, 1000000, 10, &d), 0);
    assert_true(d.truncated);
    assert_true(d.entries <= 11);
    assert_int_equal(keel_dirwalk("/nonexistent/keel-dirwalk", 1000, 10, &d), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_directory_is_sampled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_budget, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
