/* Tests for src/cli/status_table.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/status_table.h"

/* Renders s into a string the caller frees. */
static char *
render(const keel_status_t *s)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    keel_status_table(f, s);
    assert_int_equal(fclose(f), 0);
    return text;
}

/* The line of text that contains needle, as a new string. */
static char *
line_with(const char *text, const char *needle)
{
    const char *p = strstr(text, needle);
    if (p == NULL)
        return NULL;
    const char *start = p;
    while (start > text && start[-1] != '\n')
        start--;
    const char *end = strchr(p, '\n');
    return strndup(start, end ? (size_t)(end - start) : strlen(start));
}

static void
test_a_serving_keel(void **state)
{
    (void)state;
    keel_status_generation_t gens[] = {{.number = 3, .state = "active", .zygote_pid = 700, .opcache = true}};
    keel_status_worker_t ws[] = {
        {.pid = 701,
         .generation = 3,
         .mode = "worker",
         .state = "busy",
         .requests = 12345,
         .private_bytes = 3u << 20,
         .growth_bytes_per_request = 4112.4,
         .zend_peak_bytes = 1u << 20,
         .age_seconds = 125},
        {.pid = 702,
         .generation = 3,
         .mode = "classic",
         .state = "idle",
         .requests = 7,
         .private_bytes = 0,
         .growth_bytes_per_request = -0.2,
         .age_seconds = 3.25},
    };
    keel_status_t s = {
        .version = "0.1.0",
        .state = "serving",
        .generation = 3,
        .generations = gens,
        .generation_count = 1,
        .requests_total = 12352,
        .in_flight = 1,
        .queue_classic = 2,
        .queue_worker = 5,
        .recycles = {{"requests", 1}, {"memory", 4}},
        .recycle_count = 2,
        .have_memory = true,
        .limit_bytes = 1ull << 30,
        .limit_source = "cgroup v2 memory.max",
        .current_bytes = 300u << 20,
        .have_budget = true,
        .budget_bytes = 700u << 20,
        .budget_fits = true,
        .budget_max_workers = 6,
        .have_opcache = true,
        .opcache_used = 10u << 20,
        .opcache_free = 118u << 20,
        .interned_used = 2u << 20,
        .interned_free = 6u << 20,
        .cached_keys = 120,
        .max_cached_keys = 16229,
        .opcache_hits = 99,
        .opcache_misses = 1,
        .tmpfs = {{"/dev/shm", 4096}},
        .tmpfs_count = 1,
        .workers = ws,
        .worker_count = 2,
    };
    char *text = render(&s);
    char *l;

    assert_non_null(l = line_with(text, "keel 0.1.0: serving, generation 3;"));
    assert_non_null(strstr(l, "12352 requests, 1 in flight; queue: 2 classic, 5 worker-mode"));
    free(l);
    assert_non_null(l = line_with(text, "recycles:"));
    assert_non_null(strstr(l, "requests 1, memory 4"));
    free(l);
    assert_non_null(l = line_with(text, "700"));
    assert_non_null(strstr(l, "active"));
    assert_non_null(strstr(l, "on"));
    free(l);

    /* one row per worker, with its figures */
    assert_non_null(l = line_with(text, "701 "));
    assert_non_null(strstr(l, "worker"));
    assert_non_null(strstr(l, "busy"));
    assert_non_null(strstr(l, "12345"));
    assert_non_null(strstr(l, "3 MiB"));
    assert_non_null(strstr(l, "4112 B"));
    assert_non_null(strstr(l, "2m05s"));
    free(l);
    assert_non_null(l = line_with(text, "702 "));
    assert_non_null(strstr(l, " 0 B")); /* -0.2 is no growth, not "-0 B" */
    assert_null(strstr(l, "-0"));
    assert_non_null(strstr(l, "3.2s"));
    free(l);

    assert_non_null(l = line_with(text, "memory:"));
    assert_non_null(
        strstr(l, "limit 1.0 GiB (cgroup v2 memory.max), in use 300 MiB; budget 700 MiB, fits (room for 6"));
    free(l);
    assert_non_null(l = line_with(text, "opcache:"));
    assert_non_null(strstr(l, "10 MiB used, 118 MiB free"));
    assert_non_null(strstr(l, "keys 120 of 16229"));
    assert_non_null(strstr(l, "hit rate 99.0%"));
    free(l);
    assert_non_null(l = line_with(text, "tmpfs:"));
    assert_non_null(strstr(l, "/dev/shm 4 KiB used"));
    free(l);
    free(text);
}

static void
test_an_empty_answer(void **state)
{
    (void)state;
    keel_status_t s = {0};
    char *text = render(&s);
    assert_non_null(strstr(text, "keel ?: ?;"));
    assert_non_null(strstr(text, "(none)"));
    assert_non_null(strstr(text, "(no workers)"));
    assert_non_null(strstr(text, "memory:  limit unknown"));
    assert_non_null(strstr(text, "opcache: no figures"));
    assert_non_null(strstr(text, "tmpfs:   none"));
    assert_non_null(strstr(text, "recycles: none"));
    free(text);
}

static void
test_no_limit_and_overcommitted_budget(void **state)
{
    (void)state;
    keel_status_t s = {.have_memory = true,
                       .limit_source = "physical memory",
                       .have_budget = true,
                       .budget_bytes = 1u << 20,
                       .budget_fits = false};
    char *text = render(&s);
    assert_non_null(strstr(text, "memory:  no limit (physical memory)"));
    assert_non_null(strstr(text, "does not fit"));
    free(text);
}

static void
test_ages(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(keel_format_age(buf, sizeof(buf), 0), "0.0s");
    assert_string_equal(keel_format_age(buf, sizeof(buf), -5), "0.0s");
    assert_string_equal(keel_format_age(buf, sizeof(buf), 59.94), "59.9s");
    assert_string_equal(keel_format_age(buf, sizeof(buf), 60), "1m00s");
    assert_string_equal(keel_format_age(buf, sizeof(buf), 3599), "59m59s");
    assert_string_equal(keel_format_age(buf, sizeof(buf), 3600 * 2 + 180), "2h03m");
    assert_string_equal(keel_format_age(buf, sizeof(buf), 86400 * 3 + 3600 * 4 + 5), "3d04h");
    assert_string_equal(keel_format_age(buf, sizeof(buf), 1e300), "104166666666d16h");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_serving_keel),
        cmocka_unit_test(test_an_empty_answer),
        cmocka_unit_test(test_no_limit_and_overcommitted_budget),
        cmocka_unit_test(test_ages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
