/* Tests for src/common/cidr.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/cidr.h"

static keel_ip_t
ip(const char *s)
{
    keel_ip_t a;
    assert_int_equal(keel_ip_parse(s, strlen(s), &a), 0);
    return a;
}

static keel_cidr_t
cidr(const char *s)
{
    keel_cidr_t c;
    assert_int_equal(keel_cidr_parse(s, strlen(s), &c), 0);
    return c;
}

static void
test_addresses(void **state)
{
    (void)state;
    keel_ip_t a = ip("192.0.2.1");
    assert_true(a.v4);
    static const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1};
    assert_memory_equal(a.addr, mapped, 16);
    keel_ip_t b = ip("::ffff:192.0.2.1");
    assert_false(b.v4);
    assert_memory_equal(b.addr, mapped, 16);
    assert_false(ip("2001:db8::1").v4);

    static const char *const bad[] = {"",
                                      "1.2.3",
                                      "1.2.3.4.5",
                                      "256.1.1.1",
                                      "01.2.3.4",
                                      "1.2.3.4 ",
                                      " 1.2.3.4",
                                      "[::1]",
                                      "::1::2",
                                      "1.2.3.4/8",
                                      "localhost",
                                      "1.2.3.-4",
                                      "0123456789012345678901234567890123456789012345678901234567890123456789"};
    keel_ip_t x;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(keel_ip_parse(bad[i], strlen(bad[i]), &x), -1);
    /* no NUL needed, none taken */
    assert_int_equal(keel_ip_parse("10.0.0.1xyz", 8, &x), 0);
    assert_int_equal(keel_ip_parse("10.0\0.0.1", 9, &x), -1);
}

static void
test_ranges(void **state)
{
    (void)state;
    keel_cidr_t c = cidr("10.0.0.0/8");
    assert_int_equal(c.prefix, 104);
    keel_ip_t in = ip("10.255.1.2"), out = ip("11.0.0.0");
    assert_true(keel_cidr_contains(&c, &in));
    assert_false(keel_cidr_contains(&c, &out));
    /* an IPv4 range holds the same address seen on a dual-stack socket */
    keel_ip_t mapped = ip("::ffff:10.1.2.3");
    assert_true(keel_cidr_contains(&c, &mapped));

    keel_cidr_t one = cidr("192.0.2.7");
    keel_ip_t seven = ip("192.0.2.7"), eight = ip("192.0.2.8");
    assert_true(keel_cidr_contains(&one, &seven));
    assert_false(keel_cidr_contains(&one, &eight));

    keel_cidr_t v6 = cidr("2001:db8::/33");
    keel_ip_t a = ip("2001:db8:7fff::1"), b = ip("2001:db8:8000::1");
    assert_true(keel_cidr_contains(&v6, &a));
    assert_false(keel_cidr_contains(&v6, &b));

    keel_cidr_t all4 = cidr("0.0.0.0/0"), all6 = cidr("::/0");
    keel_ip_t v6addr = ip("2001:db8::1");
    assert_true(keel_cidr_contains(&all4, &seven));
    assert_false(keel_cidr_contains(&all4, &v6addr)); /* all of IPv4 is not all of IPv6 */
    assert_true(keel_cidr_contains(&all6, &v6addr));
    assert_true(keel_cidr_contains(&all6, &seven));

    static const char *const bad[] = {"10.0.0.1/8", "10.0.0.0/33",    "10.0.0.0/",    "10.0.0.0/08", "10.0.0.0/-1",
                                      "::/129",     "2001:db8::1/32", "10.0.0.0/8/8", "/8",          "10.0.0.0/1000"};
    keel_cidr_t x;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(keel_cidr_parse(bad[i], strlen(bad[i]), &x), -1);
}

static void
test_format(void **state)
{
    (void)state;
    char buf[KEEL_CIDR_TEXT_MAX];
    keel_ip_t a = ip("192.0.2.1");
    assert_int_equal(keel_ip_format(&a, buf), 9);
    assert_string_equal(buf, "192.0.2.1");
    keel_ip_t b = ip("2001:DB8:0:0::1");
    keel_ip_format(&b, buf);
    assert_string_equal(buf, "2001:db8::1");
    /* written as IPv6, shown as IPv6 */
    keel_ip_t c = ip("::ffff:192.0.2.1");
    keel_ip_format(&c, buf);
    assert_string_equal(buf, "::ffff:192.0.2.1");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
