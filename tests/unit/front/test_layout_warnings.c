/* Tests for src/front/layout_warnings.c: what a root's layout is warned about. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "front/layout.h"

static void
test_a_public_folder_says_nothing(void **state)
{
    (void)state;
    keel_layout_facts_t f = {.worker_mode = true};
    char out[512];
    assert_int_equal(keel_layout_warnings(&f, "/srv/app/public", out, sizeof(out)), 0);
    assert_string_equal(out, "");
}

static void
test_a_project_root_names_what_it_found(void **state)
{
    (void)state;
    keel_layout_facts_t f = {.composer_json = true, .git = true};
    char out[512];
    assert_int_equal(keel_layout_warnings(&f, "/srv/app", out, sizeof(out)), 1);
    assert_non_null(strstr(out, "--root /srv/app holds composer.json, .git: it looks like a project"));
    f = (keel_layout_facts_t){.vendor_dir = true};
    keel_layout_warnings(&f, "/srv/app", out, sizeof(out));
    assert_non_null(strstr(out, "holds vendor/: "));
}

static void
test_classic_scripts_in_worker_mode(void **state)
{
    (void)state;
    keel_layout_facts_t f = {.worker_mode = true, .classic = {"/a.php"}, .classic_count = 1};
    char out[512];
    assert_int_equal(keel_layout_warnings(&f, "/r", out, sizeof(out)), 1);
    assert_non_null(strstr(out, "worker mode: /a.php under /r runs in classic workers"));
    /* without worker mode, classic is what every script is */
    f.worker_mode = false;
    assert_int_equal(keel_layout_warnings(&f, "/r", out, sizeof(out)), 0);
}

static void
test_long_lists_are_cut_and_counted(void **state)
{
    (void)state;
    keel_layout_facts_t f = {.worker_mode = true,
                             .composer_json = true,
                             .classic = {"/1.php", "/2.php", "/3.php", "/4.php", "/5.php", "/6.php", "/7.php"},
                             .classic_count = 9};
    char out[1024];
    assert_int_equal(keel_layout_warnings(&f, "/r", out, sizeof(out)), 2);
    assert_non_null(strstr(out, "\nworker mode: /1.php, /2.php, /3.php, /4.php, /5.php and 4 more under /r run in"));
    /* names past those known (more than were kept) are counted only */
    f = (keel_layout_facts_t){.worker_mode = true, .classic = {"/1.php"}, .classic_count = 3};
    keel_layout_warnings(&f, "/r", out, sizeof(out));
    assert_non_null(strstr(out, "worker mode: /1.php and 2 more under /r"));
}

static void
test_a_small_buffer_is_never_overrun(void **state)
{
    (void)state;
    keel_layout_facts_t f = {.worker_mode = true, .git = true, .classic = {"/1.php"}, .classic_count = 1};
    char out[40];
    memset(out, 'x', sizeof(out));
    keel_layout_warnings(&f, "/a/long/root/that/does/not/fit", out, 32);
    assert_int_equal(strlen(out), 31);
    assert_int_equal(out[32], 'x');
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_public_folder_says_nothing),
        cmocka_unit_test(test_a_project_root_names_what_it_found),
        cmocka_unit_test(test_classic_scripts_in_worker_mode),
        cmocka_unit_test(test_long_lists_are_cut_and_counted),
        cmocka_unit_test(test_a_small_buffer_is_never_overrun),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
