/* Tests for the IPC payload codecs (ipc/message.h). Expected bytes are
 * written from the layouts in message.h, little-endian throughout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ipc/message.h"

/* Decoders run on exact-size heap copies so that any read past the payload
 * is caught by the sanitizer build. */
static uint8_t *
dup_bytes(const void *p, size_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    assert_non_null(d);
    if (n)
        memcpy(d, p, n);
    return d;
}

static keel_ipc_kv_reader_t
reader(const uint8_t *p, size_t n)
{
    keel_ipc_kv_reader_t r = {p, p + n};
    return r;
}

/* ---- name/value lists ---- */

static void
test_kv_size(void **state)
{
    (void)state;
    assert_int_equal(keel_ipc_kv_size(0, 0), 8);
    assert_int_equal(keel_ipc_kv_size(4, 3), 15);
    assert_int_equal(keel_ipc_kv_size(100, 0), 108);
}

static void
test_kv_put_layout(void **state)
{
    (void)state;
    const uint8_t want[] = {
        0x04, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 'H', 'o', 's', 't', 'a', '.', 'b',
    };
    uint8_t out[sizeof(want) + 1];
    memset(out, 0xee, sizeof(out));
    assert_int_equal(keel_ipc_kv_put(out, "Host", 4, "a.b", 3), sizeof(want));
    assert_memory_equal(out, want, sizeof(want));
    assert_int_equal(out[sizeof(want)], 0xee); /* nothing written past the entry */
}

static void
test_kv_put_empty(void **state)
{
    (void)state;
    const uint8_t want[8] = {0};
    uint8_t out[8];
    memset(out, 0xee, sizeof(out));
    /* Empty strings may come as NULL pointers. */
    assert_int_equal(keel_ipc_kv_put(out, NULL, 0, NULL, 0), 8);
    assert_memory_equal(out, want, sizeof(want));
}

static void
test_kv_put_long_length(void **state)
{
    (void)state;
    /* A 300-byte value: length 0x012c spans two bytes. */
    char value[300];
    memset(value, 'v', sizeof(value));
    uint8_t *out = malloc(keel_ipc_kv_size(1, sizeof(value)));
    assert_non_null(out);
    assert_int_equal(keel_ipc_kv_put(out, "n", 1, value, sizeof(value)), 309);
    const uint8_t want_head[] = {0x01, 0x00, 0x00, 0x00, 0x2c, 0x01, 0x00, 0x00, 'n'};
    assert_memory_equal(out, want_head, sizeof(want_head));
    assert_memory_equal(out + 9, value, sizeof(value));
    free(out);
}

static void
test_kv_read_hand_written(void **state)
{
    (void)state;
    /* Written as string pieces: length fields, then the bytes. The
     * terminating NUL of the literal is not part of the list. */
    static const char text[] =
        /* REQUEST_METHOD = GET */
        "\x0e\0\0\0"
        "\x03\0\0\0"
        "REQUEST_METHOD"
        "GET"
        /* QUERY_STRING = "" */
        "\x0c\0\0\0"
        "\0\0\0\0"
        "QUERY_STRING"
        /* "" = "a\0b": binary-safe */
        "\0\0\0\0"
        "\x03\0\0\0"
        "a\0b";
    const uint8_t *list = (const uint8_t *)text;
    const size_t list_len = sizeof(text) - 1;
    uint8_t *buf = dup_bytes(list, list_len);
    keel_ipc_kv_reader_t r = reader(buf, list_len);
    const char *name, *value;
    size_t nl, vl;

    assert_int_equal(keel_ipc_kv_next(&r, &name, &nl, &value, &vl), KEEL_IPC_OK);
    assert_int_equal(nl, 14);
    assert_memory_equal(name, "REQUEST_METHOD", 14);
    assert_int_equal(vl, 3);
    assert_memory_equal(value, "GET", 3);
    assert_ptr_equal(name, (const char *)buf + 8);

    assert_int_equal(keel_ipc_kv_next(&r, &name, &nl, &value, &vl), KEEL_IPC_OK);
    assert_int_equal(nl, 12);
    assert_memory_equal(name, "QUERY_STRING", 12);
    assert_int_equal(vl, 0);

    assert_int_equal(keel_ipc_kv_next(&r, &name, &nl, &value, &vl), KEEL_IPC_OK);
    assert_int_equal(nl, 0);
    assert_int_equal(vl, 3);
    assert_memory_equal(value, "a\0b", 3);

    /* The end of the list, and it stays the end. */
    assert_int_equal(keel_ipc_kv_next(&r, &name, &nl, &value, &vl), KEEL_IPC_NEED_MORE);
    assert_int_equal(keel_ipc_kv_next(&r, &name, &nl, &value, &vl), KEEL_IPC_NEED_MORE);
    free(buf);
}

