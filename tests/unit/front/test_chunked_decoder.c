/* Tests for src/front/chunked_decoder.c: chunked bodies read as nginx
 * reads them, with picohttpparser's contract. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "front/chunked_decoder.h"

typedef struct {
    ssize_t ret;     /* the last call's result */
    char out[256];   /* decoded bytes, then (when complete) what follows */
    size_t out_len;  /* decoded bytes */
    size_t rest_len; /* bytes after the body */
} decoded_t;

/* Decodes text in pieces of `step` bytes (0: at once), as libh2o does:
 * each call gets what came since the last one, decoded in place. */
static decoded_t
decode(const char *text, size_t step)
{
    decoded_t d = {.ret = -2};
    keel_chunked_decoder_t dec = {.consume_trailer = 1};
    size_t len = strlen(text), at = 0;
    char buf[256];
    size_t have = 0; /* decoded bytes kept at the start of buf */
    while (at < len && d.ret == -2) {
        size_t n = step == 0 || len - at < step ? len - at : step;
        memcpy(buf + have, text + at, n);
        at += n;
        size_t size = n;
        d.ret = keel_chunked_decode(&dec, buf + have, &size);
        if (d.ret >= 0) {
            /* the rest follows the decoded bytes; add what was never given */
            memcpy(buf + have + size + (size_t)d.ret, text + at, len - at);
            d.rest_len = (size_t)d.ret + (len - at);
        }
        have += size;
    }
    d.out_len = have;
    memcpy(d.out, buf, have + d.rest_len);
    return d;
}

static void
expect_body(const char *text, const char *body, const char *rest)
{
    size_t steps[] = {0, 1, 2, 3, 7};
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        decoded_t d = decode(text, steps[i]);
        assert_true(d.ret >= 0);
        assert_int_equal(d.out_len, strlen(body));
        assert_memory_equal(d.out, body, d.out_len);
        assert_int_equal(d.rest_len, strlen(rest));
        assert_memory_equal(d.out + d.out_len, rest, d.rest_len);
    }
}

static void
expect_error(const char *text)
{
    size_t steps[] = {0, 1, 2, 3, 7};
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        assert_int_equal(decode(text, steps[i]).ret, -1);
}

static void
test_well_formed_bodies(void **state)
{
    (void)state;
    expect_body("5\r\nhello\r\n0\r\n\r\n", "hello", "");
    expect_body("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\nGET / HTTP/1.1\r\n", "hello world", "GET / HTTP/1.1\r\n");
    expect_body("0\r\n\r\n", "", "");
    expect_body("A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n", "0123456789abcdefghij", "");
    /* extensions, whitespace before them, bare LFs, trailers: as nginx */
    expect_body("5;name=value\r\nhello\r\n0;last\r\n\r\n", "hello", "");
    expect_body("5 \r\nhello\r\n0\t\r\n\r\n", "hello", "");
    expect_body("5\nhello\n0\n\n", "hello", "");
    expect_body("5\r\nhello\r\n0\r\nX-Trailer: a\r\nY: b\n\r\nnext", "hello", "next");
    /* leading zeros are a number like any other */
    expect_body("000000000000000000005\r\nhello\r\n0\r\n\r\n", "hello", "");
}

static void
test_malformed_bodies(void **state)
{
    (void)state;
    expect_error("0x5\r\nhello\r\n0\r\n\r\n"); /* picohttpparser: a last chunk, then "hello..." */
    expect_error("5x\r\nhello\r\n0\r\n\r\n");
    expect_error(" 5\r\nhello\r\n0\r\n\r\n");
    expect_error("+5\r\nhello\r\n0\r\n\r\n");
    expect_error("\r\n5\r\nhello\r\n0\r\n\r\n");
    expect_error("5\r\nhelloXX\r\n0\r\n\r\n");
    expect_error("5\r\nhello\r\r\n0\r\n\r\n"); /* picohttpparser skips any number of CRs */
    expect_error("5\rX\nhello\r\n0\r\n\r\n");
    expect_error("5\r\nhello\r\n0\r\nX: y\rZ\n\r\n");
    expect_error("5\r\nhello\r\n0\r\n\rX");
    expect_error("10000000000000000\r\n"); /* past size_t */
}

static void
test_incomplete_bodies(void **state)
{
    (void)state;
    decoded_t d = decode("5\r\nhel", 0);
    assert_int_equal(d.ret, -2);
    assert_int_equal(d.out_len, 3);
    assert_memory_equal(d.out, "hel", 3);
    assert_int_equal(decode("5\r\nhello\r\n0\r\n", 0).ret, -2);
    assert_int_equal(decode("5\r\nhello\r\n0\r\nX: y\r\n", 0).ret, -2);
    assert_int_equal(decode("5;ext", 0).ret, -2);
}

static void
test_without_trailer_section(void **state)
{
    (void)state;
    keel_chunked_decoder_t dec = {0};
    char buf[] = "3\r\nabc\r\n0\r\nrest";
    size_t size = strlen(buf);
    ssize_t r = keel_chunked_decode(&dec, buf, &size);
    assert_int_equal(r, 4);
    assert_int_equal(size, 3);
    assert_memory_equal(buf, "abcrest", 7);
}

static void
test_in_data_state_matches_picohttpparser(void **state)
{
    (void)state;
    keel_chunked_decoder_t dec = {.consume_trailer = 1};
    char buf[] = "5\r\nhe";
    size_t size = strlen(buf);
    assert_int_equal(keel_chunked_decode(&dec, buf, &size), -2);
    assert_true(keel_chunked_in_data(&dec));
    /* picohttpparser's CHUNKED_IN_CHUNK_DATA */
    assert_int_equal(dec._state, 2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_well_formed_bodies),
        cmocka_unit_test(test_malformed_bodies),
        cmocka_unit_test(test_incomplete_bodies),
        cmocka_unit_test(test_without_trailer_section),
        cmocka_unit_test(test_in_data_state_matches_picohttpparser),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
