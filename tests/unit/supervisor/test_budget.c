/* Tests for src/supervisor/budget.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <string.h>

#include <cmocka.h>

#include "supervisor/budget.h"

#define KIB ((uint64_t)1024)
#define MIB (1024 * KIB)
#define GIB (1024 * MIB)

/* The header's example pool: fixed part 192 + 8 + 24 + 64 + 10 = 298 MiB,
 * 8 workers x 128 MiB = 1024 MiB, needed 1322 MiB. */
static keel_budget_input_t
example(void)
{
    return (keel_budget_input_t){
        .opcache_bytes = 192 * MIB,
        .front_bytes = 8 * MIB,
        .zygote_bytes = 24 * MIB,
        .per_worker_bytes = 128 * MIB,
        .reserve_bytes = 64 * MIB,
        .tmpfs_bytes = 10 * MIB,
        .workers = 8,
    };
}

static void
assert_contains(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle) == NULL)
        fail_msg("\"%s\" not found in \"%s\"", needle, haystack);
}

static void
test_fits(void **state)
{
    (void)state;
    keel_budget_input_t in = example();
    keel_budget_t b = keel_budget_compute(&in, 2 * GIB);
    assert_true(b.needed == 1322 * MIB);
    assert_true(b.limit == 2 * GIB);
    assert_true(b.fits);
    /* (2048 - 298) / 128 = 13.67 */
    assert_int_equal(b.max_workers, 13);
}

static void
test_does_not_fit(void **state)
{
    (void)state;
    keel_budget_input_t in = example();
    keel_budget_t b = keel_budget_compute(&in, 1 * GIB);
    assert_true(b.needed == 1322 * MIB);
    assert_false(b.fits);
    /* (1024 - 298) / 128 = 5.67 */
    assert_int_equal(b.max_workers, 5);
}

static void
test_exact_boundary(void **state)
{
    (void)state;
    keel_budget_input_t in = example();
    keel_budget_t b = keel_budget_compute(&in, 1322 * MIB);
    assert_true(b.fits);
    assert_int_equal(b.max_workers, 8);
    b = keel_budget_compute(&in, 1322 * MIB - 1);
    assert_false(b.fits);
    assert_int_equal(b.max_workers, 7);
}

static void
test_max_workers_zero(void **state)
{
    (void)state;
    keel_budget_input_t in = example();
    /* 200 MiB does not even hold the 298 MiB fixed part. */
    keel_budget_t b = keel_budget_compute(&in, 200 * MIB);
    assert_false(b.fits);
    assert_int_equal(b.max_workers, 0);
    /* The fixed part fits but not one worker: 298 + 127 MiB. */
    b = keel_budget_compute(&in, 425 * MIB);
    assert_int_equal(b.max_workers, 0);
    b = keel_budget_compute(&in, 426 * MIB);
    assert_int_equal(b.max_workers, 1);
    /* No workers configured: only the fixed part is needed. */
    in.workers = 0;
    b = keel_budget_compute(&in, 298 * MIB);
    assert_true(b.needed == 298 * MIB);
    assert_true(b.fits);
    b = keel_budget_compute(&in, 0);
    assert_false(b.fits);
    assert_int_equal(b.max_workers, 0);
}

static void
test_no_limit(void **state)
{
    (void)state;
    keel_budget_input_t in = example();
    keel_budget_t b = keel_budget_compute(&in, UINT64_MAX);
    assert_true(b.fits);
    assert_true(b.limit == UINT64_MAX);
    assert_int_equal(b.max_workers, UINT_MAX);
    /* Free workers: unbounded by memory, as long as the rest fits. */
    in.per_worker_bytes = 0;
    b = keel_budget_compute(&in, 2 * GIB);
    assert_true(b.fits);
    assert_int_equal(b.max_workers, UINT_MAX);
    b = keel_budget_compute(&in, 100 * MIB);
    assert_int_equal(b.max_workers, 0);
}