static void
test_kv_empty_list(void **state)
{
    (void)state;
    uint8_t *buf = dup_bytes("", 0);
    keel_ipc_kv_reader_t r = reader(buf, 0);
    const char *name, *value;
    size_t nl, vl;
    assert_int_equal(keel_ipc_kv_next(&r, &name, &nl, &value, &vl), KEEL_IPC_NEED_MORE);
    free(buf);
}

static void
test_kv_round_trip(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {
        {"SCRIPT_FILENAME", "/srv/app/index.php"}, {"HTTP_X_EMPTY", ""}, {"", "no name"}, {"", ""}, {"k", "v"}};
    const size_t n = sizeof(pairs) / sizeof(pairs[0]);
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += keel_ipc_kv_size(strlen(pairs[i][0]), strlen(pairs[i][1]));
    uint8_t *buf = malloc(total), *p = buf;
    assert_non_null(buf);
    for (size_t i = 0; i < n; i++)
        p += keel_ipc_kv_put(p, pairs[i][0], strlen(pairs[i][0]), pairs[i][1], strlen(pairs[i][1]));
    assert_ptr_equal(p, buf + total);

    keel_ipc_kv_reader_t r = reader(buf, total);
    for (size_t i = 0; i < n; i++) {
        const char *name, *value;
        size_t nl, vl;
        assert_int_equal(keel_ipc_kv_next(&r, &name, &nl, &value, &vl), KEEL_IPC_OK);
        assert_int_equal(nl, strlen(pairs[i][0]));
        assert_memory_equal(name, pairs[i][0], nl);
        assert_int_equal(vl, strlen(pairs[i][1]));
        assert_memory_equal(value, pairs[i][1], vl);
    }
    const char *name, *value;
    size_t nl, vl;
    assert_int_equal(keel_ipc_kv_next(&r, &name, &nl, &value, &vl), KEEL_IPC_NEED_MORE);
    free(buf);
}

/* Expects the first entry of an exact-size copy of bytes to be malformed. */
static void
expect_kv_malformed(const uint8_t *bytes, size_t len)
{
    uint8_t *buf = dup_bytes(bytes, len);
    keel_ipc_kv_reader_t r = reader(buf, len);
    const char *name, *value;
    size_t nl, vl;
    assert_int_equal(keel_ipc_kv_next(&r, &name, &nl, &value, &vl), KEEL_IPC_MALFORMED);
    free(buf);
}

static void
test_kv_short_entry_header(void **state)
{
    (void)state;
    const uint8_t zeros[7] = {0};
    for (size_t len = 1; len < 8; len++)
        expect_kv_malformed(zeros, len);
}

static void
test_kv_name_overruns(void **state)
{
    (void)state;
    /* name_len 4 but only 3 bytes follow. */
    const uint8_t e[] = {0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 'a', 'b', 'c'};
    expect_kv_malformed(e, sizeof(e));
}

static void
test_kv_value_overruns(void **state)
{
    (void)state;
    /* name_len 1, value_len 3, but name + value is 3 bytes. */
    const uint8_t e[] = {0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 'n', 'v', 'v'};
    expect_kv_malformed(e, sizeof(e));
    /* The same entry with the last byte present decodes. */
    const uint8_t ok[] = {0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 'n', 'v', 'v', 'v'};
    uint8_t *buf = dup_bytes(ok, sizeof(ok));
    keel_ipc_kv_reader_t r = reader(buf, sizeof(ok));
    const char *name, *value;
    size_t nl, vl;
    assert_int_equal(keel_ipc_kv_next(&r, &name, &nl, &value, &vl), KEEL_IPC_OK);
    assert_int_equal(keel_ipc_kv_next(&r, &name, &nl, &value, &vl), KEEL_IPC_NEED_MORE);
    free(buf);
}

