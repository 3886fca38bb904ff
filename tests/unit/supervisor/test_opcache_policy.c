/* Tests for src/supervisor/opcache_policy.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "supervisor/opcache_policy.h"

#define MIB (1ull << 20)

static keel_opcache_stats_t
healthy(void)
{
    /* 128 MiB segment, half used; 8 MiB interned, 2 used; 1000 of 10000 keys */
    return (keel_opcache_stats_t){.used = 64 * MIB,
                                  .free = 64 * MIB,
                                  .wasted = 0,
                                  .interned_used = 2 * MIB,
                                  .interned_free = 6 * MIB,
                                  .keys = 1000,
                                  .max_keys = 10000};
}

static void
test_healthy_is_ok(void **state)
{
    (void)state;
    keel_opcache_stats_t s = healthy();
    assert_int_equal(keel_opcache_decide(&s, 5.0), KEEL_OPCACHE_OK);
}

static void
test_each_reason(void **state)
{
    (void)state;
    keel_opcache_stats_t s = healthy();
    s.restart_pending = 1;
    assert_int_equal(keel_opcache_decide(&s, 5.0), KEEL_OPCACHE_RESTARTING);
    s = healthy();
    s.oom_restarts = 1;
    assert_int_equal(keel_opcache_decide(&s, 5.0), KEEL_OPCACHE_RESTARTING);
    s = healthy();
    s.cache_full = 1;
    assert_int_equal(keel_opcache_decide(&s, 5.0), KEEL_OPCACHE_FULL);
    /* 12 of 128 MiB free is under 10% */
    s = healthy();
    s.used = 116 * MIB;
    s.free = 12 * MIB;
    assert_int_equal(keel_opcache_decide(&s, 5.0), KEEL_OPCACHE_FULL);
    /* 7 MiB wasted of 128 is 5.5%: past 5% */
    s = healthy();
    s.used = 57 * MIB;
    s.wasted = 7 * MIB;
    assert_int_equal(keel_opcache_decide(&s, 5.0), KEEL_OPCACHE_WASTED);
    /* ... but not past 10% */
    assert_int_equal(keel_opcache_decide(&s, 10.0), KEEL_OPCACHE_OK);
    s = healthy();
    s.keys = 9000;
    assert_int_equal(keel_opcache_decide(&s, 5.0), KEEL_OPCACHE_KEYS);
    s.keys = 8999;
    assert_int_equal(keel_opcache_decide(&s, 5.0), KEEL_OPCACHE_OK);
    /* 0.3 of 8 MiB interned free is under 5% */
    s = healthy();
    s.interned_used = 8 * MIB - 300000;
    s.interned_free = 300000;
    assert_int_equal(keel_opcache_decide(&s, 5.0), KEEL_OPCACHE_INTERNED);
}

static void
test_precedence(void **state)
{
    (void)state;
    keel_opcache_stats_t s = healthy();
    s.restart_pending = 1;
    s.cache_full = 1;
    s.keys = 10000;
    assert_int_equal(keel_opcache_decide(&s, 5.0), KEEL_OPCACHE_RESTARTING);
    s.restart_pending = 0;
    assert_int_equal(keel_opcache_decide(&s, 5.0), KEEL_OPCACHE_FULL);
}

static void
test_suggestion(void **state)
{
    (void)state;
    char buf[200];
    /* live 100 MiB (+25% = 125, up to 128 in 16 MiB steps); interned 6 MiB (+25% = 7.5 -> 8);
     * keys 9000 (+25% = 11250 -> 12000) */
    keel_opcache_stats_t s = {.used = 110 * MIB, .wasted = 10 * MIB, .interned_used = 6 * MIB, .keys = 9000};
    keel_opcache_suggest(&s, buf, sizeof(buf));
    assert_string_equal(buf, "-d opcache.memory_consumption=128 -d opcache.interned_strings_buffer=8 "
                             "-d opcache.max_accelerated_files=12000");
    /* small caches get the minimums */
    keel_opcache_stats_t tiny = {.used = MIB, .interned_used = MIB, .keys = 10};
    keel_opcache_suggest(&tiny, buf, sizeof(buf));
    assert_string_equal(buf, "-d opcache.memory_consumption=64 -d opcache.interned_strings_buffer=8 "
                             "-d opcache.max_accelerated_files=10000");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_healthy_is_ok),
        cmocka_unit_test(test_each_reason),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_suggestion),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
