/* Tests for src/acme/names.c: which names a certificate may be ordered
 * for, and how an --acme-domain value is split. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acme/names.h"

static int
valid(const char *s)
{
    return keel_acme_name_valid(s, strlen(s));
}

static void
test_valid_names(void **state)
{
    (void)state;
    assert_true(valid("example.com"));
    assert_true(valid("www.example.com"));
    assert_true(valid("a-b.example.co.uk"));
    assert_true(valid("xn--bcher-kva.example"));
    assert_true(valid("123.example"));
    assert_true(valid("keel.test"));
}

static void
test_invalid_names(void **state)
{
    (void)state;
    assert_false(valid(""));
    assert_false(valid("localhost"));     /* one label */
    assert_false(valid("*.example.com")); /* wildcards need DNS-01 */
    assert_false(valid("Example.com"));   /* callers lower-case first */
    assert_false(valid("-a.example"));
    assert_false(valid("a-.example"));
    assert_false(valid("a..example"));
    assert_false(valid(".example"));
    assert_false(valid("example."));
    assert_false(valid("127.0.0.1")); /* an IP address */
    assert_false(valid("a/b.example"));
    assert_false(valid("a_b.example"));
    assert_false(valid("../etc.passwd"));
    char label[80];
    memset(label, 'a', 64);
    strcpy(label + 64, ".example");
    assert_false(valid(label));                              /* a 64-character label */
    memmove(label + 63, label + 64, strlen(label + 64) + 1); /* 63 characters */
    assert_true(valid(label));
    /* 253 characters is the longest name, 254 too long */
    char longname[300];
    for (size_t i = 0; i < 252; i += 2)
        memcpy(longname + i, "a.", 2);
    memcpy(longname + 252, "bc", 3);
    assert_int_equal(strlen(longname), 254);
    assert_false(valid(longname));
    longname[253] = '\0';
    assert_true(valid(longname));
}

static void
test_parse_splits_lowercases_and_drops_the_root_dot(void **state)
{
    (void)state;
    char err[256];
    size_t n = 0;
    char **names = keel_acme_names_parse("WWW.Example.com,example.com.", &n, err, sizeof(err));
    assert_non_null(names);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "www.example.com");
    assert_string_equal(names[1], "example.com");
    assert_null(names[2]);
    keel_acme_names_free(names);
}

static void
test_parse_refuses(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"", "is not a host name"},
        {"a.example,,b.example", "is not a host name"},
        {"a.example,", "is not a host name"},
        {"a.example,A.example", "named twice"},
        {"*.example.com", "is not a host name"},
        {"a.example, b.example", "is not a host name"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[256] = "";
        size_t n = 99;
        assert_null(keel_acme_names_parse(cases[i][0], &n, err, sizeof(err)));
        assert_non_null(strstr(err, cases[i][1]));
    }
}

static void
test_parse_caps_the_count(void **state)
{
    (void)state;
    char value[4096] = "";
    size_t len = 0;
    for (int i = 0; i <= KEEL_ACME_MAX_NAMES; i++)
        len += (size_t)snprintf(value + len, sizeof(value) - len, "%sn%d.example", i ? "," : "", i);
    char err[256];
    size_t n;
    assert_null(keel_acme_names_parse(value, &n, err, sizeof(err)));
    assert_non_null(strstr(err, "more than 100 names"));
    /* exactly the limit is fine */
    *strrchr(value, ',') = '\0';
    char **names = keel_acme_names_parse(value, &n, err, sizeof(err));
    assert_non_null(names);
    assert_int_equal(n, KEEL_ACME_MAX_NAMES);
    keel_acme_names_free(names);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_names),
        cmocka_unit_test(test_invalid_names),
        cmocka_unit_test(test_parse_splits_lowercases_and_drops_the_root_dot),
        cmocka_unit_test(test_parse_refuses),
        cmocka_unit_test(test_parse_caps_the_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
