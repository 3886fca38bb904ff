/* Tests for src/front/header_copy.c: which names are keel's header copies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "front/header_copy.h"

static const char *
original_of(const char *name)
{
    return keel_header_copy_original(name, strlen(name));
}

static void
test_copy_names_give_their_originals(void **state)
{
    (void)state;
    assert_string_equal(original_of("x-keel-content-length"), "content-length");
    assert_string_equal(original_of("X-Keel-Transfer-Encoding"), "transfer-encoding");
    assert_string_equal(original_of("x-keel-expect"), "expect");
    assert_string_equal(original_of("X-KEEL-UPGRADE"), "upgrade");
}

static void
test_other_names_are_not_copies(void **state)
{
    (void)state;
    assert_null(original_of("x-keel-host"));
    assert_null(original_of("x-keel-"));
    assert_null(original_of("x-keel-expect-more"));
    assert_null(original_of("content-length"));
    assert_null(original_of(""));
    /* a prefix of a copy name, given by length */
    assert_null(keel_header_copy_original("x-keel-expect", 8));
    assert_null(keel_header_copy_original(NULL, 0));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_names_give_their_originals),
        cmocka_unit_test(test_other_names_are_not_copies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