static void
test_kv_wrapping_lengths(void **state)
{
    (void)state;
    /* Lengths whose sum wraps in 32 bits (or nearly in 64) must not pass a
     * bounds check done as a single addition. Each entry has 4 payload bytes. */
    const uint8_t cases[][12] = {
        /* name 0xffffffff, value 1: sum wraps to 0 in u32 */
        {0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0x00, 0x00, 'a', 'b', 'c', 'd'},
        /* name 0x80000000, value 0x80000000: sum wraps to 0 */
        {0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x80, 'a', 'b', 'c', 'd'},
        /* name 2, value 0xfffffffe: sum wraps to 0 */
        {0x02, 0x00, 0x00, 0x00, 0xfe, 0xff, 0xff, 0xff, 'a', 'b', 'c', 'd'},
        /* name 0xfffffffc, value 8: sum wraps to 4, the bytes available */
        {0xfc, 0xff, 0xff, 0xff, 0x08, 0x00, 0x00, 0x00, 'a', 'b', 'c', 'd'},
        /* both maximal */
        {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 'a', 'b', 'c', 'd'},
        /* name fits exactly, value huge */
        {0x04, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 'a', 'b', 'c', 'd'},
        /* name one too many, value 0 */
        {0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 'a', 'b', 'c', 'd'},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_kv_malformed(cases[i], sizeof(cases[i]));
}

static void
test_kv_second_entry_overruns(void **state)
{
    (void)state;
    /* A good entry followed by a truncated one: the first is returned, then
     * the list is reported malformed rather than ended. */
    const uint8_t list[] = {
        0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 'a', 'b', /* "a" = "b" */
        0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 'c',      /* "c" = missing */
    };
    uint8_t *buf = dup_bytes(list, sizeof(list));
    keel_ipc_kv_reader_t r = reader(buf, sizeof(list));
    const char *name, *value;
    size_t nl, vl;
    assert_int_equal(keel_ipc_kv_next(&r, &name, &nl, &value, &vl), KEEL_IPC_OK);
    assert_memory_equal(name, "a", 1);
    assert_int_equal(keel_ipc_kv_next(&r, &name, &nl, &value, &vl), KEEL_IPC_MALFORMED);
    free(buf);
}

/* ---- RESP_HEAD ---- */

static void
test_resp_head_put_layout(void **state)
{
    (void)state;
    const struct {
        unsigned status;
        uint8_t want[4];
    } cases[] = {
        {200, {0xc8, 0x00, 0x00, 0x00}},
        {404, {0x94, 0x01, 0x00, 0x00}},
        {100, {0x64, 0x00, 0x00, 0x00}},
        {999, {0xe7, 0x03, 0x00, 0x00}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t out[KEEL_IPC_RESP_HEAD_FIXED];
        memset(out, 0xff, sizeof(out));
        keel_ipc_resp_head_put(out, cases[i].status);
        assert_memory_equal(out, cases[i].want, 4);
    }
}

static void
test_resp_head_get_hand_written(void **state)
{
    (void)state;
    const uint8_t payload[] = {
        0x2e, 0x01, 0x00, 0x00, /* status 302, reserved */
        0x08, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 'L', 'o', 'c', 'a', 't', 'i', 'o', 'n', '/', 'x',
    };
    uint8_t *buf = dup_bytes(payload, sizeof(payload));
    unsigned status = 0;
    keel_ipc_kv_reader_t headers;
    assert_int_equal(keel_ipc_resp_head_get(buf, sizeof(payload), &status, &headers), KEEL_IPC_OK);
    assert_int_equal(status, 302);
    const char *name, *value;
    size_t nl, vl;
    assert_int_equal(keel_ipc_kv_next(&headers, &name, &nl, &value, &vl), KEEL_IPC_OK);
    assert_int_equal(nl, 8);
    assert_memory_equal(name, "Location", 8);
    assert_int_equal(vl, 2);
    assert_memory_equal(value, "/x", 2);
    assert_int_equal(keel_ipc_kv_next(&headers, &name, &nl, &value, &vl), KEEL_IPC_NEED_MORE);
    free(buf);
}

static void
test_resp_head_no_headers(void **state)
{
    (void)state;
    const uint8_t payload[] = {0xcc, 0x00, 0x00, 0x00}; /* 204 */
    uint8_t *buf = dup_bytes(payload, sizeof(payload));
    unsigned status = 0;
    keel_ipc_kv_reader_t headers;
    assert_int_equal(keel_ipc_resp_head_get(buf, sizeof(payload), &status, &headers), KEEL_IPC_OK);
    assert_int_equal(status, 204);
    const char *name, *value;
    size_t nl, vl;
    assert_int_equal(keel_ipc_kv_next(&headers, &name, &nl, &value, &vl), KEEL_IPC_NEED_MORE);
    free(buf);
}

static void
test_resp_head_round_trip(void **state)
{
    (void)state;
    const unsigned statuses[] = {100, 101, 200, 301, 404, 500, 503, 599, 999};
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        uint8_t buf[KEEL_IPC_RESP_HEAD_FIXED + 8 + 2];
        keel_ipc_resp_head_put(buf, statuses[i]);
        keel_ipc_kv_put(buf + KEEL_IPC_RESP_HEAD_FIXED, "A", 1, "B", 1);
        unsigned status = 0;
        keel_ipc_kv_reader_t headers;
        assert_int_equal(keel_ipc_resp_head_get(buf, sizeof(buf), &status, &headers), KEEL_IPC_OK);
        assert_int_equal(status, statuses[i]);
        const char *name, *value;
        size_t nl, vl;
        assert_int_equal(keel_ipc_kv_next(&headers, &name, &nl, &value, &vl), KEEL_IPC_OK);
        assert_memory_equal(name, "A", 1);
        assert_memory_equal(value, "B", 1);
    }
}

static void
test_resp_head_too_short(void **state)
{
    (void)state;
    const uint8_t payload[] = {0xc8, 0x00, 0x00};
    for (size_t len = 0; len < KEEL_IPC_RESP_HEAD_FIXED; len++) {
        uint8_t *buf = dup_bytes(payload, len);
        unsigned status;
        keel_ipc_kv_reader_t headers;
        assert_int_equal(keel_ipc_resp_head_get(buf, len, &status, &headers), KEEL_IPC_MALFORMED);
        free(buf);
    }
}

static void
test_resp_head_reserved_nonzero(void **state)
{
    (void)state;
    const uint8_t cases[][4] = {
        {0xc8, 0x00, 0x01, 0x00},
        {0xc8, 0x00, 0x00, 0x01},
        {0xc8, 0x00, 0x00, 0x80},
        {0xc8, 0x00, 0xff, 0xff},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned status;
        keel_ipc_kv_reader_t headers;
        assert_int_equal(keel_ipc_resp_head_get(cases[i], 4, &status, &headers), KEEL_IPC_MALFORMED);
    }
}

static void
test_resp_head_status_out_of_range(void **state)
{
    (void)state;
    const uint8_t cases[][4] = {
        {0x00, 0x00, 0x00, 0x00}, /* 0 */
        {0x01, 0x00, 0x00, 0x00}, /* 1 */
        {0x63, 0x00, 0x00, 0x00}, /* 99 */
        {0xe8, 0x03, 0x00, 0x00}, /* 1000 */
        {0xff, 0xff, 0x00, 0x00}, /* 65535 */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned status;
        keel_ipc_kv_reader_t headers;
        assert_int_equal(keel_ipc_resp_head_get(cases[i], 4, &status, &headers), KEEL_IPC_MALFORMED);
    }
}

static void
test_resp_head_bad_headers(void **state)
{
    (void)state;
    /* The fixed part is fine; the list behind it overruns. */
    const uint8_t payload[] = {0xc8, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 'X'};
    uint8_t *buf = dup_bytes(payload, sizeof(payload));
    unsigned status;
    keel_ipc_kv_reader_t headers;
    assert_int_equal(keel_ipc_resp_head_get(buf, sizeof(payload), &status, &headers), KEEL_IPC_OK);
    const char *name, *value;
    size_t nl, vl;
    assert_int_equal(keel_ipc_kv_next(&headers, &name, &nl, &value, &vl), KEEL_IPC_MALFORMED);
    free(buf);
}

/* ---- REQ_DONE stats ---- */

static const keel_ipc_stats_t sample_stats = {
    .zend_usage = 0x0102030405060708ull,
    .zend_peak = 0,
    .zend_real_usage = UINT64_MAX,
    .zend_real_peak = 2097152,
    .rss_private = 0x8000000000000001ull,
    .requests = 42,
    .taken_ns = 0x1122334455667788ull,
    .php_ns = 1000000,
};

/* sample_stats as documented: eight u64, little-endian, in field order. */
static const uint8_t sample_stats_bytes[KEEL_IPC_STATS_SIZE] = {
    0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, /* zend_usage */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* zend_peak */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* zend_real_usage */
    0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, /* zend_real_peak = 2 MiB */
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, /* rss_private */
    0x2a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* requests */
    0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, /* taken_ns */
    0x40, 0x42, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, /* php_ns = 1 ms */
};

static void
test_stats_put_layout(void **state)
{
    (void)state;
    assert_int_equal(KEEL_IPC_STATS_SIZE, 64);
    uint8_t out[KEEL_IPC_STATS_SIZE];
    memset(out, 0xee, sizeof(out));
    keel_ipc_stats_put(out, &sample_stats);
    assert_memory_equal(out, sample_stats_bytes, sizeof(out));
}

static void
test_stats_get(void **state)
{
    (void)state;
    uint8_t *buf = dup_bytes(sample_stats_bytes, sizeof(sample_stats_bytes));
    keel_ipc_stats_t s;
    memset(&s, 0xee, sizeof(s));
    assert_int_equal(keel_ipc_stats_get(buf, KEEL_IPC_STATS_SIZE, &s), KEEL_IPC_OK);
    assert_true(s.zend_usage == sample_stats.zend_usage);
    assert_true(s.zend_peak == sample_stats.zend_peak);
    assert_true(s.zend_real_usage == sample_stats.zend_real_usage);
    assert_true(s.zend_real_peak == sample_stats.zend_real_peak);
    assert_true(s.rss_private == sample_stats.rss_private);
    assert_true(s.requests == sample_stats.requests);
    assert_true(s.taken_ns == sample_stats.taken_ns);
    assert_true(s.php_ns == sample_stats.php_ns);
    free(buf);
}

static void
test_stats_wrong_length(void **state)
{
    (void)state;
    uint8_t big[KEEL_IPC_STATS_SIZE + 8] = {0};
    const size_t lengths[] = {0, 1, 8, 40, 47, 49, 56};
    for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        uint8_t *buf = dup_bytes(big, lengths[i]);
        keel_ipc_stats_t s;
        assert_int_equal(keel_ipc_stats_get(buf, lengths[i], &s), KEEL_IPC_MALFORMED);
        free(buf);
    }
}

