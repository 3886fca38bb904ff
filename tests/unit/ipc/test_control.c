/* Tests for the front <-> zygote payload codecs (ipc/control.h). Expected
 * bytes are written from the layouts in control.h, little-endian
 * throughout, not taken from the encoders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ipc/control.h"

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

/* Every proper prefix of a valid payload, and the payload with one byte
 * more, must be malformed; get() is one decoder, called as
 * get(payload, len) -> result. */
#define EXPECT_EVERY_TRUNCATION(bytes, size, type, get)                                                                \
    do {                                                                                                               \
        for (size_t len_ = 0; len_ < (size); len_++) {                                                                 \
            uint8_t *b_ = dup_bytes((bytes), len_);                                                                    \
            type out_;                                                                                                 \
            assert_int_equal(get(b_, len_, &out_), KEEL_IPC_MALFORMED);                                                \
            free(b_);                                                                                                  \
        }                                                                                                              \
        uint8_t *b_ = malloc((size) + 1);                                                                              \
        assert_non_null(b_);                                                                                           \
        memcpy(b_, (bytes), (size));                                                                                   \
        b_[(size)] = 0;                                                                                                \
        type out_;                                                                                                     \
        assert_int_equal(get(b_, (size) + 1, &out_), KEEL_IPC_MALFORMED);                                              \
        free(b_);                                                                                                      \
    } while (0)

/* ---- SPAWN ---- */

static void
test_spawn_put_layout(void **state)
{
    (void)state;
    const keel_ipc_spawn_t m = {
        .id = 3, .claim_slot = 0x0fff, .kind = KEEL_IPC_KIND_WORKER, .request_limit = 0x0a0b0c0d};
    const uint8_t want[KEEL_IPC_SPAWN_SIZE] = {
        0x03, 0x00, 0x00, 0x00, /* id */
        0xff, 0x0f, 0x00, 0x00, /* claim slot */
        0x01, 0x00, 0x00, 0x00, /* kind: worker mode */
        0x0d, 0x0c, 0x0b, 0x0a, /* request limit */
    };
    assert_int_equal(KEEL_IPC_SPAWN_SIZE, 16);
    uint8_t out[KEEL_IPC_SPAWN_SIZE];
    memset(out, 0xee, sizeof(out));
    keel_ipc_spawn_put(out, &m);
    assert_memory_equal(out, want, sizeof(want));
}

static void
test_spawn_get(void **state)
{
    (void)state;
    const uint8_t bytes[KEEL_IPC_SPAWN_SIZE] = {
        0xff, 0x03, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    };
    uint8_t *buf = dup_bytes(bytes, sizeof(bytes));
    keel_ipc_spawn_t m;
    assert_int_equal(keel_ipc_spawn_get(buf, sizeof(bytes), &m), KEEL_IPC_OK);
    assert_int_equal(m.id, 1023);
    assert_int_equal(m.claim_slot, 1);
    assert_int_equal(m.kind, KEEL_IPC_KIND_CLASSIC);
    assert_int_equal(m.request_limit, 0);
    free(buf);
}

static void
test_spawn_round_trip(void **state)
{
    (void)state;
    const keel_ipc_spawn_t cases[] = {
        {.id = 0, .claim_slot = 0, .kind = KEEL_IPC_KIND_CLASSIC, .request_limit = 0},
        {.id = UINT32_MAX, .claim_slot = UINT32_MAX, .kind = KEEL_IPC_KIND_WORKER, .request_limit = UINT32_MAX},
        {.id = 17, .claim_slot = 4095, .kind = KEEL_IPC_KIND_WORKER, .request_limit = 500},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t buf[KEEL_IPC_SPAWN_SIZE];
        keel_ipc_spawn_put(buf, &cases[i]);
        keel_ipc_spawn_t m;
        assert_int_equal(keel_ipc_spawn_get(buf, sizeof(buf), &m), KEEL_IPC_OK);
        assert_int_equal(m.id, cases[i].id);
        assert_int_equal(m.claim_slot, cases[i].claim_slot);
        assert_int_equal(m.kind, cases[i].kind);
        assert_int_equal(m.request_limit, cases[i].request_limit);
    }
}

