/* Tests for src/front/access_format.c: nginx's combined format, byte for
 * byte (the escaping of ngx_http_log_escape), and the JSON line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "front/access_format.h"

static keel_access_text_t
t(const char *s)
{
    return (keel_access_text_t){s, s ? strlen(s) : 0};
}

static keel_access_entry_t
base_entry(void)
{
    return (keel_access_entry_t){
        .remote_addr = t("192.0.2.7"),
        .time_local = t("07/Dec/2026:17:48:49 +0000"),
        .time_iso = t("2026-12-07T17:48:49.052Z"),
        .method = t("GET"),
        .target = t("/index.php?a=1"),
        .protocol = t("HTTP/1.1"),
        .status = 200,
        .body_bytes_sent = 1234,
        .user_agent = t("curl/7.88.1"),
        .host = t("example.com"),
        .request_us = 1500,
    };
}

static char out[8192];

static const char *
combined(const keel_access_entry_t *e)
{
    size_t n = keel_access_format_combined(e, out, sizeof(out));
    assert_true(n > 0 && n <= keel_access_format_bound(e));
    out[n] = '\0';
    return out;
}

static const char *
json(const keel_access_entry_t *e)
{
    size_t n = keel_access_format_json(e, out, sizeof(out));
    assert_true(n > 0 && n <= keel_access_format_bound(e));
    out[n] = '\0';
    return out;
}

static void
test_combined_plain(void **state)
{
    (void)state;
    keel_access_entry_t e = base_entry();
    assert_string_equal(combined(&e),
                        "192.0.2.7 - - [07/Dec/2026:17:48:49 +0000] \"GET /index.php?a=1 HTTP/1.1\" 200 1234 \"-\" "
                        "\"curl/7.88.1\"\n");
    e.remote_user = t("alice");
    e.referer = t("https://example.com/");
    e.user_agent = (keel_access_text_t){NULL, 0};
    e.status = 404;
    e.body_bytes_sent = 0;
    assert_string_equal(combined(&e), "192.0.2.7 - alice [07/Dec/2026:17:48:49 +0000] \"GET /index.php?a=1 HTTP/1.1\" "
                                      "404 0 \"https://example.com/\" \"-\"\n");
    /* present but empty is empty, not "-" */
    e.referer = t("");
    assert_non_null(strstr(combined(&e), "404 0 \"\" \"-\"\n"));
}

static void
test_combined_escapes_as_nginx(void **state)
{
    (void)state;
    keel_access_entry_t e = base_entry();
    /* quote, backslash, controls, DEL and every byte from 0x80: \xHH in
     * upper case; spaces and the rest of ASCII as they are */
    e.user_agent = t("a \"q\" \\ \t\x01\x7f\xc3\xa9~ {x}");
    e.target = t("/p\xff?x=\"1\"");
    assert_string_equal(
        combined(&e),
        "192.0.2.7 - - [07/Dec/2026:17:48:49 +0000] \"GET /p\\xFF?x=\\x221\\x22 HTTP/1.1\" 200 1234 \"-\" "
        "\"a \\x22q\\x22 \\x5C \\x09\\x01\\x7F\\xC3\\xA9~ {x}\"\n");
}

static void
test_json(void **state)
{
    (void)state;
    keel_access_entry_t e = base_entry();
    e.pool = KEEL_ACCESS_CLASSIC;
    e.worker_pid = 4242;
    e.generation = 3;
    e.wait_known = e.php_known = e.memory_known = e.private_change_known = true;
    e.wait_us = 120;
    e.php_us = 6444;
    e.zend_peak = 415064;
    e.private_change = -16384;
    assert_string_equal(
        json(&e),
        "{\"time\":\"2026-12-07T17:48:49.052Z\",\"remote_addr\":\"192.0.2.7\",\"remote_user\":null,\"method\":\"GET\","
        "\"uri\":\"/index.php?a=1\",\"protocol\":\"HTTP/1.1\",\"status\":200,\"body_bytes_sent\":1234,\"referer\":null,"
        "\"user_agent\":\"curl/7.88.1\",\"host\":\"example.com\",\"request_time\":0.001,\"pool\":\"classic\","
        "\"worker_pid\":4242,\"generation\":3,\"wait_ms\":0.120,\"php_ms\":6.444,\"zend_peak_bytes\":415064,"
        "\"private_change_bytes\":-16384}\n");
    keel_access_entry_t s = base_entry();
    s.host = (keel_access_text_t){NULL, 0};
    assert_non_null(strstr(json(&s), "\"host\":null,\"request_time\":0.001,\"pool\":\"static\",\"worker_pid\":null,"
                                     "\"generation\":null,\"wait_ms\":null,\"php_ms\":null,\"zend_peak_bytes\":null,"
                                     "\"private_change_bytes\":null}\n"));
    /* the ends of the numbers' ranges */
    keel_access_entry_t x = e;
    x.request_us = 12345678901;
    x.wait_us = 7;
    x.php_us = 1000;
    x.private_change = INT64_MIN;
    assert_non_null(strstr(json(&x), "\"request_time\":12345.678,"));
    assert_non_null(strstr(json(&x), "\"wait_ms\":0.007,\"php_ms\":1.000,"));
    assert_non_null(strstr(json(&x), "\"private_change_bytes\":-9223372036854775808}"));
    x.private_change = INT64_MAX;
    assert_non_null(strstr(json(&x), "\"private_change_bytes\":9223372036854775807}"));
}

static void
test_json_strings(void **state)
{
    (void)state;
    keel_access_entry_t e = base_entry();
    /* valid UTF-8 stays; quotes, backslashes and controls are escaped;
     * a byte outside UTF-8 (a lone continuation, an overlong form, a
     * surrogate, a cut sequence) is \u00HH */
    e.user_agent = t("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \"\\\n\r\t\x01\x7f \x80 \xc0\xaf \xed\xa0\x80 \xe2\x82");
    const char *line = json(&e);
    assert_non_null(strstr(line,
                           "\"user_agent\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \\\"\\\\\\n\\r\\t\\u0001\\u007f "
                           "\\u0080 \\u00c0\\u00af \\u00ed\\u00a0\\u0080 \\u00e2\\u0082\","));
}

static void
test_too_small_says_so(void **state)
{
    (void)state;
    keel_access_entry_t e = base_entry();
    char small[40];
    assert_int_equal(keel_access_format_combined(&e, small, sizeof(small)), 0);
    assert_int_equal(keel_access_format_json(&e, small, sizeof(small)), 0);
    /* the bound always fits, whatever the bytes */
    char *big = malloc(3000);
    memset(big, 0x01, 3000);
    e.user_agent = (keel_access_text_t){big, 3000};
    e.target = (keel_access_text_t){big, 3000};
    size_t bound = keel_access_format_bound(&e);
    char *buf = malloc(bound);
    assert_true(keel_access_format_combined(&e, buf, bound) > 0);
    assert_true(keel_access_format_json(&e, buf, bound) > 0);
    free(buf);
    free(big);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_combined_plain),
        cmocka_unit_test(test_combined_escapes_as_nginx),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_json_strings),
        cmocka_unit_test(test_too_small_says_so),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
