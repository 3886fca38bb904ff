/* Tests for src/front/sample_ring.c: the last minutes in fixed memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "front/sample_ring.h"

static void
push(keel_sample_ring_t *r, uint64_t at, int workers)
{
    keel_sample_t *s = keel_sample_ring_push(r, at);
    assert_non_null(s);
    s->requests_total = at * 10;
    for (int i = 0; i < workers; i++) {
        keel_sample_worker_t w = {.pid = 100 + i, .generation = 1, .worker_mode = i % 2, .private_bytes = at + i};
        keel_sample_ring_add_worker(r, s, &w);
    }
}

static void
test_keeps_the_newest(void **state)
{
    (void)state;
    keel_sample_ring_t r;
    assert_int_equal(keel_sample_ring_init(&r, 4, 3), 0);
    assert_true(keel_sample_ring_first(&r) > keel_sample_ring_last(&r)); /* empty */
    assert_null(keel_sample_ring_get(&r, 0));
    assert_null(keel_sample_ring_get(&r, 1));
    for (uint64_t t = 1; t <= 3; t++)
        push(&r, t, 2);
    assert_int_equal(keel_sample_ring_first(&r), 1);
    assert_int_equal(keel_sample_ring_last(&r), 3);
    for (uint64_t t = 4; t <= 10; t++)
        push(&r, t, 2);
    /* four held: 7 to 10 */
    assert_int_equal(keel_sample_ring_first(&r), 7);
    assert_int_equal(keel_sample_ring_last(&r), 10);
    assert_null(keel_sample_ring_get(&r, 6));
    assert_null(keel_sample_ring_get(&r, 11));
    for (uint64_t seq = 7; seq <= 10; seq++) {
        const keel_sample_t *s = keel_sample_ring_get(&r, seq);
        assert_non_null(s);
        assert_int_equal(s->seq, seq);
        assert_int_equal(s->at_ms, seq);
        assert_int_equal(s->requests_total, seq * 10);
        assert_int_equal(s->worker_count, 2);
        const keel_sample_worker_t *w = keel_sample_ring_workers(&r, s);
        assert_int_equal(w[0].pid, 100);
        assert_int_equal(w[1].pid, 101);
        assert_int_equal(w[1].private_bytes, seq + 1);
        assert_true(w[1].worker_mode);
    }
    keel_sample_ring_dispose(&r);
}

static void
test_workers_past_room_are_counted_not_stored(void **state)
{
    (void)state;
    keel_sample_ring_t r;
    assert_int_equal(keel_sample_ring_init(&r, 2, 3), 0);
    push(&r, 1, 5);
    push(&r, 2, 1);
    const keel_sample_t *a = keel_sample_ring_get(&r, 1), *b = keel_sample_ring_get(&r, 2);
    assert_int_equal(a->worker_count, 3);
    assert_int_equal(a->workers_left_out, 2);
    /* a slot's workers do not spill into the next slot's */
    assert_int_equal(b->worker_count, 1);
    assert_int_equal(b->workers_left_out, 0);
    assert_int_equal(keel_sample_ring_workers(&r, a)[2].pid, 102);
    assert_int_equal(keel_sample_ring_workers(&r, b)[0].pid, 100);
    /* a slot reused starts empty */
    push(&r, 3, 0);
    const keel_sample_t *c = keel_sample_ring_get(&r, 3);
    assert_int_equal(c->worker_count, 0);
    assert_int_equal(c->workers_left_out, 0);
    keel_sample_ring_dispose(&r);
}

static void
test_an_empty_ring_takes_nothing(void **state)
{
    (void)state;
    keel_sample_ring_t r;
    memset(&r, 0, sizeof(r));
    assert_null(keel_sample_ring_push(&r, 1));
    assert_null(keel_sample_ring_get(&r, 1));
    assert_true(keel_sample_ring_first(&r) > keel_sample_ring_last(&r));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keeps_the_newest),
        cmocka_unit_test(test_workers_past_room_are_counted_not_stored),
        cmocka_unit_test(test_an_empty_ring_takes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
