/* Tests for src/front/basic_auth.c: the user of Basic credentials. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "front/basic_auth.h"

static size_t
user_of(const char *value, char *out, size_t outlen)
{
    return keel_basic_auth_user(value, strlen(value), out, outlen);
}

static void
test_users(void **state)
{
    (void)state;
    char u[64];
    /* "user:pass" */
    assert_int_equal(user_of("Basic dXNlcjpwYXNz", u, sizeof(u)), 4);
    assert_string_equal(u, "user");
    /* the scheme is case-insensitive; "a:b:c" keeps everything after the first ':' as password */
    assert_int_equal(user_of("basic YTpiOmM=", u, sizeof(u)), 1);
    assert_string_equal(u, "a");
    /* ":pw" is an empty user */
    assert_int_equal(user_of("Basic OnB3", u, sizeof(u)), 0);
}

static void
test_refused(void **state)
{
    (void)state;
    char u[64];
    assert_int_equal(user_of("Bearer dXNlcjpwYXNz", u, sizeof(u)), 0);
    assert_int_equal(user_of("Basic", u, sizeof(u)), 0);
    assert_int_equal(user_of("Basic !!!", u, sizeof(u)), 0);            /* not base64 */
    assert_int_equal(user_of("Basic bm9jb2xvbg==", u, sizeof(u)), 0);   /* "nocolon" */
    assert_int_equal(user_of("Basic dXNlcjpwYXNz=x", u, sizeof(u)), 0); /* data after padding */
    /* a user that does not fit the buffer */
    assert_int_equal(user_of("Basic dXNlcjpwYXNz", u, 4), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_users),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
