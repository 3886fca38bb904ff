/* Tests for src/acme/b64url.c: RFC 4648's vectors in the URL alphabet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acme/b64url.h"

static void
test_rfc4648_vectors_without_padding(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"}, {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[16];
        size_t n = strlen(cases[i][0]);
        assert_int_equal(keel_b64url_len(n), strlen(cases[i][1]));
        assert_int_equal(keel_b64url_encode(cases[i][0], n, out, sizeof(out)), strlen(cases[i][1]));
        assert_string_equal(out, cases[i][1]);
    }
}

static void
test_url_alphabet(void **state)
{
    (void)state;
    /* 0xfb 0xff is "+/8=" in standard base64 */
    const unsigned char in[] = {0xfb, 0xff};
    char out[8];
    assert_int_equal(keel_b64url_encode(in, sizeof(in), out, sizeof(out)), 3);
    assert_string_equal(out, "-_8");
    char *a = keel_b64url_encode_alloc(in, sizeof(in));
    assert_string_equal(a, "-_8");
    free(a);
    a = keel_b64url_encode_alloc("", 0);
    assert_string_equal(a, "");
    free(a);
}

static void
test_short_buffer_is_refused_untouched(void **state)
{
    (void)state;
    char out[4] = "xyz";
    assert_int_equal(keel_b64url_encode("foo", 3, out, 4), 0); /* needs 5 with the NUL */
    assert_string_equal(out, "xyz");
    assert_int_equal(keel_b64url_encode("foo", 0, out, 4), 0);
}

static void
test_tokens(void **state)
{
    (void)state;
    assert_true(keel_b64url_is_token("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA", 43));
    assert_true(keel_b64url_is_token("a_b-C9", 6));
    assert_false(keel_b64url_is_token("", 0));
    assert_false(keel_b64url_is_token("abc=", 4));
    assert_false(keel_b64url_is_token("../x", 4));
    assert_false(keel_b64url_is_token("a b", 3));
    assert_false(keel_b64url_is_token("a+b/", 4));
    assert_false(keel_b64url_is_token("ab\0c", 4));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_vectors_without_padding),
        cmocka_unit_test(test_url_alphabet),
        cmocka_unit_test(test_short_buffer_is_refused_untouched),
        cmocka_unit_test(test_tokens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
