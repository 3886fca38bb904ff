/* Tests for src/common/statm.c: resident and private memory from statm. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/statm.h"

static void
test_parse(void **state)
{
    (void)state;
    keel_statm_t m;
    /* size resident shared text lib data dt, in pages */
    assert_int_equal(keel_statm_parse("50000 3000 1000 10 0 2500 0\n", 4096, &m), 0);
    assert_int_equal(m.resident, 3000ull * 4096);
    assert_int_equal(m.private, 2000ull * 4096);
    assert_int_equal(keel_statm_parse("1 2 2 0 0 0 0", 4096, &m), 0);
    assert_int_equal(m.private, 0);
    /* the largest page count that fits */
    assert_int_equal(keel_statm_parse("18446744073709551615 7 7", 1, &m), 0);
    assert_int_equal(m.resident, 7);
    assert_int_equal(m.private, 0);
}

static void
test_refused(void **state)
{
    (void)state;
    keel_statm_t m;
    assert_int_equal(keel_statm_parse("", 4096, &m), -1);
    assert_int_equal(keel_statm_parse("1 2", 4096, &m), -1);
    /* shared above resident is not a statm line */
    assert_int_equal(keel_statm_parse("10 5 6 0 0 0 0", 4096, &m), -1);
    assert_int_equal(keel_statm_parse("10 5 1 0 0 0 0", 0, &m), -1);
    assert_int_equal(keel_statm_parse("x 5 1 0 0 0 0", 4096, &m), -1);
    assert_int_equal(keel_statm_parse("10 -5 1 0 0 0 0", 4096, &m), -1);
    /* a field past 64 bits */
    assert_int_equal(keel_statm_parse("10 99999999999999999999 1 0 0 0 0", 4096, &m), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