static void
test_overflow_saturates(void **state)
{
    (void)state;
    keel_budget_input_t in = example();
    in.per_worker_bytes = UINT64_MAX / 2;
    in.workers = 3;
    keel_budget_t b = keel_budget_compute(&in, 2 * GIB);
    assert_true(b.needed == UINT64_MAX);
    assert_false(b.fits);
    assert_int_equal(b.max_workers, 0);
    /* With every figure at the maximum nothing wraps round to "fits". */
    keel_budget_input_t huge = {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT_MAX};
    b = keel_budget_compute(&huge, UINT64_MAX - 1);
    assert_true(b.needed == UINT64_MAX);
    assert_false(b.fits);
    assert_int_equal(b.max_workers, 0);
    /* A huge limit and tiny workers: the count is capped, not wrapped. */
    keel_budget_input_t tiny = {.per_worker_bytes = 1, .workers = 1};
    b = keel_budget_compute(&tiny, UINT64_MAX - 1);
    assert_true(b.fits);
    assert_int_equal(b.max_workers, UINT_MAX);
}

static void
test_format_fits(void **state)
{
    (void)state;
    keel_budget_input_t in = example();
    keel_budget_t b = keel_budget_compute(&in, 2 * GIB);
    char buf[512];
    int n = keel_budget_format(buf, sizeof(buf), &in, &b, "cgroup v2 memory.max");
    /* needed 1322 MiB = 1.29 GiB */
    const char *expected = "memory budget: limit 2.0 GiB (cgroup v2 memory.max); needed 1.3 GiB = opcache 192 MiB"
                           " + front 8 MiB + zygote 24 MiB + 8 workers x 128 MiB + tmpfs 10 MiB + reserve 64 MiB;"
                           " fits (room for 13 workers)";
    assert_string_equal(buf, expected);
    assert_int_equal(n, (int)strlen(expected));
}

static void
test_format_does_not_fit(void **state)
{
    (void)state;
    keel_budget_input_t in = example();
    keel_budget_t b = keel_budget_compute(&in, 1 * GIB);
    char buf[512];
    keel_budget_format(buf, sizeof(buf), &in, &b, "cgroup v1 memory.limit_in_bytes");
    assert_contains(buf, "limit 1.0 GiB");
    assert_contains(buf, "(cgroup v1 memory.limit_in_bytes)");
    assert_contains(buf, "needed 1.3 GiB");
    assert_contains(buf, "opcache 192 MiB");
    assert_contains(buf, "front 8 MiB");
    assert_contains(buf, "zygote 24 MiB");
    assert_contains(buf, "8 workers x 128 MiB");
    assert_contains(buf, "tmpfs 10 MiB");
    assert_contains(buf, "reserve 64 MiB");
    assert_contains(buf, "does not fit (room for 5 workers)");
}

static void
test_format_singular_and_zero(void **state)
{
    (void)state;
    keel_budget_input_t in = example();
    in.workers = 1;
    keel_budget_t b = keel_budget_compute(&in, 426 * MIB);
    char buf[512];
    keel_budget_format(buf, sizeof(buf), &in, &b, "physical memory");
    assert_contains(buf, "+ 1 worker x 128 MiB +");
    assert_contains(buf, "needed 426 MiB");
    assert_contains(buf, "; fits (room for 1 worker)");

    in.tmpfs_bytes = 0;
    b = keel_budget_compute(&in, 200 * MIB);
    keel_budget_format(buf, sizeof(buf), &in, &b, "physical memory");
    assert_contains(buf, "tmpfs 0 B");
    assert_contains(buf, "does not fit (room for 0 workers)");
}

static void
test_format_no_limit(void **state)
{
    (void)state;
    keel_budget_input_t in = example();
    keel_budget_t b = keel_budget_compute(&in, UINT64_MAX);
    char buf[512];
    keel_budget_format(buf, sizeof(buf), &in, &b, "cgroup v2 memory.max");
    assert_contains(buf, "memory budget: no limit (cgroup v2 memory.max)");
    assert_contains(buf, "needed 1.3 GiB");
    assert_contains(buf, "; fits (no limit on workers)");
    assert_null(strstr(buf, "EiB"));
}

