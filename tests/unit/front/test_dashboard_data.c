/* Tests for src/front/dashboard_data.c: the dashboard's JSON, shaped from
 * a snapshot, the sample ring and the event log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "front/dashboard_data.h"
#include "front/event_log.h"

typedef struct {
    keel_front_snapshot_t s;
    keel_worker_snapshot_t workers[3];
    keel_pool_snapshot_t pools[2];
    keel_generation_snapshot_t generations[1];
    keel_event_log_t events;
} fixture_t;

static fixture_t *
fixture(void)
{
    fixture_t *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    keel_front_snapshot_t *s = &f->s;
    s->state = "serving";
    s->generation = 2;
    f->generations[0] = (keel_generation_snapshot_t){.number = 2, .state = "active", .zygote_pid = 50, .opcache = true};
    s->generations = f->generations;
    s->generation_count = 1;
    f->workers[0] = (keel_worker_snapshot_t){.id = 1,
                                             .pid = 101,
                                             .generation = 2,
                                             .mode = "worker",
                                             .state = "idle",
                                             .requests = 500,
                                             .private_bytes = 8 << 20,
                                             .growth_known = true,
                                             .growth_bytes_per_request = 4096.5,
                                             .age_seconds = 12.5};
    f->workers[1] = (keel_worker_snapshot_t){.id = 2,
                                             .pid = 102,
                                             .generation = 2,
                                             .mode = "worker",
                                             .state = "busy",
                                             .requests = 10,
                                             .private_bytes = 6 << 20};
    f->workers[2] = (keel_worker_snapshot_t){.id = 3, .pid = 103, .generation = 2, .mode = "classic", .state = "idle"};
    s->workers = f->workers;
    s->worker_count = 3;
    f->pools[0] = (keel_pool_snapshot_t){.generation = 2, .mode = "worker", .size = 2, .min = 2, .max = 4};
    f->pools[1] = (keel_pool_snapshot_t){.generation = 2,
                                         .mode = "classic",
                                         .size = 1,
                                         .min = 1,
                                         .max = 1,
                                         .last_change = "grew from 1 to 2: <b>why</b>"};
    s->pools = f->pools;
    s->pool_count = 2;
    s->have_limit = true;
    s->limit = (keel_mem_limit_t){.limit = UINT64_MAX, .current = 3ull << 30, .source = "physical memory"};
    s->budget_known = true;
    s->budget = (keel_budget_t){.needed = 1ull << 30, .limit = UINT64_MAX, .fits = true, .max_workers = 40};
    s->tmpfs_count = 2;
    s->tmpfs[0] = (keel_tmpfs_snapshot_t){.path = "/dev/shm", .fstype = "tmpfs", .used = 1000};
    /* a directory name PHP chose, not UTF-8, with markup in it */
    s->tmpfs[1] = (keel_tmpfs_snapshot_t){.path = "/run/\xff<script>x</script>", .fstype = "tmpfs", .used = 24};
    s->counters.requests_total = 510;
    s->counters.recycles[KEEL_RECYCLE_MEMORY] = 3;
    s->events = &f->events;
    return f;
}

static json_t *
shape(const fixture_t *f, const keel_sample_ring_t *r, uint64_t samples_after, uint64_t events_after)
{
    keel_dashboard_query_t q = {.samples_after = samples_after, .events_after = events_after};
    keel_dashboard_clock_t c = {.now_ms = 10000, .wall_now_ms = 1700000010000, .interval_ms = 1000};
    json_t *doc = keel_dashboard_json(&f->s, r, &q, &c);
    assert_non_null(doc);
    /* what is sent must read back as JSON */
    char *text = json_dumps(doc, JSON_COMPACT);
    assert_non_null(text);
    json_error_t err;
    json_t *again = json_loads(text, 0, &err);
    if (again == NULL)
        fail_msg("not JSON: %s in %s", err.text, text);
    free(text);
    json_decref(doc);
    return again;
}

