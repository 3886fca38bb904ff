/* Tests for turning -d entries into php.ini text (common/ini.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/ini.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void
expect_ini(const char *const *entries, size_t count, const char *want)
{
    char *got = keel_ini_entries_build(entries, count);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void
expect_one(const char *entry, const char *want)
{
    expect_ini(&entry, 1, want);
}

static void
test_no_entries(void **state)
{
    (void)state;
    expect_ini(NULL, 0, "");
}

static void
test_plain_values_unquoted(void **state)
{
    (void)state;
    /* Letters, digits and quotes start values php -d leaves unquoted. */
    expect_one("memory_limit=256M", "memory_limit=256M\n");
    expect_one("display_errors=On", "display_errors=On\n");
    expect_one("opcache.enable=0", "opcache.enable=0\n");
    expect_one("date.timezone=\"Europe/Paris\"", "date.timezone=\"Europe/Paris\"\n");
    expect_one("x='single'", "x='single'\n");
    expect_one("k=a b;c", "k=a b;c\n");
}

static void
test_other_values_quoted(void **state)
{
    (void)state;
    expect_one("error_log=/tmp/php.log", "error_log=\"/tmp/php.log\"\n");
    expect_one("include_path=.:/usr/share/php", "include_path=\".:/usr/share/php\"\n");
    expect_one("k=-1", "k=\"-1\"\n");
    expect_one("k=~/x", "k=\"~/x\"\n");
    expect_one("k=$HOME", "k=\"$HOME\"\n");
    expect_one("k=${x}", "k=\"${x}\"\n");
    expect_one("k= leading space", "k=\" leading space\"\n");
    expect_one("k=!", "k=\"!\"\n");
    expect_one("k==b", "k=\"=b\"\n");
    expect_one("k=;comment", "k=\";comment\"\n");
    /* Not a letter in the C locale the tests run in. */
    expect_one("k=\xc3\xa9t\xc3\xa9", "k=\"\xc3\xa9t\xc3\xa9\"\n");
}

static void
test_empty_value(void **state)
{
    (void)state;
    expect_one("error_log=", "error_log=\n");
    expect_one("=", "=\n");
}

static void
test_key_without_value(void **state)
{
    (void)state;
    /* As php -d: a bare key means "key=1". */
    expect_one("opcache.enable_cli", "opcache.enable_cli=1\n");
    expect_one("", "=1\n");
}

static void
test_only_first_equals_splits(void **state)
{
    (void)state;
    expect_one("k=a=b", "k=a=b\n");
    expect_one("k=/a=b", "k=\"/a=b\"\n");
}

static void
test_several_in_order(void **state)
{
    (void)state;
    const char *const entries[] = {"a=1", "b=/x", "c", "d=", "e=.5"};
    expect_ini(entries, COUNT(entries), "a=1\nb=\"/x\"\nc=1\nd=\ne=\".5\"\n");
}

static void
test_worst_case_sizes(void **state)
{
    (void)state;
    /* Many short entries that each grow by the most the format allows
     * (quotes or "=1"), so an undersized buffer overflows visibly under ASan. */
    enum { N = 300 };
    const char *entries[N];
    size_t want_len = 0;
    for (size_t i = 0; i < N; i++) {
        switch (i % 3) {
        case 0:
            entries[i] = "k=/";
            want_len += strlen("k=\"/\"\n");
            break;
        case 1:
            entries[i] = "x";
            want_len += strlen("x=1\n");
            break;
        default:
            entries[i] = "=";
            want_len += strlen("=\n");
            break;
        }
    }
    char *got = keel_ini_entries_build(entries, N);
    assert_non_null(got);
    assert_int_equal(strlen(got), want_len);
    assert_memory_equal(got, "k=\"/\"\nx=1\n=\n", 12);
    free(got);
}

static void
test_long_value(void **state)
{
    (void)state;
    size_t n = 100000;
    char *entry = malloc(n + 3), *want = malloc(n + 6);
    assert_non_null(entry);
    assert_non_null(want);
    memcpy(entry, "k=/", 3);
    memset(entry + 3, 'p', n - 1);
    entry[n + 2] = '\0';
    snprintf(want, n + 6, "k=\"%s\"\n", entry + 2);
    const char *entries[] = {entry};
    expect_ini(entries, 1, want);
    free(entry);
    free(want);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_entries),          cmocka_unit_test(test_plain_values_unquoted),
        cmocka_unit_test(test_other_values_quoted), cmocka_unit_test(test_empty_value),
        cmocka_unit_test(test_key_without_value),   cmocka_unit_test(test_only_first_equals_splits),
        cmocka_unit_test(test_several_in_order),    cmocka_unit_test(test_worst_case_sizes),
        cmocka_unit_test(test_long_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