static void
test_spawn_truncated(void **state)
{
    (void)state;
    uint8_t bytes[KEEL_IPC_SPAWN_SIZE];
    keel_ipc_spawn_put(bytes, &(keel_ipc_spawn_t){.id = 1, .claim_slot = 2, .kind = KEEL_IPC_KIND_WORKER});
    EXPECT_EVERY_TRUNCATION(bytes, sizeof(bytes), keel_ipc_spawn_t, keel_ipc_spawn_get);
}

static void
test_spawn_bad_kind(void **state)
{
    (void)state;
    const uint8_t kinds[][4] = {{2, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 0, 0x80}, {0xff, 0xff, 0xff, 0xff}};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        uint8_t buf[KEEL_IPC_SPAWN_SIZE] = {0};
        memcpy(buf + 8, kinds[i], 4);
        keel_ipc_spawn_t m;
        assert_int_equal(keel_ipc_spawn_get(buf, sizeof(buf), &m), KEEL_IPC_MALFORMED);
    }
}

/* ---- WORKER_UP ---- */

static void
test_worker_up_layout(void **state)
{
    (void)state;
    const uint8_t want[KEEL_IPC_WORKER_UP_SIZE] = {0x07, 0x00, 0x00, 0x00, 0x45, 0x23, 0x01, 0x00};
    assert_int_equal(KEEL_IPC_WORKER_UP_SIZE, 8);
    uint8_t out[KEEL_IPC_WORKER_UP_SIZE];
    memset(out, 0xee, sizeof(out));
    keel_ipc_worker_up_put(out, &(keel_ipc_worker_up_t){.id = 7, .pid = 0x12345});
    assert_memory_equal(out, want, sizeof(want));

    uint8_t *buf = dup_bytes(want, sizeof(want));
    keel_ipc_worker_up_t m;
    assert_int_equal(keel_ipc_worker_up_get(buf, sizeof(want), &m), KEEL_IPC_OK);
    assert_int_equal(m.id, 7);
    assert_int_equal(m.pid, 0x12345);
    free(buf);
    EXPECT_EVERY_TRUNCATION(want, sizeof(want), keel_ipc_worker_up_t, keel_ipc_worker_up_get);
}

static void
test_worker_up_pid_range(void **state)
{
    (void)state;
    const struct {
        uint32_t pid;
        keel_ipc_result_t want;
    } cases[] = {
        {0, KEEL_IPC_MALFORMED}, /* a forked worker has a pid */
        {1, KEEL_IPC_OK},
        {0x7fffffff, KEEL_IPC_OK},
        {0x80000000u, KEEL_IPC_MALFORMED}, /* not a pid_t */
        {0xffffffffu, KEEL_IPC_MALFORMED},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t buf[KEEL_IPC_WORKER_UP_SIZE];
        keel_ipc_worker_up_put(buf, &(keel_ipc_worker_up_t){.id = UINT32_MAX, .pid = cases[i].pid});
        keel_ipc_worker_up_t m;
        assert_int_equal(keel_ipc_worker_up_get(buf, sizeof(buf), &m), cases[i].want);
        if (cases[i].want == KEEL_IPC_OK)
            assert_int_equal(m.pid, cases[i].pid);
    }
}

/* ---- WORKER_EXIT ---- */