static void
test_now_from_the_snapshot(void **state)
{
    (void)state;
    fixture_t *f = fixture();
    keel_sample_ring_t r = {0};
    json_t *d = shape(f, &r, 0, 0);
    assert_string_equal(json_string_value(json_object_get(d, "state")), "serving");
    assert_int_equal(json_integer_value(json_object_get(d, "generation")), 2);
    json_t *workers = json_object_get(d, "workers");
    assert_int_equal(json_array_size(workers), 3);
    json_t *w0 = json_array_get(workers, 0), *w1 = json_array_get(workers, 1);
    assert_int_equal(json_integer_value(json_object_get(w0, "pid")), 101);
    assert_true(json_real_value(json_object_get(w0, "growth_bytes_per_request")) == 4096.5);
    assert_int_equal(json_integer_value(json_object_get(w0, "private_bytes")), 8 << 20);
    /* no estimate yet reads as null, not as 0 */
    assert_true(json_is_null(json_object_get(w1, "growth_bytes_per_request")));
    json_t *mem = json_object_get(d, "memory");
    assert_true(json_is_null(json_object_get(mem, "limit_bytes"))); /* nothing limits */
    assert_int_equal(json_integer_value(json_object_get(json_object_get(mem, "budget"), "needed_bytes")), 1 << 30);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "recycles"), "memory")), 3);
    assert_true(json_is_null(json_object_get(d, "opcache")));
    /* text stays text: escaped by JSON, replaced where not UTF-8 */
    json_t *mt = json_array_get(json_object_get(d, "tmpfs"), 1);
    assert_string_equal(json_string_value(json_object_get(mt, "path")), "/run/\xef\xbf\xbd<script>x</script>");
    json_t *pool = json_array_get(json_object_get(d, "pools"), 1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(pool, "last_change"), "what")),
                        "grew from 1 to 2: <b>why</b>");
    json_decref(d);
    free(f);
}

static void
test_samples_after_the_mark(void **state)
{
    (void)state;
    fixture_t *f = fixture();
    keel_sample_ring_t r;
    assert_int_equal(keel_sample_ring_init(&r, 3, keel_dashboard_workers_per_sample(&f->s)), 0);
    /* one a second, 100 requests more each time */
    for (uint64_t i = 0; i < 5; i++) {
        f->s.counters.requests_total = 1000 + 100 * i;
        f->workers[0].private_bytes = (8 << 20) + i * 4096;
        keel_dashboard_sample(&r, &f->s, 5000 + 1000 * i);
    }
    json_t *d = shape(f, &r, 0, 0);
    json_t *s = json_object_get(d, "samples");
    assert_int_equal(json_integer_value(json_object_get(s, "first")), 3);
    assert_int_equal(json_integer_value(json_object_get(s, "last")), 5);
    assert_int_equal(json_integer_value(json_object_get(s, "capacity")), 3);
    json_t *items = json_object_get(s, "items");
    assert_int_equal(json_array_size(items), 3);
    json_t *x = json_array_get(items, 0);
    assert_int_equal(json_integer_value(json_object_get(x, "seq")), 3);
    /* taken at monotonic 7000 ms, 3 s before now: dated 3 s before the wall clock's now */
    assert_int_equal(json_integer_value(json_object_get(x, "t")), 1700000007000);
    /* the sample before it is gone from the ring: no rate for it; the next
     * one has its predecessor: 100 requests in one second */
    assert_true(json_is_null(json_object_get(x, "rps")));
    assert_true(json_real_value(json_object_get(json_array_get(items, 1), "rps")) == 100.0);
    json_t *w = json_array_get(json_object_get(x, "workers"), 0);
    assert_int_equal(json_integer_value(json_array_get(w, 0)), 101);
    assert_int_equal(json_integer_value(json_array_get(w, 1)), 2);
    assert_string_equal(json_string_value(json_array_get(w, 2)), "worker");
    assert_int_equal(json_integer_value(json_array_get(w, 3)), (8 << 20) + 2 * 4096);
    assert_int_equal(json_array_size(json_object_get(x, "workers")), 3);
    json_decref(d);
    /* only what is new after the page's mark */
    d = shape(f, &r, 4, 0);
    items = json_object_get(json_object_get(d, "samples"), "items");
    assert_int_equal(json_array_size(items), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "seq")), 5);
    json_decref(d);
    d = shape(f, &r, 5, 0);
    assert_int_equal(json_array_size(json_object_get(json_object_get(d, "samples"), "items")), 0);
    json_decref(d);
    keel_sample_ring_dispose(&r);
    free(f);
}

