/* Tests for src/common/stream_id.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "common/stream_id.h"

/* A permutation: the first 2^20 counters give 2^20 distinct ids. */
static void
test_distinct(void **state)
{
    (void)state;
    const uint32_t n = 1u << 20;
    uint8_t *seen = calloc((size_t)1 << 29, 1); /* one bit per id */
    assert_non_null(seen);
    for (uint32_t i = 1; i <= n; i++) {
        uint32_t id = keel_stream_id(0x0123456789abcdefULL, i);
        assert_false(seen[id >> 3] & (1u << (id & 7)));
        seen[id >> 3] |= (uint8_t)(1u << (id & 7));
    }
    free(seen);
}

/* Not the counter, and another key gives other ids. */
static void
test_keyed(void **state)
{
    (void)state;
    unsigned same = 0, sequential = 0;
    for (uint32_t i = 1; i < 1000; i++) {
        same += keel_stream_id(1, i) == keel_stream_id(2, i);
        sequential += keel_stream_id(1, i + 1) == keel_stream_id(1, i) + 1;
    }
    assert_true(same < 5);
    assert_true(sequential < 5);
    assert_int_not_equal(keel_stream_key(), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distinct),
        cmocka_unit_test(test_keyed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