static void
test_worker_exit_layout(void **state)
{
    (void)state;
    /* worker 3, pid 0x12345, exited with status 1 (wait status 0x0100) */
    const uint8_t want[KEEL_IPC_WORKER_EXIT_SIZE] = {
        0x03, 0x00, 0x00, 0x00, 0x45, 0x23, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00,
    };
    assert_int_equal(KEEL_IPC_WORKER_EXIT_SIZE, 12);
    uint8_t out[KEEL_IPC_WORKER_EXIT_SIZE];
    memset(out, 0xee, sizeof(out));
    keel_ipc_worker_exit_put(out, &(keel_ipc_worker_exit_t){.id = 3, .pid = 0x12345, .wait_status = 0x0100});
    assert_memory_equal(out, want, sizeof(want));

    uint8_t *buf = dup_bytes(want, sizeof(want));
    keel_ipc_worker_exit_t m;
    assert_int_equal(keel_ipc_worker_exit_get(buf, sizeof(want), &m), KEEL_IPC_OK);
    assert_int_equal(m.id, 3);
    assert_int_equal(m.pid, 0x12345);
    assert_int_equal(m.wait_status, 0x0100);
    free(buf);
    EXPECT_EVERY_TRUNCATION(want, sizeof(want), keel_ipc_worker_exit_t, keel_ipc_worker_exit_get);
}

static void
test_worker_exit_status_bits(void **state)
{
    (void)state;
    /* Whatever int waitpid() gave comes back as the same int. */
    const int statuses[] = {0, 9, 0x8b, 0x0100, 0xff00, 0x7f, -1, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        uint8_t buf[KEEL_IPC_WORKER_EXIT_SIZE];
        keel_ipc_worker_exit_put(buf, &(keel_ipc_worker_exit_t){.id = 1, .pid = 2, .wait_status = statuses[i]});
        keel_ipc_worker_exit_t m;
        assert_int_equal(keel_ipc_worker_exit_get(buf, sizeof(buf), &m), KEEL_IPC_OK);
        assert_int_equal(m.wait_status, statuses[i]);
    }
}

