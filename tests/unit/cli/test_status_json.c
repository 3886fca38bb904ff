/* Tests for src/cli/status_json.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli/status_json.h"

/* What keel's admin listener answered on this machine. */
static const char sample[] =
    "{\n"
    "  \"version\": \"0.1.0\",\n"
    "  \"state\": \"serving\",\n"
    "  \"generation\": 1,\n"
    "  \"generations\": [{\"number\": 1, \"state\": \"active\", \"zygote_pid\": 12686, \"opcache\": true}],\n"
    "  \"requests_total\": 200,\n"
    "  \"in_flight\": 0,\n"
    "  \"queue\": {\"classic\": 0, \"worker\": 3},\n"
    "  \"recycles\": {\"requests\": 0, \"memory\": 2, \"memory_hard\": 0, \"ttl\": 0, \"idle\": 0},\n"
    "  \"worker_crashes\": 1,\n"
    "  \"reloads\": {\"ok\": 4, \"failed\": 0},\n"
    "  \"memory\": {\"limit_bytes\": 25276157952, \"limit_source\": \"physical memory\", \"current_bytes\": 604442624, "
    "\"budget_bytes\": 250478592, \"budget_fits\": true, \"budget_max_workers\": 5968},\n"
    "  \"opcache\": {\"used_bytes\": 9171960, \"free_bytes\": 125045768, \"wasted_bytes\": 0, \"interned_used_bytes\": "
    "2346768, \"interned_free_bytes\": 6041840, \"cached_keys\": 1, \"max_cached_keys\": 16229, \"restarts\": 0, "
    "\"hits\": 3, \"misses\": 1, \"generation_swaps\": 0},\n"
    "  \"tmpfs\": [{\"path\": \"/dev/shm\", \"used_bytes\": 4096}],\n"
    "  \"workers\": [\n"
    "    {\"id\": 1, \"pid\": 12687, \"generation\": 1, \"mode\": \"classic\", \"state\": \"idle\", \"requests\": 0, "
    "\"private_bytes\": 0, \"private_precise_bytes\": 200704, \"zend_peak_bytes\": 0, \"growth_bytes_per_request\": "
    "0.0, \"age_seconds\": 9.3},\n"
    "    {\"id\": 5, \"pid\": 12981, \"generation\": 1, \"mode\": \"worker\", \"state\": \"idle\", \"requests\": 42, "
    "\"private_bytes\": 7802880, \"private_precise_bytes\": 0, \"zend_peak_bytes\": 3284656, "
    "\"growth_bytes_per_request\": 4112.5, \"age_seconds\": 1.9}\n"
    "  ]\n"
    "}\n";

static void
test_parses_a_real_answer(void **state)
{
    (void)state;
    keel_status_t s;
    char err[256];
    assert_int_equal(keel_status_parse(sample, strlen(sample), &s, err, sizeof(err)), 0);
    assert_string_equal(s.version, "0.1.0");
    assert_string_equal(s.state, "serving");
    assert_int_equal(s.generation, 1);
    assert_int_equal(s.generation_count, 1);
    assert_int_equal(s.generations[0].zygote_pid, 12686);
    assert_string_equal(s.generations[0].state, "active");
    assert_true(s.generations[0].opcache);
    assert_int_equal(s.requests_total, 200);
    assert_int_equal(s.queue_worker, 3);
    assert_int_equal(s.recycle_count, 5);
    assert_string_equal(s.recycles[1].name, "memory");
    assert_int_equal(s.recycles[1].count, 2);
    assert_int_equal(s.worker_crashes, 1);
    assert_int_equal(s.reloads_ok, 4);
    assert_true(s.have_memory);
    assert_int_equal(s.limit_bytes, 25276157952ull);
    assert_string_equal(s.limit_source, "physical memory");
    assert_true(s.have_budget);
    assert_true(s.budget_fits);
    assert_int_equal(s.budget_max_workers, 5968);
    assert_true(s.have_opcache);
    assert_int_equal(s.max_cached_keys, 16229);
    assert_int_equal(s.interned_free, 6041840);
    assert_int_equal(s.tmpfs_count, 1);
    assert_string_equal(s.tmpfs[0].path, "/dev/shm");
    assert_int_equal(s.worker_count, 2);
    assert_int_equal(s.workers[1].pid, 12981);
    assert_string_equal(s.workers[1].mode, "worker");
    assert_int_equal(s.workers[1].requests, 42);
    assert_int_equal(s.workers[1].private_bytes, 7802880);
    assert_true(s.workers[1].growth_bytes_per_request == 4112.5);
    assert_true(s.workers[0].age_seconds == 9.3);
    assert_ptr_equal(keel_status_find_worker(&s, 12981), &s.workers[1]);
    assert_null(keel_status_find_worker(&s, 1));
    keel_status_free(&s);
    assert_null(s.workers);
}