static void
test_format_truncates(void **state)
{
    (void)state;
    keel_budget_input_t in = example();
    keel_budget_t b = keel_budget_compute(&in, 2 * GIB);
    char full[512], small[16];
    int n = keel_budget_format(full, sizeof(full), &in, &b, "x");
    int m = keel_budget_format(small, sizeof(small), &in, &b, "x");
    assert_int_equal(n, m);
    assert_int_equal(strlen(small), 15);
    assert_string_equal(small, "memory budget: ");
}

static void
test_workers_auto(void **state)
{
    (void)state;
    keel_budget_input_t in = example();
    /* Memory allows 13 in 2 GiB, 5 in 1 GiB. */
    assert_int_equal(keel_workers_auto(4, &in, 2 * GIB), 8);
    assert_int_equal(keel_workers_auto(8, &in, 2 * GIB), 13);
    assert_int_equal(keel_workers_auto(4, &in, 1 * GIB), 5);
    assert_int_equal(keel_workers_auto(1, &in, 1 * GIB), 2);
    /* Not even one fits: still 1. */
    assert_int_equal(keel_workers_auto(4, &in, 200 * MIB), 1);
    assert_int_equal(keel_workers_auto(0, &in, 2 * GIB), 1);
    /* No limit: the CPUs decide. */
    assert_int_equal(keel_workers_auto(4, &in, UINT64_MAX), 8);
    assert_int_equal(keel_workers_auto(UINT_MAX, &in, UINT64_MAX), UINT_MAX);
    /* The configured count plays no part. */
    in.workers = 1000;
    assert_int_equal(keel_workers_auto(8, &in, 2 * GIB), 13);
}

static void
check_bytes(uint64_t bytes, const char *expected)
{
    char buf[32];
    const char *r = keel_format_bytes(buf, sizeof(buf), bytes);
    assert_ptr_equal(r, buf);
    assert_string_equal(buf, expected);
}

static void
test_format_bytes(void **state)
{
    (void)state;
    check_bytes(0, "0 B");
    check_bytes(1, "1 B");
    check_bytes(512, "512 B");
    check_bytes(1023, "1023 B");
    check_bytes(1024, "1 KiB");
    check_bytes(1536, "1.5 KiB");
    check_bytes(64 * KIB, "64 KiB");
    check_bytes(MIB, "1 MiB");
    check_bytes(MIB + MIB / 2, "1.5 MiB");
    check_bytes(128 * MIB, "128 MiB");
    /* not whole, but rounds to .0: the decimal says so */
    check_bytes(10 * MIB + 1, "10.0 MiB");
    check_bytes(1023 * MIB, "1023 MiB");
    check_bytes(GIB, "1.0 GiB");
    /* 1023.99... MiB rounds up into the next unit */
    check_bytes(GIB - 1, "1.0 GiB");
    check_bytes(GIB + GIB / 2, "1.5 GiB");
    check_bytes(2 * GIB, "2.0 GiB");
    /* 1.25 rounds half up */
    check_bytes(GIB + GIB / 4, "1.3 GiB");
    /* 24684096 kB (this kind of machine): 23.54 GiB */
    check_bytes(24684096 * KIB, "23.5 GiB");
    check_bytes(1024 * GIB, "1.0 TiB");
    check_bytes(UINT64_MAX, "16.0 EiB");

    char small[4];
    keel_format_bytes(small, sizeof(small), 512);
    assert_string_equal(small, "512");
    char untouched[1] = {'x'};
    keel_format_bytes(untouched, 0, 512);
    assert_int_equal(untouched[0], 'x');
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fits),
        cmocka_unit_test(test_does_not_fit),
        cmocka_unit_test(test_exact_boundary),
        cmocka_unit_test(test_max_workers_zero),
        cmocka_unit_test(test_no_limit),
        cmocka_unit_test(test_overflow_saturates),
        cmocka_unit_test(test_format_fits),
        cmocka_unit_test(test_format_does_not_fit),
        cmocka_unit_test(test_format_singular_and_zero),
        cmocka_unit_test(test_format_no_limit),
        cmocka_unit_test(test_format_truncates),
        cmocka_unit_test(test_workers_auto),
        cmocka_unit_test(test_format_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
