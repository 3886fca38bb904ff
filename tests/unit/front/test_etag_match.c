/* Tests for src/front/etag_match.c: If-None-Match lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "front/etag_match.h"

#define TAG "\"6b025362-7\""

static int
matches(const char *list, const char *tag)
{
    return keel_etag_list_matches(list, strlen(list), tag, strlen(tag));
}

static void
test_exact_and_lists(void **state)
{
    (void)state;
    assert_int_equal(matches(TAG, TAG), 1);
    assert_int_equal(matches("\"other\", " TAG, TAG), 1);
    assert_int_equal(matches(TAG ",\"other\"", TAG), 1);
    assert_int_equal(matches("  \"a\" ,\t" TAG "  ", TAG), 1);
    assert_int_equal(matches("\"a\", \"b\"", TAG), 0);
    assert_int_equal(matches("", TAG), 0);
}

static void
test_star_and_weak(void **state)
{
    (void)state;
    assert_int_equal(matches("*", TAG), 1);
    /* If-None-Match uses weak comparison: W/ on either side still matches. */
    assert_int_equal(matches("W/" TAG, TAG), 1);
    assert_int_equal(matches(TAG, "W/" TAG), 1);
    assert_int_equal(matches("W/\"x\"", TAG), 0);
}

static void
test_malformed_never_matches(void **state)
{
    (void)state;
    assert_int_equal(matches("6b025362-7", TAG), 0);       /* unquoted */
    assert_int_equal(matches("\"6b025362-7", TAG), 0);     /* unterminated */
    assert_int_equal(matches("\"a\" junk, " TAG, TAG), 0); /* garbage after a tag */
    assert_int_equal(matches("W/", TAG), 0);
    /* A prefix of the tag is not the tag. */
    assert_int_equal(matches("\"6b025362-\"", TAG), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_and_lists),
        cmocka_unit_test(test_star_and_weak),
        cmocka_unit_test(test_malformed_never_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