static void
test_missing_parts_read_as_zero(void **state)
{
    (void)state;
    keel_status_t s;
    char err[256];
    const char *t = "{\"state\": \"starting\", \"future_field\": [1, 2, {}]}";
    assert_int_equal(keel_status_parse(t, strlen(t), &s, err, sizeof(err)), 0);
    assert_string_equal(s.state, "starting");
    assert_string_equal(s.version, "");
    assert_false(s.have_memory);
    assert_false(s.have_budget);
    assert_false(s.have_opcache);
    assert_int_equal(s.worker_count, 0);
    assert_null(s.workers);
    keel_status_free(&s);
}

static void
test_memory_without_budget(void **state)
{
    (void)state;
    keel_status_t s;
    char err[256];
    const char *t = "{\"memory\": {\"limit_bytes\": 0, \"limit_source\": \"physical memory\", \"current_bytes\": 5}}";
    assert_int_equal(keel_status_parse(t, strlen(t), &s, err, sizeof(err)), 0);
    assert_true(s.have_memory);
    assert_false(s.have_budget);
    assert_int_equal(s.current_bytes, 5);
    keel_status_free(&s);
}

static void
test_refuses_what_is_not_an_object(void **state)
{
    (void)state;
    keel_status_t s;
    char err[256];
    const char *bad[] = {"", "[]", "42", "{\"a\": ", "{\"a\": 1, \"a\": 2}", "<html>"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(keel_status_parse(bad[i], strlen(bad[i]), &s, err, sizeof(err)), -1);
        assert_true(err[0] != '\0');
        keel_status_free(&s);
    }
}

static void
test_wrong_types_and_ranges(void **state)
{
    (void)state;
    keel_status_t s;
    char err[256];
    const char *t = "{\"generation\": -3, \"requests_total\": 1e300, \"in_flight\": \"7\", "
                    "\"workers\": [5, \"x\", {\"pid\": 99999999999, \"requests\": -1, \"mode\": 3, "
                    "\"growth_bytes_per_request\": \"big\", \"age_seconds\": 2}, null], "
                    "\"generations\": {\"number\": 1}, \"tmpfs\": [1, {\"path\": 2}]}";
    assert_int_equal(keel_status_parse(t, strlen(t), &s, err, sizeof(err)), 0);
    assert_int_equal(s.generation, 0);
    assert_int_equal(s.requests_total, 0);
    assert_int_equal(s.in_flight, 0);
    assert_int_equal(s.worker_count, 1);
    assert_int_equal(s.workers[0].pid, 0);
    assert_int_equal(s.workers[0].requests, 0);
    assert_string_equal(s.workers[0].mode, "");
    assert_true(s.workers[0].growth_bytes_per_request == 0.0);
    assert_true(s.workers[0].age_seconds == 2.0);
    assert_int_equal(s.generation_count, 0);
    assert_int_equal(s.tmpfs_count, 1);
    assert_string_equal(s.tmpfs[0].path, "");
    keel_status_free(&s);
}

static void
test_strings_are_cleaned_and_cut(void **state)
{
    (void)state;
    keel_status_t s;
    char err[256];
    char t[512];
    snprintf(t, sizeof(t), "{\"state\": \"a\\u001b[2Jb\\nc\\u007f\", \"version\": \"%s\"}",
             "0123456789012345678901234567890123456789");
    assert_int_equal(keel_status_parse(t, strlen(t), &s, err, sizeof(err)), 0);
    assert_string_equal(s.state, "a?[2Jb?c?");
    assert_int_equal(strlen(s.version), KEEL_STATUS_NAME - 1);
    keel_status_free(&s);
}

static void
test_recycle_reasons_are_bounded(void **state)
{
    (void)state;
    keel_status_t s;
    char err[256];
    const char *t = "{\"recycles\": {\"a\": 1, \"b\": 2, \"c\": 3, \"d\": 4, \"e\": 5, \"f\": 6, \"g\": 7, \"h\": 8, "
                    "\"i\": 9, \"j\": 10}}";
    assert_int_equal(keel_status_parse(t, strlen(t), &s, err, sizeof(err)), 0);
    assert_int_equal(s.recycle_count, KEEL_STATUS_RECYCLE_REASONS);
    assert_string_equal(s.recycles[0].name, "a");
    assert_int_equal(s.recycles[7].count, 8);
    keel_status_free(&s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parses_a_real_answer),        cmocka_unit_test(test_missing_parts_read_as_zero),
        cmocka_unit_test(test_memory_without_budget),       cmocka_unit_test(test_refuses_what_is_not_an_object),
        cmocka_unit_test(test_wrong_types_and_ranges),      cmocka_unit_test(test_strings_are_cleaned_and_cut),
        cmocka_unit_test(test_recycle_reasons_are_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
