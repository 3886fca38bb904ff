/* Tests for src/common/log_escape.c: a logged message stays one line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/log_escape.h"

static size_t
esc(char *buf, size_t cap, const char *s)
{
    return keel_log_escape(buf, cap, s, strlen(s));
}

static void
test_plain_text_unchanged(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(esc(buf, sizeof(buf), "PHP message: App\\Kernel caf\xc3\xa9"), 29);
    assert_string_equal(buf, "PHP message: App\\Kernel caf\xc3\xa9");
}

static void
test_newlines_cannot_start_a_line(void **state)
{
    (void)state;
    char buf[128];
    esc(buf, sizeof(buf), "a\n2026-01-01T00:00:00.000Z error keel[1] front: forged\r\n");
    assert_string_equal(buf, "a\\n2026-01-01T00:00:00.000Z error keel[1] front: forged\\r\\n");
    assert_null(strchr(buf, '\n'));
}

static void
test_other_controls_as_hex(void **state)
{
    (void)state;
    char buf[64];
    const char in[] = {'x', '\t', 0x1b, '[', '2', 'J', 0x7f, 0x01, 0};
    esc(buf, sizeof(buf), in);
    assert_string_equal(buf, "x\\t\\x1b[2J\\x7f\\x01");
    /* a NUL inside the message is escaped too */
    assert_int_equal(keel_log_escape(buf, sizeof(buf), "a\0b", 3), 6);
    assert_string_equal(buf, "a\\x00b");
}

static void
test_truncation_keeps_escapes_whole(void **state)
{
    (void)state;
    char buf[6];
    /* "ab\\x01" needs 6 bytes plus the NUL: the escape is left out whole */
    assert_int_equal(esc(buf, sizeof(buf), "ab\x01z"), 2);
    assert_string_equal(buf, "ab");
    assert_int_equal(esc(buf, sizeof(buf), "abcdefgh"), 5);
    assert_string_equal(buf, "abcde");
    char one[1];
    assert_int_equal(esc(one, sizeof(one), "abc"), 0);
    assert_string_equal(one, "");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_text_unchanged),
        cmocka_unit_test(test_newlines_cannot_start_a_line),
        cmocka_unit_test(test_other_controls_as_hex),
        cmocka_unit_test(test_truncation_keeps_escapes_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
