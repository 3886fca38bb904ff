/* Tests for src/cli/doctor_opcache.c: each check with a set-up that
 * triggers it and one that does not. */
#include "doctor_fixture.h"

static void
test_max_keys_follow_php(void **state)
{
    (void)state;
    /* what opcache_get_status() reports as max_cached_keys */
    assert_int_equal(keel_opcache_max_keys(10000), 16229);
    assert_int_equal(keel_opcache_max_keys(100000), 130987);
    assert_int_equal(keel_opcache_max_keys(16229), 16229);
    assert_int_equal(keel_opcache_max_keys(16230), 32531);
    assert_int_equal(keel_opcache_max_keys(0), 223);
    assert_int_equal(keel_opcache_max_keys(5000000), 1048793);
}

static void
test_opcache_off(void **state)
{
    (void)state;
    fixture_t *x = fixture_new();
    x->php.opcache_enabled = false;
    const keel_finding_t *r = check_one(x, keel_doctor_check_opcache_files, "opcache");
    assert_level(r, KEEL_FINDING_WARN);
    assert_says(r, "OPcache is off");
    /* the sizes and deploys say nothing then */
    x->out.count = 0;
    keel_doctor_check_opcache_memory(&x->f, &x->out);
    keel_doctor_check_interned_strings(&x->f, &x->out);
    keel_doctor_check_deploys(&x->f, &x->out);
    assert_int_equal(x->out.count, 0);
    free(x);
}

static void
test_files(void **state)
{
    (void)state;
    fixture_t *x = fixture_new();
    const keel_finding_t *r = check_one(x, keel_doctor_check_opcache_files, "opcache files");
    assert_level(r, KEEL_FINDING_OK);
    assert_says(r, "1000 PHP files under /srv/app; OPcache holds 16229 (opcache.max_accelerated_files=10000)");

    x->f.php_files = 15000; /* past 90% of 16229 */
    r = check_one(x, keel_doctor_check_opcache_files, "opcache files");
    assert_level(r, KEEL_FINDING_ERROR);
    assert_says(r, "swapped again and again");
    assert_says(r, "set -d opcache.max_accelerated_files=23000");

    x->f.php_files = 11000; /* past 70% of that */
    assert_level(check_one(x, keel_doctor_check_opcache_files, "opcache files"), KEEL_FINDING_WARN);
    php_set(x, "opcache.max_accelerated_files", "20000");
    assert_level(check_one(x, keel_doctor_check_opcache_files, "opcache files"), KEEL_FINDING_OK);
    free(x);
}

static void
test_memory(void **state)
{
    (void)state;
    fixture_t *x = fixture_new();
    const keel_finding_t *r = check_one(x, keel_doctor_check_opcache_memory, "opcache memory");
    assert_level(r, KEEL_FINDING_OK);
    /* 0.9 x 128 - 8 - 16229 x 48 B = 106.5 MiB */
    assert_says(r, "4 MiB of PHP source compiles to about 12 MiB (3x); OPcache has room for 106.5 MiB");

    x->f.php_bytes = 40u << 20; /* 120 MiB compiled */
    r = check_one(x, keel_doctor_check_opcache_memory, "opcache memory");
    assert_level(r, KEEL_FINDING_ERROR);
    assert_says(r, "set -d opcache.memory_consumption=224");
    x->f.php_bytes = 28u << 20; /* 84 MiB: past 70% of 106.5 */
    assert_level(check_one(x, keel_doctor_check_opcache_memory, "opcache memory"), KEEL_FINDING_WARN);
    php_set(x, "opcache.memory_consumption", "256");
    assert_level(check_one(x, keel_doctor_check_opcache_memory, "opcache memory"), KEEL_FINDING_OK);
    free(x);
}

static void
test_interned_strings(void **state)
{
    (void)state;
    fixture_t *x = fixture_new();
    const keel_finding_t *r = check_one(x, keel_doctor_check_interned_strings, "opcache interned strings");
    assert_level(r, KEEL_FINDING_OK);
    /* 0.70 x 8 MiB - 0.5 MiB = 5.1 MiB of room, 2 MiB needed */
    assert_says(r, "about 2 MiB (half its source); the buffer has room for 5.1 MiB");

    x->f.php_bytes = 12u << 20; /* 6 MiB of strings */
    r = check_one(x, keel_doctor_check_interned_strings, "opcache interned strings");
    assert_level(r, KEEL_FINDING_ERROR);
    assert_says(r, "set -d opcache.interned_strings_buffer=16");
    x->f.php_bytes = 8u << 20;
    assert_level(check_one(x, keel_doctor_check_interned_strings, "opcache interned strings"), KEEL_FINDING_WARN);
    php_set(x, "opcache.interned_strings_buffer", "32");
    assert_level(check_one(x, keel_doctor_check_interned_strings, "opcache interned strings"), KEEL_FINDING_OK);
    free(x);
}

static void
test_sizes_need_the_application(void **state)
{
    (void)state;
    fixture_t *x = fixture_new();
    x->f.root_ok = false;
    keel_doctor_check_opcache_files(&x->f, &x->out);
    keel_doctor_check_opcache_memory(&x->f, &x->out);
    keel_doctor_check_interned_strings(&x->f, &x->out);
    assert_int_equal(x->out.count, 0);
    free(x);
}

static void
test_deploys(void **state)
{
    (void)state;
    fixture_t *x = fixture_new();
    const keel_finding_t *r = check_one(x, keel_doctor_check_deploys, "deploys");
    assert_level(r, KEEL_FINDING_OK);
    assert_says(r, "keel reload");

    php_set(x, "opcache.validate_timestamps", "1");
    php_set(x, "opcache.revalidate_freq", "0");
    r = check_one(x, keel_doctor_check_deploys, "deploys");
    assert_level(r, KEEL_FINDING_WARN);
    assert_says(r, "opcache.validate_timestamps=1 (revalidate_freq 0 s)");
    assert_says(r, "old and new files together");

    x->cfg.watch = 1;
    r = check_one(x, keel_doctor_check_deploys, "deploys");
    assert_level(r, KEEL_FINDING_WARN);
    assert_says(r, "--watch");
    free(x);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_max_keys_follow_php),
        cmocka_unit_test(test_opcache_off),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_memory),
        cmocka_unit_test(test_interned_strings),
        cmocka_unit_test(test_sizes_need_the_application),
        cmocka_unit_test(test_deploys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