/* ---- OPCACHE_STATS ---- */

static const keel_ipc_opcache_stats_t sample_opcache = {
    .used = 0x0102030405060708ull,
    .free = 1,
    .wasted = 0,
    .interned_used = 8u << 20,
    .interned_free = UINT64_MAX,
    .keys = 3907,
    .max_keys = 16229,
    .oom_restarts = 2,
    .hash_restarts = 0x100,
    .manual_restarts = 0x8000000000000000ull,
    .hits = 123456789,
    .misses = 42,
    .restart_pending = false,
    .cache_full = true,
};

/* sample_opcache as documented: twelve u64 in field order, then u32 flags. */
static const uint8_t sample_opcache_bytes[KEEL_IPC_OPCACHE_STATS_SIZE] = {
    0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, /* used */
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* free */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* wasted */
    0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, /* interned_used = 8 MiB */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* interned_free */
    0x43, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* keys = 3907 */
    0x65, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* max_keys = 16229 */
    0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* oom_restarts */
    0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* hash_restarts */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, /* manual_restarts */
    0x15, 0xcd, 0x5b, 0x07, 0x00, 0x00, 0x00, 0x00, /* hits = 123456789 */
    0x2a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* misses */
    0x02, 0x00, 0x00, 0x00,                         /* flags: cache_full */
};

