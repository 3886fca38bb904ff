/* Tests for src/front/tls_names.c: which certificate covers the name a
 * client asks for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "front/tls_names.h"

static bool
matches(const char *pattern, const char *name)
{
    return keel_tls_name_matches(pattern, name, strlen(name));
}

static void
test_exact(void **state)
{
    (void)state;
    assert_true(matches("example.com", "example.com"));
    assert_true(matches("example.com", "EXAMPLE.com"));
    assert_true(matches("example.com", "example.com."));
    assert_false(matches("example.com", "www.example.com"));
    assert_false(matches("example.com", "example.co"));
    assert_false(matches("example.com", ""));
    assert_false(matches("example.com", "."));
    assert_false(keel_tls_name_matches("example.com", "example.com", 0));
}

static void
test_wildcard(void **state)
{
    (void)state;
    assert_true(matches("*.example.com", "www.example.com"));
    assert_true(matches("*.example.com", "API.Example.COM"));
    assert_false(matches("*.example.com", "example.com"));
    assert_false(matches("*.example.com", "a.b.example.com"));
    assert_false(matches("*.example.com", ".example.com"));
    assert_false(matches("*.example.com", "wwwexample.com"));
    /* bytes no DNS name holds match nothing */
    assert_false(keel_tls_name_matches("*.example.com", "a\0.example.com", 15));
    assert_false(matches("*.example.com", "a b.example.com"));
}

static void
test_pick(void **state)
{
    (void)state;
    const char *a[] = {"localhost", "a.test"};
    const char *b[] = {"*.a.test", "b.test"};
    const char *c[] = {"www.a.test"};
    const char *const *lists[] = {a, b, c};
    size_t counts[] = {2, 2, 1};
    assert_int_equal(keel_tls_name_pick(lists, counts, 3, "a.test", 6), 0);
    assert_int_equal(keel_tls_name_pick(lists, counts, 3, "b.test", 6), 1);
    assert_int_equal(keel_tls_name_pick(lists, counts, 3, "x.a.test", 8), 1);
    /* an exact name later wins over a wildcard earlier */
    assert_int_equal(keel_tls_name_pick(lists, counts, 3, "www.a.test", 10), 2);
    assert_int_equal(keel_tls_name_pick(lists, counts, 3, "c.test", 6), -1);
    assert_int_equal(keel_tls_name_pick(lists, counts, 0, "a.test", 6), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact),
        cmocka_unit_test(test_wildcard),
        cmocka_unit_test(test_pick),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
