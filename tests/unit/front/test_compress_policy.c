/* Tests for src/front/compress_policy.c: nginx's gzip rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "front/compress_policy.h"

static keel_compress_text_t
t(const char *s)
{
    return (keel_compress_text_t){s, s ? strlen(s) : 0};
}

static keel_compress_in_t
page(void)
{
    return (keel_compress_in_t){
        .status = 200,
        .version = 0x101,
        .content_length = 10000,
        .content_type = t("text/html; charset=UTF-8"),
        .accept_encoding = t("gzip, deflate, br"),
    };
}

static void
test_a_page_is_compressed(void **state)
{
    (void)state;
    keel_compress_in_t in = page();
    assert_int_equal(keel_compress_decide(&in), KEEL_COMPRESS_GZIP);
    in.version = 0x200;
    assert_int_equal(keel_compress_decide(&in), KEEL_COMPRESS_GZIP);
    /* streamed, length unknown */
    in.content_length = SIZE_MAX;
    assert_int_equal(keel_compress_decide(&in), KEEL_COMPRESS_GZIP);
    /* nginx's other two statuses */
    in.status = 404;
    assert_int_equal(keel_compress_decide(&in), KEEL_COMPRESS_GZIP);
    in.status = 403;
    assert_int_equal(keel_compress_decide(&in), KEEL_COMPRESS_GZIP);
}

static void
test_what_is_never_compressed(void **state)
{
    (void)state;
    keel_compress_in_t in;
    static const int statuses[] = {206, 204, 301, 304, 500, 503, 100};
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        in = page();
        in.status = statuses[i];
        assert_int_equal(keel_compress_decide(&in), KEEL_COMPRESS_NO);
    }
    in = page();
    in.head = true;
    assert_int_equal(keel_compress_decide(&in), KEEL_COMPRESS_NO);
    in = page();
    in.version = 0x100;
    assert_int_equal(keel_compress_decide(&in), KEEL_COMPRESS_NO);
    in = page();
    in.content_encoding = true; /* PHP's zlib.output_compression, a .gz sibling */
    assert_int_equal(keel_compress_decide(&in), KEEL_COMPRESS_NO);
    in = page();
    in.content_range = true;
    assert_int_equal(keel_compress_decide(&in), KEEL_COMPRESS_NO);
    in = page();
    in.cache_control = t("public, No-Transform , max-age=60");
    assert_int_equal(keel_compress_decide(&in), KEEL_COMPRESS_NO);
    in.cache_control = t("no-transformed");
    assert_int_equal(keel_compress_decide(&in), KEEL_COMPRESS_GZIP);
    in = page();
    in.content_length = KEEL_COMPRESS_MIN_SIZE - 1;
    assert_int_equal(keel_compress_decide(&in), KEEL_COMPRESS_NO);
    in.content_length = KEEL_COMPRESS_MIN_SIZE;
    assert_int_equal(keel_compress_decide(&in), KEEL_COMPRESS_GZIP);
}

static void
test_types(void **state)
{
    (void)state;
    static const char *const yes[] = {"text/html",
                                      "TEXT/CSS",
                                      "text/plain;charset=utf-8",
                                      " text/csv ",
                                      "application/json",
                                      "application/problem+json",
                                      "application/ld+json; profile=x",
                                      "application/javascript",
                                      "application/xml",
                                      "application/rss+xml",
                                      "image/svg+xml",
                                      "application/wasm",
                                      "font/ttf"};
    static const char *const no[] = {"image/png",
                                     "image/jpeg",
                                     "application/octet-stream",
                                     "application/zip",
                                     "application/gzip",
                                     "font/woff2",
                                     "video/mp4",
                                     "text/event-stream",
                                     "text/",
                                     "",
                                     "text",
                                     "application/jsonx",
                                     "image/svg+xmlx"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        if (!keel_compress_type(t(yes[i])))
            fail_msg("%s should be compressed", yes[i]);
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (keel_compress_type(t(no[i])))
            fail_msg("%s should not be compressed", no[i]);
    assert_false(keel_compress_type(t(NULL)));
    keel_compress_in_t in = page();
    in.content_type = t("image/png");
    assert_int_equal(keel_compress_decide(&in), KEEL_COMPRESS_NO);
    in.content_type = t(NULL);
    assert_int_equal(keel_compress_decide(&in), KEEL_COMPRESS_NO);
}

static void
test_accept_encoding(void **state)
{
    (void)state;
    assert_true(keel_compress_accepts(t("gzip"), "gzip"));
    assert_true(keel_compress_accepts(t("deflate, GZip ;q=0.5"), "gzip"));
    assert_true(keel_compress_accepts(t("*"), "gzip"));
    assert_true(keel_compress_accepts(t("br;q=1.0, *;q=0.1"), "gzip"));
    assert_true(keel_compress_accepts(t("gzip;q=0.001"), "gzip"));
    assert_false(keel_compress_accepts(t(NULL), "gzip"));
    assert_false(keel_compress_accepts(t(""), "gzip"));
    assert_false(keel_compress_accepts(t("identity"), "gzip"));
    assert_false(keel_compress_accepts(t("gzip;q=0"), "gzip"));
    assert_false(keel_compress_accepts(t("gzip; q=0.000"), "gzip"));
    assert_false(keel_compress_accepts(t("*, gzip;q=0"), "gzip"));
    assert_false(keel_compress_accepts(t("*;q=0"), "gzip"));
    assert_false(keel_compress_accepts(t("x-gzip"), "gzip"));
    assert_false(keel_compress_accepts(t("gzipx"), "gzip"));
    /* a q that is no qvalue refuses */
    assert_false(keel_compress_accepts(t("gzip;q=2"), "gzip"));
    assert_false(keel_compress_accepts(t("gzip;q=abc"), "gzip"));
    assert_false(keel_compress_accepts(t("gzip;q=0.5.5"), "gzip"));
    assert_true(keel_compress_accepts(t("gzip;level=9"), "gzip"));
    assert_true(keel_compress_accepts(t("br"), "br"));

    keel_compress_in_t in = page();
    in.accept_encoding = t("br");
    assert_int_equal(keel_compress_decide(&in), KEEL_COMPRESS_VARY);
    in.accept_encoding = t(NULL);
    assert_int_equal(keel_compress_decide(&in), KEEL_COMPRESS_VARY);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_page_is_compressed),
        cmocka_unit_test(test_what_is_never_compressed),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_accept_encoding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
