/* Tests for src/common/utf8.c: text for JSON and the dashboard is always
 * well-formed UTF-8, whatever bytes it came from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/utf8.h"

#define FFFD "\xef\xbf\xbd"

static const char *
clean(char *buf, size_t cap, const char *s, size_t len)
{
    keel_utf8_clean(buf, cap, s, len);
    return buf;
}

static void
test_well_formed_text_is_kept(void **state)
{
    (void)state;
    char buf[64];
    const char *s = "GET /caf\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x98\x80 <img src=x>";
    assert_int_equal(keel_utf8_clean(buf, sizeof(buf), s, strlen(s)), strlen(s));
    assert_string_equal(buf, s);
    assert_true(keel_utf8_valid(s, strlen(s)));
    /* the edges of each range are kept */
    const char *edges = "\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xf0\x90\x80\x80\xf4\x8f\xbf\xbf";
    assert_string_equal(clean(buf, sizeof(buf), edges, strlen(edges)), edges);
}

static void
test_ill_formed_parts_become_replacement_characters(void **state)
{
    (void)state;
    char buf[64];
    static const struct {
        const char *in;
        size_t len;
        const char *out;
    } cases[] = {
        {"a\x80z", 3, "a" FFFD "z"},                  /* stray continuation byte */
        {"a\xc3", 2, "a" FFFD},                       /* truncated at the end */
        {"\xc0\xaf", 2, FFFD FFFD},                   /* overlong '/' */
        {"\xe0\x80\xaf", 3, FFFD FFFD FFFD},          /* overlong three-byte form */
        {"\xed\xa0\x80", 3, FFFD FFFD FFFD},          /* a surrogate */
        {"\xf4\x90\x80\x80", 4, FFFD FFFD FFFD FFFD}, /* past U+10FFFF */
        {"\xe2\x82z", 3, FFFD "z"},                   /* one maximal part, then what follows */
        {"\xf0\x9f\x98", 3, FFFD},                    /* a four-byte form cut short */
        {"\xff\xfe", 2, FFFD FFFD},                   /* never in UTF-8 */
        {"a\0b", 3, "a" FFFD "b"},                    /* NUL would end the C string */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        clean(buf, sizeof(buf), cases[i].in, cases[i].len);
        if (strcmp(buf, cases[i].out) != 0)
            fail_msg("case %zu: got %s", i, buf);
        assert_false(keel_utf8_valid(cases[i].in, cases[i].len));
        assert_true(keel_utf8_valid(buf, strlen(buf)));
    }
}

static void
test_cut_at_a_character(void **state)
{
    (void)state;
    char buf[6];
    /* "ab" + a 3-byte character fits in 5 bytes and the NUL; a second does not */
    assert_int_equal(keel_utf8_clean(buf, sizeof(buf), "ab\xe2\x82\xac\xe2\x82\xac", 8), 5);
    assert_string_equal(buf, "ab\xe2\x82\xac");
    /* a replacement that does not fit is left out whole */
    assert_int_equal(keel_utf8_clean(buf, sizeof(buf), "abcd\xff", 5), 4);
    assert_string_equal(buf, "abcd");
    char one[1];
    assert_int_equal(keel_utf8_clean(one, sizeof(one), "abc", 3), 0);
    assert_string_equal(one, "");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_well_formed_text_is_kept),
        cmocka_unit_test(test_ill_formed_parts_become_replacement_characters),
        cmocka_unit_test(test_cut_at_a_character),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
