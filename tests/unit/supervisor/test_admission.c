/* Tests for src/supervisor/admission.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "supervisor/admission.h"

static keel_admit_in_t
pool(size_t idle, size_t serving, size_t queued, size_t waiting)
{
    return (keel_admit_in_t){.serving = true,
                             .idle = idle,
                             .serving_workers = serving,
                             .queued = queued,
                             .waiting = waiting,
                             .max_queue = 10};
}

static void
test_nothing_serving_yet(void **state)
{
    (void)state;
    keel_admit_in_t in = {.max_queue = 2};
    assert_int_equal(keel_admit(&in).verdict, KEEL_ADMIT_WAIT);
    in.waiting = 2;
    keel_admit_t a = keel_admit(&in);
    assert_int_equal(a.verdict, KEEL_ADMIT_REJECT);
    assert_int_equal(a.retry_after_s, 1);
}

static void
test_free_worker_takes_it(void **state)
{
    (void)state;
    keel_admit_in_t in = pool(4, 4, 0, 0);
    assert_int_equal(keel_admit(&in).verdict, KEEL_ADMIT_PUSH);
}

static void
test_queue_room_is_four_per_worker(void **state)
{
    (void)state;
    assert_int_equal(keel_admit_queue_room(4, 0), 16);
    assert_int_equal(keel_admit_queue_room(2, 3), 12); /* idle may exceed serving while a count lags */
    keel_admit_in_t in = pool(0, 2, 7, 0);
    assert_int_equal(keel_admit(&in).verdict, KEEL_ADMIT_PUSH);
    in.queued = 8;
    in.max_queue = 100;
    assert_int_equal(keel_admit(&in).verdict, KEEL_ADMIT_WAIT);
    assert_true(keel_admit_may_push(7, 2, 0));
    assert_false(keel_admit_may_push(8, 2, 0));
}

static void
test_in_order(void **state)
{
    (void)state;
    /* room in the queue, but one already waits in the front: behind it */
    keel_admit_in_t in = pool(0, 4, 0, 1);
    assert_int_equal(keel_admit(&in).verdict, KEEL_ADMIT_WAIT);
}

static void
test_full(void **state)
{
    (void)state;
    /* 10 will wait: 2 queued beyond the 2 free workers and 8 in the front */
    keel_admit_in_t in = pool(2, 4, 4, 8);
    keel_admit_t a = keel_admit(&in);
    assert_int_equal(a.verdict, KEEL_ADMIT_REJECT);
    assert_int_equal(a.retry_after_s, 1);
    in.waiting = 7;
    assert_int_equal(keel_admit(&in).verdict, KEEL_ADMIT_WAIT);
    /* fewer queued than free workers: the free ones take them */
    keel_admit_in_t spare = pool(5, 5, 3, 10);
    assert_int_equal(keel_admit(&spare).verdict, KEEL_ADMIT_WAIT);
}

static void
test_given_up(void **state)
{
    (void)state;
    keel_admit_in_t in = pool(0, 0, 0, 0);
    in.given_up = true;
    keel_admit_t a = keel_admit(&in);
    assert_int_equal(a.verdict, KEEL_ADMIT_REJECT);
    assert_int_equal(a.retry_after_s, 10);
    /* a worker it still has serves */
    in.idle = in.serving_workers = 1;
    assert_int_equal(keel_admit(&in).verdict, KEEL_ADMIT_PUSH);
}

static void
test_max_queue_zero(void **state)
{
    (void)state;
    keel_admit_in_t in = pool(1, 1, 0, 0);
    in.max_queue = 0;
    /* a free worker still takes it: the queue limit is about waiting */
    assert_int_equal(keel_admit(&in).verdict, KEEL_ADMIT_PUSH);
    in.idle = 0;
    assert_int_equal(keel_admit(&in).verdict, KEEL_ADMIT_REJECT);
}

static void
test_shed_under_memory_pressure(void **state)
{
    (void)state;
    /* even with a free worker, and before anything serves */
    keel_admit_in_t in = pool(4, 4, 0, 0);
    in.shed = true;
    keel_admit_t a = keel_admit(&in);
    assert_int_equal(a.verdict, KEEL_ADMIT_REJECT);
    assert_int_equal(a.retry_after_s, 2);
    keel_admit_in_t none = {.max_queue = 10, .shed = true};
    assert_int_equal(keel_admit(&none).verdict, KEEL_ADMIT_REJECT);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shed_under_memory_pressure),
        cmocka_unit_test(test_nothing_serving_yet),
        cmocka_unit_test(test_free_worker_takes_it),
        cmocka_unit_test(test_queue_room_is_four_per_worker),
        cmocka_unit_test(test_in_order),
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_given_up),
        cmocka_unit_test(test_max_queue_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