static void
test_the_oldest_sample_has_no_rate(void **state)
{
    (void)state;
    fixture_t *f = fixture();
    keel_sample_ring_t r;
    assert_int_equal(keel_sample_ring_init(&r, 4, 8), 0);
    keel_dashboard_sample(&r, &f->s, 9000);
    json_t *d = shape(f, &r, 0, 0);
    json_t *x = json_array_get(json_object_get(json_object_get(d, "samples"), "items"), 0);
    assert_true(json_is_null(json_object_get(x, "rps")));
    assert_int_equal(json_integer_value(json_object_get(x, "requests_total")), 510);
    assert_int_equal(json_integer_value(json_object_get(x, "memory_bytes")), 3ll << 30);
    assert_true(json_is_null(json_object_get(x, "memory_limit_bytes")));
    assert_int_equal(json_integer_value(json_object_get(x, "tmpfs_bytes")), 1024);
    json_decref(d);
    keel_sample_ring_dispose(&r);
    free(f);
}

static void
test_events_after_the_mark(void **state)
{
    (void)state;
    fixture_t *f = fixture();
    keel_sample_ring_t r = {0};
    keel_event_add(&f->events, 4000, KEEL_EVENT_GENERATION, 2, 0, "serving", "generation 2 serving");
    keel_event_add(&f->events, 9000, KEEL_EVENT_CRASH, 2, 101, "SIGSEGV",
                   "worker 1 killed during \"GET /x/<img src=x onerror=alert(1)>\"");
    json_t *d = shape(f, &r, 0, 1);
    json_t *ev = json_object_get(d, "events");
    assert_int_equal(json_integer_value(json_object_get(ev, "last")), 2);
    json_t *items = json_object_get(ev, "items");
    assert_int_equal(json_array_size(items), 1);
    json_t *e = json_array_get(items, 0);
    assert_string_equal(json_string_value(json_object_get(e, "kind")), "crash");
    assert_string_equal(json_string_value(json_object_get(e, "what")), "SIGSEGV");
    assert_int_equal(json_integer_value(json_object_get(e, "pid")), 101);
    assert_int_equal(json_integer_value(json_object_get(e, "t")), 1700000009000);
    assert_string_equal(json_string_value(json_object_get(e, "text")),
                        "worker 1 killed during \"GET /x/<img src=x onerror=alert(1)>\"");
    json_decref(d);
    d = shape(f, &r, 0, 0);
    e = json_array_get(json_object_get(json_object_get(d, "events"), "items"), 0);
    assert_true(json_is_null(json_object_get(e, "pid")));
    json_decref(d);
    free(f);
}

static void
test_room_per_sample(void **state)
{
    (void)state;
    fixture_t *f = fixture();
    /* 4 + 1 workers at most, twice over during a reload, and 2 to spare */
    assert_int_equal(keel_dashboard_workers_per_sample(&f->s), 12);
    f->pools[0].max = 1000;
    assert_int_equal(keel_dashboard_workers_per_sample(&f->s), KEEL_DASHBOARD_WORKERS_MAX);
    f->s.pool_count = 0;
    assert_int_equal(keel_dashboard_workers_per_sample(&f->s), KEEL_DASHBOARD_WORKERS_MIN);
    free(f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_now_from_the_snapshot),
        cmocka_unit_test(test_samples_after_the_mark),
        cmocka_unit_test(test_the_oldest_sample_has_no_rate),
        cmocka_unit_test(test_events_after_the_mark),
        cmocka_unit_test(test_room_per_sample),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