static void
test_worker_exit_never_started(void **state)
{
    (void)state;
    /* pid 0: the zygote could not start it; then there is no wait status. */
    const uint8_t ok[KEEL_IPC_WORKER_EXIT_SIZE] = {0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    keel_ipc_worker_exit_t m;
    assert_int_equal(keel_ipc_worker_exit_get(ok, sizeof(ok), &m), KEEL_IPC_OK);
    assert_int_equal(m.id, 5);
    assert_int_equal(m.pid, 0);
    assert_int_equal(m.wait_status, 0);
    for (int byte = 8; byte < 12; byte++) {
        uint8_t bad[KEEL_IPC_WORKER_EXIT_SIZE];
        memcpy(bad, ok, sizeof(bad));
        bad[byte] = 1;
        assert_int_equal(keel_ipc_worker_exit_get(bad, sizeof(bad), &m), KEEL_IPC_MALFORMED);
    }
    const uint8_t big_pid[KEEL_IPC_WORKER_EXIT_SIZE] = {0x05, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0};
    assert_int_equal(keel_ipc_worker_exit_get(big_pid, sizeof(big_pid), &m), KEEL_IPC_MALFORMED);
}

/* ---- BACKTRACE ---- */

static void
test_backtrace_layout(void **state)
{
    (void)state;
    const uint8_t want[KEEL_IPC_BACKTRACE_SIZE] = {0x2a, 0x00, 0x00, 0x00, 0x10, 0x27, 0x00, 0x00};
    assert_int_equal(KEEL_IPC_BACKTRACE_SIZE, 8);
    uint8_t out[KEEL_IPC_BACKTRACE_SIZE];
    memset(out, 0xee, sizeof(out));
    keel_ipc_backtrace_put(out, &(keel_ipc_backtrace_t){.id = 42, .pid = 10000});
    assert_memory_equal(out, want, sizeof(want));

    uint8_t *buf = dup_bytes(want, sizeof(want));
    keel_ipc_backtrace_t m;
    assert_int_equal(keel_ipc_backtrace_get(buf, sizeof(want), &m), KEEL_IPC_OK);
    assert_int_equal(m.id, 42);
    assert_int_equal(m.pid, 10000);
    free(buf);
    EXPECT_EVERY_TRUNCATION(want, sizeof(want), keel_ipc_backtrace_t, keel_ipc_backtrace_get);
}

static void
test_backtrace_pid_range(void **state)
{
    (void)state;
    keel_ipc_backtrace_t m;
    uint8_t buf[KEEL_IPC_BACKTRACE_SIZE];
    /* 0: the front has not heard the pid; the zygote goes by the id. */
    keel_ipc_backtrace_put(buf, &(keel_ipc_backtrace_t){.id = 1, .pid = 0});
    assert_int_equal(keel_ipc_backtrace_get(buf, sizeof(buf), &m), KEEL_IPC_OK);
    keel_ipc_backtrace_put(buf, &(keel_ipc_backtrace_t){.id = 1, .pid = 0x7fffffff});
    assert_int_equal(keel_ipc_backtrace_get(buf, sizeof(buf), &m), KEEL_IPC_OK);
    keel_ipc_backtrace_put(buf, &(keel_ipc_backtrace_t){.id = 1, .pid = 0x80000000u});
    assert_int_equal(keel_ipc_backtrace_get(buf, sizeof(buf), &m), KEEL_IPC_MALFORMED);
}

/* ---- ZYGOTE_READY ---- */

static void
test_zygote_ready_layout(void **state)
{
    (void)state;
    const uint8_t want[KEEL_IPC_ZYGOTE_READY_SIZE] = {0xcd, 0xab, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
    assert_int_equal(KEEL_IPC_ZYGOTE_READY_SIZE, 8);
    uint8_t out[KEEL_IPC_ZYGOTE_READY_SIZE];
    memset(out, 0xee, sizeof(out));
    keel_ipc_zygote_ready_put(out, &(keel_ipc_zygote_ready_t){.pid = 0xabcd, .opcache = true});
    assert_memory_equal(out, want, sizeof(want));

    uint8_t *buf = dup_bytes(want, sizeof(want));
    keel_ipc_zygote_ready_t m;
    assert_int_equal(keel_ipc_zygote_ready_get(buf, sizeof(want), &m), KEEL_IPC_OK);
    assert_int_equal(m.pid, 0xabcd);
    assert_true(m.opcache);
    free(buf);
    EXPECT_EVERY_TRUNCATION(want, sizeof(want), keel_ipc_zygote_ready_t, keel_ipc_zygote_ready_get);

    const uint8_t off[] = {0x10, 0x27, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}; /* pid 10000, no OPcache */
    assert_int_equal(keel_ipc_zygote_ready_get(off, sizeof(off), &m), KEEL_IPC_OK);
    assert_int_equal(m.pid, 10000);
    assert_false(m.opcache);
}

static void
test_zygote_ready_bad_fields(void **state)
{
    (void)state;
    keel_ipc_zygote_ready_t m;
    for (int bit = 1; bit < 32; bit++) {
        uint8_t buf[KEEL_IPC_ZYGOTE_READY_SIZE] = {0x10, 0x27, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
        buf[4 + bit / 8] |= (uint8_t)(1u << (bit % 8));
        assert_int_equal(keel_ipc_zygote_ready_get(buf, sizeof(buf), &m), KEEL_IPC_MALFORMED);
    }
    const uint8_t no_pid[] = {0, 0, 0, 0, 1, 0, 0, 0};
    assert_int_equal(keel_ipc_zygote_ready_get(no_pid, sizeof(no_pid), &m), KEEL_IPC_MALFORMED);
    const uint8_t big_pid[] = {0, 0, 0, 0x80, 1, 0, 0, 0};
    assert_int_equal(keel_ipc_zygote_ready_get(big_pid, sizeof(big_pid), &m), KEEL_IPC_MALFORMED);
}

/* ---- PHP_INFO ---- */

static keel_ipc_text_t
text(const char *s)
{
    return (keel_ipc_text_t){s, strlen(s)};
}

/* 128M, OPcache on with 64 MiB + 8 MiB, 5 %, "/tmp", "", "/var/lib/php/sessions". */
static const uint8_t sample_info_bytes[] = {
    0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, /* memory_limit = 128 MiB */
    0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, /* memory_consumption = 64 MiB */
    0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, /* interned_strings_buffer = 8 MiB */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x40, /* 5.0 as binary64 */
    0x01, 0x00, 0x00, 0x00,                         /* flags: opcache.enable */
    0x04, 0x00, '/',  't',  'm',  'p',              /* temp_dir */
    0x00, 0x00,                                     /* upload_tmp_dir: empty */
    0x15, 0x00, '/',  'v',  'a',  'r',  '/',  'l',  'i', 'b', '/', 'p',
    'h',  'p',  '/',  's',  'e',  's',  's',  'i',  'o', 'n', 's', /* session_save_dir */
};

static keel_ipc_php_info_t
sample_info(void)
{
    return (keel_ipc_php_info_t){
        .memory_limit = 128u << 20,
        .opcache_memory_consumption = 64u << 20,
        .opcache_interned_strings_buffer = 8u << 20,
        .opcache_max_wasted_percentage = 5.0,
        .opcache_enabled = true,
        .temp_dir = text("/tmp"),
        .upload_tmp_dir = text(""),
        .session_save_dir = text("/var/lib/php/sessions"),
    };
}

static void
assert_text(keel_ipc_text_t t, const char *want)
{
    assert_int_equal(t.len, strlen(want));
    if (t.len)
        assert_memory_equal(t.base, want, t.len);
}

static void
test_php_info_put_layout(void **state)
{
    (void)state;
    assert_int_equal(KEEL_IPC_PHP_INFO_FIXED, 36);
    keel_ipc_php_info_t m = sample_info();
    assert_int_equal(keel_ipc_php_info_size(&m), sizeof(sample_info_bytes));
    uint8_t out[sizeof(sample_info_bytes) + 1];
    memset(out, 0xee, sizeof(out));
    assert_int_equal(keel_ipc_php_info_put(out, &m), sizeof(sample_info_bytes));
    assert_memory_equal(out, sample_info_bytes, sizeof(sample_info_bytes));
    assert_int_equal(out[sizeof(sample_info_bytes)], 0xee); /* nothing past it */
}

static void
test_php_info_get(void **state)
{
    (void)state;
    uint8_t *buf = dup_bytes(sample_info_bytes, sizeof(sample_info_bytes));
    keel_ipc_php_info_t m;
    assert_int_equal(keel_ipc_php_info_get(buf, sizeof(sample_info_bytes), &m), KEEL_IPC_OK);
    assert_true(m.memory_limit == 128u << 20);
    assert_true(m.opcache_memory_consumption == 64u << 20);
    assert_true(m.opcache_interned_strings_buffer == 8u << 20);
    assert_true(m.opcache_max_wasted_percentage == 5.0);
    assert_true(m.opcache_enabled);
    assert_text(m.temp_dir, "/tmp");
    assert_text(m.upload_tmp_dir, "");
    assert_text(m.session_save_dir, "/var/lib/php/sessions");
    /* Views into the payload, not copies. */
    assert_ptr_equal(m.temp_dir.base, (const char *)buf + 38);
    assert_ptr_equal(m.session_save_dir.base, (const char *)buf + 46);
    free(buf);
}

static void
test_php_info_round_trip(void **state)
{
    (void)state;
    const double percentages[] = {0.0, 5.0, 7.5, 50.0, -3.0, 1e300};
    for (size_t i = 0; i < sizeof(percentages) / sizeof(percentages[0]); i++) {
        keel_ipc_php_info_t in = {
            .memory_limit = i % 2 ? KEEL_IPC_UNLIMITED : 1,
            .opcache_memory_consumption = UINT64_MAX - i,
            .opcache_interned_strings_buffer = i,
            .opcache_max_wasted_percentage = percentages[i],
            .opcache_enabled = i % 2 == 0,
            .temp_dir = text(i % 3 ? "/run/user/1000" : ""),
            .upload_tmp_dir = text("/srv/uploads"),
            .session_save_dir = text(i % 2 ? "" : "/dev/shm"),
        };
        size_t size = keel_ipc_php_info_size(&in);
        uint8_t *buf = malloc(size);
        assert_non_null(buf);
        assert_int_equal(keel_ipc_php_info_put(buf, &in), size);
        keel_ipc_php_info_t out;
        assert_int_equal(keel_ipc_php_info_get(buf, size, &out), KEEL_IPC_OK);
        assert_true(out.memory_limit == in.memory_limit);
        assert_true(out.opcache_memory_consumption == in.opcache_memory_consumption);
        assert_true(out.opcache_interned_strings_buffer == in.opcache_interned_strings_buffer);
        assert_memory_equal(&out.opcache_max_wasted_percentage, &in.opcache_max_wasted_percentage, sizeof(double));
        assert_int_equal(out.opcache_enabled, in.opcache_enabled);
        assert_text(out.temp_dir, in.temp_dir.base);
        assert_text(out.upload_tmp_dir, in.upload_tmp_dir.base);
        assert_text(out.session_save_dir, in.session_save_dir.base);
        free(buf);
    }
}

static void
test_php_info_every_truncation(void **state)
{
    (void)state;
    EXPECT_EVERY_TRUNCATION(sample_info_bytes, sizeof(sample_info_bytes), keel_ipc_php_info_t, keel_ipc_php_info_get);
}

static void
test_php_info_unknown_flags(void **state)
{
    (void)state;
    for (int bit = 1; bit < 32; bit++) {
        uint8_t *buf = dup_bytes(sample_info_bytes, sizeof(sample_info_bytes));
        buf[32 + bit / 8] |= (uint8_t)(1u << (bit % 8));
        keel_ipc_php_info_t m;
        assert_int_equal(keel_ipc_php_info_get(buf, sizeof(sample_info_bytes), &m), KEEL_IPC_MALFORMED);
        free(buf);
    }
}

static void
test_php_info_bad_strings(void **state)
{
    (void)state;
    keel_ipc_php_info_t m;
    /* A NUL inside a path. */
    uint8_t *buf = dup_bytes(sample_info_bytes, sizeof(sample_info_bytes));
    buf[40] = '\0'; /* "/t\0p" */
    assert_int_equal(keel_ipc_php_info_get(buf, sizeof(sample_info_bytes), &m), KEEL_IPC_MALFORMED);
    free(buf);
    /* A length that runs past the payload, and one that stops short of it. */
    buf = dup_bytes(sample_info_bytes, sizeof(sample_info_bytes));
    buf[44] = 0x16;
    assert_int_equal(keel_ipc_php_info_get(buf, sizeof(sample_info_bytes), &m), KEEL_IPC_MALFORMED);
    buf[44] = 0x14;
    assert_int_equal(keel_ipc_php_info_get(buf, sizeof(sample_info_bytes), &m), KEEL_IPC_MALFORMED);
    free(buf);
    /* A huge length in the first string. */
    buf = dup_bytes(sample_info_bytes, sizeof(sample_info_bytes));
    buf[36] = 0xff;
    buf[37] = 0xff;
    assert_int_equal(keel_ipc_php_info_get(buf, sizeof(sample_info_bytes), &m), KEEL_IPC_MALFORMED);
    free(buf);
}

static void
test_php_info_path_max(void **state)
{
    (void)state;
    assert_int_equal(KEEL_IPC_PHP_INFO_MAX, 36 + 3 * (2 + 4095));
    assert_int_equal(KEEL_IPC_CONTROL_MAX, KEEL_IPC_HEADER_SIZE + KEEL_IPC_PHP_INFO_MAX);
    char *longest = malloc(KEEL_IPC_PATH_MAX + 10);
    assert_non_null(longest);
    memset(longest, 'a', KEEL_IPC_PATH_MAX + 10);
    /* Three paths of the longest length: the largest payload there is. */
    keel_ipc_php_info_t in = {.temp_dir = {longest, KEEL_IPC_PATH_MAX},
                              .upload_tmp_dir = {longest, KEEL_IPC_PATH_MAX},
                              .session_save_dir = {longest, KEEL_IPC_PATH_MAX}};
    assert_int_equal(keel_ipc_php_info_size(&in), KEEL_IPC_PHP_INFO_MAX);
    uint8_t *buf = malloc(KEEL_IPC_PHP_INFO_MAX + 2);
    assert_non_null(buf);
    assert_int_equal(keel_ipc_php_info_put(buf, &in), KEEL_IPC_PHP_INFO_MAX);
    keel_ipc_php_info_t out;
    assert_int_equal(keel_ipc_php_info_get(buf, KEEL_IPC_PHP_INFO_MAX, &out), KEEL_IPC_OK);
    assert_int_equal(out.session_save_dir.len, KEEL_IPC_PATH_MAX);

    /* Longer is cut by the encoder... */
    in.temp_dir.len = KEEL_IPC_PATH_MAX + 10;
    assert_int_equal(keel_ipc_php_info_size(&in), KEEL_IPC_PHP_INFO_MAX);
    assert_int_equal(keel_ipc_php_info_put(buf, &in), KEEL_IPC_PHP_INFO_MAX);
    assert_int_equal(keel_ipc_php_info_get(buf, KEEL_IPC_PHP_INFO_MAX, &out), KEEL_IPC_OK);
    assert_int_equal(out.temp_dir.len, KEEL_IPC_PATH_MAX);

    /* ...and refused by the decoder even when the bytes are there. */
    in = (keel_ipc_php_info_t){.temp_dir = {longest, 0}, .upload_tmp_dir = {longest, 0}};
    size_t n = keel_ipc_php_info_put(buf, &in);
    assert_int_equal(n, KEEL_IPC_PHP_INFO_FIXED + 6);
    buf[n - 2] = (uint8_t)((KEEL_IPC_PATH_MAX + 1) & 0xff);
    buf[n - 1] = (uint8_t)((KEEL_IPC_PATH_MAX + 1) >> 8);
    memset(buf + n, 'a', KEEL_IPC_PATH_MAX + 1);
    size_t len = n + KEEL_IPC_PATH_MAX + 1;
    uint8_t *exact = dup_bytes(buf, len);
    assert_int_equal(keel_ipc_php_info_get(exact, len, &out), KEEL_IPC_MALFORMED);
    free(exact);
    free(buf);
    free(longest);
}

static void
test_php_info_put_cuts_at_nul(void **state)
{
    (void)state;
    /* A string with a NUL goes up to it: what is written always decodes. */
    keel_ipc_php_info_t in = sample_info();
    in.temp_dir = (keel_ipc_text_t){"/tmp\0junk", 9};
    size_t size = keel_ipc_php_info_size(&in);
    assert_int_equal(size, sizeof(sample_info_bytes));
    uint8_t *buf = malloc(size);
    assert_non_null(buf);
    assert_int_equal(keel_ipc_php_info_put(buf, &in), size);
    assert_memory_equal(buf, sample_info_bytes, size);
    free(buf);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spawn_put_layout),        cmocka_unit_test(test_spawn_get),
        cmocka_unit_test(test_spawn_round_trip),        cmocka_unit_test(test_spawn_truncated),
        cmocka_unit_test(test_spawn_bad_kind),          cmocka_unit_test(test_worker_up_layout),
        cmocka_unit_test(test_worker_up_pid_range),     cmocka_unit_test(test_worker_exit_layout),
        cmocka_unit_test(test_worker_exit_status_bits), cmocka_unit_test(test_worker_exit_never_started),
        cmocka_unit_test(test_backtrace_layout),        cmocka_unit_test(test_backtrace_pid_range),
        cmocka_unit_test(test_zygote_ready_layout),     cmocka_unit_test(test_zygote_ready_bad_fields),
        cmocka_unit_test(test_php_info_put_layout),     cmocka_unit_test(test_php_info_get),
        cmocka_unit_test(test_php_info_round_trip),     cmocka_unit_test(test_php_info_every_truncation),
        cmocka_unit_test(test_php_info_unknown_flags),  cmocka_unit_test(test_php_info_bad_strings),
        cmocka_unit_test(test_php_info_path_max),       cmocka_unit_test(test_php_info_put_cuts_at_nul),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