static void
assert_opcache_equal(const keel_ipc_opcache_stats_t *a, const keel_ipc_opcache_stats_t *b)
{
    assert_true(a->used == b->used && a->free == b->free && a->wasted == b->wasted);
    assert_true(a->interned_used == b->interned_used && a->interned_free == b->interned_free);
    assert_true(a->keys == b->keys && a->max_keys == b->max_keys);
    assert_true(a->oom_restarts == b->oom_restarts && a->hash_restarts == b->hash_restarts &&
                a->manual_restarts == b->manual_restarts);
    assert_true(a->hits == b->hits && a->misses == b->misses);
    assert_int_equal(a->restart_pending, b->restart_pending);
    assert_int_equal(a->cache_full, b->cache_full);
}

static void
test_opcache_stats_put_layout(void **state)
{
    (void)state;
    assert_int_equal(KEEL_IPC_OPCACHE_STATS_SIZE, 100);
    uint8_t out[KEEL_IPC_OPCACHE_STATS_SIZE];
    memset(out, 0xee, sizeof(out));
    keel_ipc_opcache_stats_put(out, &sample_opcache);
    assert_memory_equal(out, sample_opcache_bytes, sizeof(out));
}

static void
test_opcache_stats_get(void **state)
{
    (void)state;
    uint8_t *buf = dup_bytes(sample_opcache_bytes, sizeof(sample_opcache_bytes));
    keel_ipc_opcache_stats_t s;
    memset(&s, 0xee, sizeof(s));
    assert_int_equal(keel_ipc_opcache_stats_get(buf, KEEL_IPC_OPCACHE_STATS_SIZE, &s), KEEL_IPC_OK);
    assert_opcache_equal(&s, &sample_opcache);
    free(buf);
}

