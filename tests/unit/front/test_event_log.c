/* Tests for src/front/event_log.c: bounded rings, one sequence, clean text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/utf8.h"
#include "front/event_log.h"

static keel_event_log_t *
new_log(void)
{
    keel_event_log_t *log = calloc(1, sizeof(*log));
    assert_non_null(log);
    return log;
}

static void
test_events_in_order_after_a_mark(void **state)
{
    (void)state;
    keel_event_log_t *log = new_log();
    const keel_event_t *e[KEEL_EVENT_CAP];
    assert_int_equal(keel_event_since(log, 0, e, KEEL_EVENT_CAP), 0);
    assert_int_equal(keel_event_add(log, 100, KEEL_EVENT_GENERATION, 1, 0, "starting", "generation %u starting", 1u),
                     1);
    assert_int_equal(keel_event_add(log, 200, KEEL_EVENT_RECYCLE, 1, 4242, "memory", "worker %d", 3), 2);
    assert_int_equal(keel_event_add(log, 300, KEEL_EVENT_GENERATION, 1, 99, "serving", "serving"), 3);
    size_t n = keel_event_since(log, 0, e, KEEL_EVENT_CAP);
    assert_int_equal(n, 3);
    /* merged from both rings by sequence */
    assert_int_equal(e[0]->seq, 1);
    assert_int_equal(e[1]->seq, 2);
    assert_int_equal(e[2]->seq, 3);
    assert_string_equal(e[0]->text, "generation 1 starting");
    assert_string_equal(e[1]->what, "memory");
    assert_int_equal(e[1]->pid, 4242);
    assert_int_equal(e[1]->at_ms, 200);
    assert_string_equal(keel_event_kind_name(e[1]->kind), "recycle");
    n = keel_event_since(log, 2, e, KEEL_EVENT_CAP);
    assert_int_equal(n, 1);
    assert_int_equal(e[0]->seq, 3);
    assert_int_equal(keel_event_since(log, 3, e, KEEL_EVENT_CAP), 0);
    free(log);
}

static void
test_worker_events_cannot_push_out_generations(void **state)
{
    (void)state;
    keel_event_log_t *log = new_log();
    keel_event_add(log, 1, KEEL_EVENT_GENERATION, 1, 0, "serving", "generation 1 serving");
    for (int i = 0; i < 10 * KEEL_EVENT_WORKER_CAP; i++)
        keel_event_add(log, 2 + (uint64_t)i, KEEL_EVENT_RECYCLE, 1, 1000 + i, "requests", "recycled %d", i);
    const keel_event_t *e[KEEL_EVENT_CAP];
    size_t n = keel_event_since(log, 0, e, KEEL_EVENT_CAP);
    /* the generation event, and the newest of the rest */
    assert_int_equal(n, 1 + KEEL_EVENT_WORKER_CAP);
    assert_int_equal(e[0]->kind, KEEL_EVENT_GENERATION);
    assert_int_equal(e[0]->seq, 1);
    assert_int_equal(e[1]->seq, log->last_seq - KEEL_EVENT_WORKER_CAP + 1);
    assert_int_equal(e[n - 1]->seq, log->last_seq);
    for (size_t i = 1; i < n; i++)
        assert_true(e[i]->seq > e[i - 1]->seq);
    /* a reader that fell behind gets what is held, no more */
    assert_int_equal(keel_event_since(log, 5, e, KEEL_EVENT_CAP), KEEL_EVENT_WORKER_CAP);
    /* and no more than it has room for, oldest first */
    assert_int_equal(keel_event_since(log, 0, e, 2), 2);
    assert_int_equal(e[0]->seq, 1);
    free(log);
}

static void
test_text_is_cut_and_cleaned(void **state)
{
    (void)state;
    keel_event_log_t *log = new_log();
    char path[600];
    memset(path, 'p', sizeof(path) - 1);
    path[sizeof(path) - 1] = '\0';
    keel_event_add(log, 1, KEEL_EVENT_CRASH, 2, 7, "SIGSEGV", "during \"GET /%s\"", path);
    keel_event_add(log, 2, KEEL_EVENT_CRASH, 2, 7, "SIG\xff", "during \"GET /\xc3\x28<script>\"");
    /* a multi-byte character across the cut is left out, not halved */
    char euros[3 * KEEL_EVENT_TEXT];
    for (size_t i = 0; i + 3 < sizeof(euros); i += 3)
        memcpy(euros + i, "\xe2\x82\xac", 3), euros[i + 3] = '\0';
    keel_event_add(log, 3, KEEL_EVENT_TIMEOUT, 2, 7, NULL, "x%s", euros);
    const keel_event_t *e[KEEL_EVENT_CAP];
    assert_int_equal(keel_event_since(log, 0, e, KEEL_EVENT_CAP), 3);
    assert_true(strlen(e[0]->text) < KEEL_EVENT_TEXT);
    assert_memory_equal(e[0]->text, "during \"GET /ppp", 16);
    assert_string_equal(e[1]->what, "SIG\xef\xbf\xbd");
    assert_string_equal(e[1]->text, "during \"GET /\xef\xbf\xbd(<script>\"");
    assert_string_equal(e[2]->what, "");
    assert_int_equal(strlen(e[2]->text) % 3, 1);
    for (int i = 0; i < 3; i++)
        assert_true(keel_utf8_valid(e[i]->text, strlen(e[i]->text)));
    free(log);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_in_order_after_a_mark),
        cmocka_unit_test(test_worker_events_cannot_push_out_generations),
        cmocka_unit_test(test_text_is_cut_and_cleaned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
