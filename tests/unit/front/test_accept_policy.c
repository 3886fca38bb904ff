/* Tests for src/front/accept_policy.c: when the front accepts. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "front/accept_policy.h"

static void
test_failures(void **state)
{
    (void)state;
    assert_int_equal(keel_accept_failure(EMFILE), KEEL_ACCEPT_BACK_OFF);
    assert_int_equal(keel_accept_failure(ENFILE), KEEL_ACCEPT_BACK_OFF);
    assert_int_equal(keel_accept_failure(ENOBUFS), KEEL_ACCEPT_BACK_OFF);
    assert_int_equal(keel_accept_failure(ENOMEM), KEEL_ACCEPT_BACK_OFF);
    assert_int_equal(keel_accept_failure(EAGAIN), KEEL_ACCEPT_AGAIN_LATER);
    assert_int_equal(keel_accept_failure(ECONNABORTED), KEEL_ACCEPT_AGAIN_LATER);
    assert_int_equal(keel_accept_failure(EINTR), KEEL_ACCEPT_AGAIN_LATER);
}

static void
test_open(void **state)
{
    (void)state;
    assert_true(keel_accept_open(0, 1, 0));
    assert_true(keel_accept_open(1023, 1024, 0));
    assert_false(keel_accept_open(1024, 1024, 0));
    assert_false(keel_accept_open(2000, 1024, 0));
    assert_false(keel_accept_open(0, 1024, 1));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failures),
        cmocka_unit_test(test_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