static void
test_opcache_stats_round_trip_flags(void **state)
{
    (void)state;
    for (int f = 0; f < 4; f++) {
        keel_ipc_opcache_stats_t in = sample_opcache, out;
        in.restart_pending = (f & 1) != 0;
        in.cache_full = (f & 2) != 0;
        uint8_t buf[KEEL_IPC_OPCACHE_STATS_SIZE];
        keel_ipc_opcache_stats_put(buf, &in);
        assert_int_equal(buf[96], f); /* 0x1 restart_pending, 0x2 cache_full */
        assert_int_equal(keel_ipc_opcache_stats_get(buf, sizeof(buf), &out), KEEL_IPC_OK);
        assert_opcache_equal(&out, &in);
    }
}

static void
test_opcache_stats_every_truncation(void **state)
{
    (void)state;
    for (size_t len = 0; len < KEEL_IPC_OPCACHE_STATS_SIZE; len++) {
        uint8_t *buf = dup_bytes(sample_opcache_bytes, len);
        keel_ipc_opcache_stats_t s;
        assert_int_equal(keel_ipc_opcache_stats_get(buf, len, &s), KEEL_IPC_MALFORMED);
        free(buf);
    }
    /* and a byte too many */
    uint8_t longer[KEEL_IPC_OPCACHE_STATS_SIZE + 1] = {0};
    memcpy(longer, sample_opcache_bytes, KEEL_IPC_OPCACHE_STATS_SIZE);
    keel_ipc_opcache_stats_t s;
    assert_int_equal(keel_ipc_opcache_stats_get(longer, sizeof(longer), &s), KEEL_IPC_MALFORMED);
}

static void
test_opcache_stats_unknown_flags(void **state)
{
    (void)state;
    for (int bit = 2; bit < 32; bit++) {
        uint8_t buf[KEEL_IPC_OPCACHE_STATS_SIZE];
        memcpy(buf, sample_opcache_bytes, sizeof(buf));
        buf[96 + bit / 8] |= (uint8_t)(1u << (bit % 8));
        keel_ipc_opcache_stats_t s;
        assert_int_equal(keel_ipc_opcache_stats_get(buf, sizeof(buf), &s), KEEL_IPC_MALFORMED);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kv_size),
        cmocka_unit_test(test_kv_put_layout),
        cmocka_unit_test(test_kv_put_empty),
        cmocka_unit_test(test_kv_put_long_length),
        cmocka_unit_test(test_kv_read_hand_written),
        cmocka_unit_test(test_kv_empty_list),
        cmocka_unit_test(test_kv_round_trip),
        cmocka_unit_test(test_kv_short_entry_header),
        cmocka_unit_test(test_kv_name_overruns),
        cmocka_unit_test(test_kv_value_overruns),
        cmocka_unit_test(test_kv_wrapping_lengths),
        cmocka_unit_test(test_kv_second_entry_overruns),
        cmocka_unit_test(test_resp_head_put_layout),
        cmocka_unit_test(test_resp_head_get_hand_written),
        cmocka_unit_test(test_resp_head_no_headers),
        cmocka_unit_test(test_resp_head_round_trip),
        cmocka_unit_test(test_resp_head_too_short),
        cmocka_unit_test(test_resp_head_reserved_nonzero),
        cmocka_unit_test(test_resp_head_status_out_of_range),
        cmocka_unit_test(test_resp_head_bad_headers),
        cmocka_unit_test(test_stats_put_layout),
        cmocka_unit_test(test_stats_get),
        cmocka_unit_test(test_stats_wrong_length),
        cmocka_unit_test(test_opcache_stats_put_layout),
        cmocka_unit_test(test_opcache_stats_get),
        cmocka_unit_test(test_opcache_stats_round_trip_flags),
        cmocka_unit_test(test_opcache_stats_every_truncation),
        cmocka_unit_test(test_opcache_stats_unknown_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
