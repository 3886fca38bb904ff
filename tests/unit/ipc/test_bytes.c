/* Tests for the little-endian helpers in ipc/bytes.h. Expected bytes are
 * written out by hand: least significant byte first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ipc/bytes.h"

static void
test_put_u16(void **state)
{
    (void)state;
    uint8_t buf[4] = {0xee, 0xee, 0xee, 0xee};
    keel_put_u16(buf + 1, 0xa1b2);
    const uint8_t want[4] = {0xee, 0xb2, 0xa1, 0xee};
    assert_memory_equal(buf, want, sizeof(want));
}

static void
test_put_u32(void **state)
{
    (void)state;
    uint8_t buf[6];
    memset(buf, 0xee, sizeof(buf));
    keel_put_u32(buf + 1, 0x01020304);
    const uint8_t want[6] = {0xee, 0x04, 0x03, 0x02, 0x01, 0xee};
    assert_memory_equal(buf, want, sizeof(want));
}

static void
test_put_u64(void **state)
{
    (void)state;
    uint8_t buf[10];
    memset(buf, 0xee, sizeof(buf));
    keel_put_u64(buf + 1, 0x1122334455667788ull);
    const uint8_t want[10] = {0xee, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0xee};
    assert_memory_equal(buf, want, sizeof(want));
}

static void
test_get_unaligned(void **state)
{
    (void)state;
    /* Odd offsets: the helpers must not depend on alignment. */
    const uint8_t buf[9] = {0x00, 0xf0, 0xde, 0xbc, 0x9a, 0x78, 0x56, 0x34, 0x12};
    assert_int_equal(keel_get_u16(buf + 1), 0xdef0);
    assert_int_equal(keel_get_u32(buf + 1), 0x9abcdef0u);
    assert_true(keel_get_u64(buf + 1) == 0x123456789abcdef0ull);
}

static void
test_high_bits(void **state)
{
    (void)state;
    /* The top bit must not be sign-extended through int promotion. */
    const uint8_t ff[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(keel_get_u16(ff), 0xffff);
    assert_int_equal(keel_get_u32(ff), 0xffffffffu);
    assert_true(keel_get_u64(ff) == UINT64_MAX);
    const uint8_t top[8] = {0, 0, 0, 0, 0, 0, 0, 0x80};
    assert_int_equal(keel_get_u16(top + 6), 0x8000);
    assert_int_equal(keel_get_u32(top + 4), 0x80000000u);
    assert_true(keel_get_u64(top) == 0x8000000000000000ull);
}

static void
test_round_trip(void **state)
{
    (void)state;
    const uint64_t values[] = {0,       1,          0x7f,       0x80,       0xff,           0x100,          0xffff,
                               0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull, UINT64_MAX - 1, UINT64_MAX};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        uint8_t buf[8];
        keel_put_u16(buf, (uint16_t)values[i]);
        assert_int_equal(keel_get_u16(buf), (uint16_t)values[i]);
        keel_put_u32(buf, (uint32_t)values[i]);
        assert_int_equal(keel_get_u32(buf), (uint32_t)values[i]);
        keel_put_u64(buf, values[i]);
        assert_true(keel_get_u64(buf) == values[i]);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_u16),       cmocka_unit_test(test_put_u32),   cmocka_unit_test(test_put_u64),
        cmocka_unit_test(test_get_unaligned), cmocka_unit_test(test_high_bits), cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
