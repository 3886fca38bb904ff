/* Tests for src/supervisor/tmpfs.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "supervisor/tmpfs.h"

#define MIB ((uint64_t)1 << 20)

static void
test_shmem_split(void **state)
{
    (void)state;
    keel_shmem_split_t s = keel_shmem_split(200 * MIB, 30 * MIB, MIB);
    assert_true(s.total == 200 * MIB && s.opcache == 30 * MIB && s.keel == MIB && s.files == 169 * MIB);
    /* estimates read at other moments may add up to more than the total */
    s = keel_shmem_split(20 * MIB, 30 * MIB, MIB);
    assert_true(s.opcache == 20 * MIB && s.keel == 0 && s.files == 0);
    s = keel_shmem_split(20 * MIB, 19 * MIB, 4 * MIB);
    assert_true(s.opcache == 19 * MIB && s.keel == MIB && s.files == 0);
    s = keel_shmem_split(0, 0, 0);
    assert_true(s.files == 0);
}

static void
test_growth_watch(void **state)
{
    (void)state;
    keel_growth_watch_t w = {0};
    const uint64_t t = 16 * MIB;
    /* the first look sets the base */
    keel_growth_t g = keel_growth_check(&w, 10 * MIB, 1000, t);
    assert_false(g.warn);
    g = keel_growth_check(&w, 20 * MIB, 6000, t);
    assert_false(g.warn);
    assert_true(g.grew == 10 * MIB && g.from == 10 * MIB && g.over_ms == 5000);
    g = keel_growth_check(&w, 26 * MIB, 11000, t);
    assert_true(g.warn);
    assert_true(g.grew == 16 * MIB && g.over_ms == 10000 && g.from == 10 * MIB);
    /* the next warning needs as much growth again */
    g = keel_growth_check(&w, 40 * MIB, 16000, t);
    assert_false(g.warn);
    assert_true(g.grew == 14 * MIB);
    /* a drop moves the base down: growth from the low point */
    g = keel_growth_check(&w, 5 * MIB, 21000, t);
    assert_false(g.warn);
    assert_true(g.grew == 0);
    g = keel_growth_check(&w, 21 * MIB, 31000, t);
    assert_true(g.warn);
    assert_true(g.from == 5 * MIB && g.grew == 16 * MIB && g.over_ms == 10000);
    /* a clock going back restarts the base rather than wrap */
    g = keel_growth_check(&w, 60 * MIB, 100, t);
    assert_false(g.warn);
    /* a threshold of 0 never warns */
    keel_growth_watch_t z = {0};
    keel_growth_check(&z, 0, 0, 0);
    assert_false(keel_growth_check(&z, 100 * MIB, 10, 0).warn);
}

static void
test_growth_format(void **state)
{
    (void)state;
    char b[64];
    assert_string_equal(keel_growth_format(b, sizeof(b), 120 * MIB, 60000), "grew 120 MiB in 60 s");
    assert_string_equal(keel_growth_format(b, sizeof(b), 20 * MIB, 5300), "grew 20 MiB in 5.3 s");
    assert_string_equal(keel_growth_format(b, sizeof(b), 3 * MIB / 2, 180000), "grew 1.5 MiB in 3 min");
    assert_string_equal(keel_growth_format(b, sizeof(b), 0, 0), "grew 0 B in 0.0 s");
    assert_string_equal(keel_span_format(b, sizeof(b), 9999), "9.9 s");
    assert_string_equal(keel_span_format(b, sizeof(b), 10000), "10 s");
    assert_string_equal(keel_span_format(b, sizeof(b), 119499), "119 s");
    assert_string_equal(keel_span_format(b, sizeof(b), 120000), "2 min");
}

static void
add(keel_dir_table_t *t, const char *path, unsigned depth, uint64_t bytes)
{
    keel_dir_bytes_t *d = &t->dirs[t->count++];
    snprintf(d->path, sizeof(d->path), "%s", path);
    d->depth = depth;
    d->bytes = bytes;
}

static void
test_growth_top(void **state)
{
    (void)state;
    keel_dir_table_t before = {0}, after = {0};
    add(&before, "", 0, MIB);
    add(&before, "app-cache", 1, 10 * MIB);
    add(&before, "app-cache/pools", 2, 9 * MIB);
    add(&before, "sessions", 1, 4 * MIB);
    add(&before, "logs", 1, 2 * MIB);

    add(&after, "", 0, MIB);
    add(&after, "app-cache", 1, 130 * MIB);
    add(&after, "app-cache/pools", 2, 124 * MIB);   /* holds 115 of the 120 MiB */
    add(&after, "app-cache/pools/a1", 3, 60 * MIB); /* new, half of it */
    add(&after, "sessions", 1, 12 * MIB);           /* +8 MiB */
    add(&after, "logs", 1, 2 * MIB + 512 * 1024);   /* +0.5 MiB: under 1 MiB */
    add(&after, "new-dir", 1, 7 * MIB);             /* new: all of it */

    keel_dir_growth_t top[4];
    size_t n = keel_dir_growth_top(&before, &after, top, 4);
    assert_int_equal(n, 3);
    /* app-cache gives way to pools, which holds 96% of its growth; pools
     * does not give way to a1, which holds half */
    assert_string_equal(top[0].path, "app-cache/pools");
    assert_true(top[0].grew == 115 * MIB && top[0].bytes == 124 * MIB);
    assert_string_equal(top[1].path, "sessions");
    assert_true(top[1].grew == 8 * MIB);
    assert_string_equal(top[2].path, "new-dir");
    assert_true(top[2].grew == 7 * MIB);

    /* at most max */
    assert_int_equal(keel_dir_growth_top(&before, &after, top, 1), 1);
    assert_string_equal(top[0].path, "app-cache/pools");

    /* under a twentieth of the largest is left out */
    keel_dir_table_t big = after;
    big.dirs[1].bytes = 500 * MIB;
    big.dirs[2].bytes = 100 * MIB; /* pools no longer holds most of it */
    n = keel_dir_growth_top(&before, &big, top, 4);
    assert_int_equal(n, 1);
    assert_string_equal(top[0].path, "app-cache");
    assert_true(top[0].grew == 490 * MIB);

    /* files right in the mount */
    keel_dir_table_t flat = before;
    flat.dirs[0].bytes = 50 * MIB;
    n = keel_dir_growth_top(&before, &flat, top, 4);
    assert_int_equal(n, 1);
    assert_string_equal(top[0].path, "");
    assert_true(top[0].grew == 49 * MIB);

    /* nothing grew */
    assert_int_equal(keel_dir_growth_top(&before, &before, top, 4), 0);
    /* no earlier walk: the largest */
    n = keel_dir_growth_top(NULL, &before, top, 4);
    assert_int_equal(n, 4);
    assert_string_equal(top[0].path, "app-cache/pools");
    assert_string_equal(top[1].path, "sessions");
    assert_string_equal(top[2].path, "logs");
    assert_string_equal(top[3].path, "");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shmem_split),
        cmocka_unit_test(test_growth_watch),
        cmocka_unit_test(test_growth_format),
        cmocka_unit_test(test_growth_top),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
