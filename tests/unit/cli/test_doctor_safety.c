/* Tests for src/cli/doctor_safety.c and the findings themselves
 * (src/cli/doctor_findings.c). */
#include "doctor_fixture.h"

static void
test_app(void **state)
{
    (void)state;
    fixture_t *x = fixture_new();
    assert_level(check_one(x, keel_doctor_check_app, "application"), KEEL_FINDING_OK);
    x->f.root_ok = false;
    snprintf(x->f.root_error, sizeof(x->f.root_error), "--root /srv/app: No such file or directory");
    const keel_finding_t *r = check_one(x, keel_doctor_check_app, "application");
    assert_level(r, KEEL_FINDING_ERROR);
    assert_says(r, "--root /srv/app: No such file or directory; keel serve refuses");
    free(x);
}

static void
test_php(void **state)
{
    (void)state;
    fixture_t *x = fixture_new();
    const keel_finding_t *r = check_one(x, keel_doctor_check_php, "php");
    assert_level(r, KEEL_FINDING_OK);
    assert_says(r, "PHP 8.2.36 starts as keel's zygote starts it, with 3 extensions, OPcache on");
    x->php.started = false;
    snprintf(x->php.error, sizeof(x->php.error), "PHP exited with status 254: Fatal Error in preload\nsecond line");
    r = check_one(x, keel_doctor_check_php, "php");
    assert_level(r, KEEL_FINDING_ERROR);
    assert_says(r, "did not start as keel's zygote starts it: PHP exited with status 254: Fatal Error in preload "
                   "second line");
    free(x);
}

static void
test_core_dumps(void **state)
{
    (void)state;
    fixture_t *x = fixture_new();
    /* no --core-dir: off, whatever the pattern */
    snprintf(x->f.core_pattern, sizeof(x->f.core_pattern), "/srv/app/core.%%p");
    assert_level(check_one(x, keel_doctor_check_core_dumps, "core dumps"), KEEL_FINDING_OK);

    x->cfg.core_dir = "/var/crash/keel";
    const keel_finding_t *r = check_one(x, keel_doctor_check_core_dumps, "core dumps");
    assert_level(r, KEEL_FINDING_ERROR);
    assert_says(r, "core_pattern '/srv/app/core.%p' writes dumps into the application (/srv/app)");

    snprintf(x->f.core_pattern, sizeof(x->f.core_pattern), "core");
    r = check_one(x, keel_doctor_check_core_dumps, "core dumps");
    assert_level(r, KEEL_FINDING_OK);
    assert_says(r, "dumps land there");

    snprintf(x->f.core_pattern, sizeof(x->f.core_pattern), "/var/crash/keel/core.%%e.%%p");
    assert_level(check_one(x, keel_doctor_check_core_dumps, "core dumps"), KEEL_FINDING_OK);
    snprintf(x->f.core_pattern, sizeof(x->f.core_pattern), "/var/lib/cores/core.%%p");
    assert_level(check_one(x, keel_doctor_check_core_dumps, "core dumps"), KEEL_FINDING_WARN);
    snprintf(x->f.core_pattern, sizeof(x->f.core_pattern), "|/lib/systemd/systemd-coredump %%P");
    r = check_one(x, keel_doctor_check_core_dumps, "core dumps");
    assert_level(r, KEEL_FINDING_WARN);
    assert_says(r, "pipes dumps to a program (/lib/systemd/systemd-coredump %P)");
    x->f.have_core_pattern = false;
    assert_level(check_one(x, keel_doctor_check_core_dumps, "core dumps"), KEEL_FINDING_WARN);

    /* --core-dir inside the application */
    x->cfg.core_dir = "/srv/app/var/cores";
    r = check_one(x, keel_doctor_check_core_dumps, "core dumps");
    assert_level(r, KEEL_FINDING_ERROR);
    assert_says(r, "--core-dir /srv/app/var/cores is inside the application");
    /* a sibling whose name starts the same is not inside */
    x->cfg.core_dir = "/srv/application-cores";
    x->f.have_core_pattern = true;
    snprintf(x->f.core_pattern, sizeof(x->f.core_pattern), "core");
    assert_level(check_one(x, keel_doctor_check_core_dumps, "core dumps"), KEEL_FINDING_OK);
    free(x);
}

static void
test_user(void **state)
{
    (void)state;
    fixture_t *x = fixture_new();
    const keel_finding_t *r = check_one(x, keel_doctor_check_user, "user");
    assert_level(r, KEEL_FINDING_OK);
    assert_says(r, "uid 1000");
    x->f.euid = 0;
    r = check_one(x, keel_doctor_check_user, "user");
    assert_level(r, KEEL_FINDING_WARN);
    assert_says(r, "as root");
    free(x);
}

static void
test_admin(void **state)
{
    (void)state;
    fixture_t *x = fixture_new();
    const char *loopback[] = {"127.0.0.1:9180", "127.1.2.3:9", "[::1]:9180", "localhost:9180", "[::ffff:127.0.0.1]:1"};
    for (size_t i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++) {
        x->cfg.admin = loopback[i];
        assert_level(check_one(x, keel_doctor_check_admin, "admin"), KEEL_FINDING_OK);
    }
    x->cfg.admin = NULL;
    assert_says(check_one(x, keel_doctor_check_admin, "admin"), "off");
    const char *beyond[] = {"0.0.0.0:9180", "10.0.0.5:9180", "[::]:9180", "example.com:9180", ":9180", "128.0.0.1:1"};
    for (size_t i = 0; i < sizeof(beyond) / sizeof(beyond[0]); i++) {
        x->cfg.admin = beyond[i];
        const keel_finding_t *r = check_one(x, keel_doctor_check_admin, "admin");
        assert_level(r, KEEL_FINDING_ERROR);
        assert_says(r, "no token");
    }
    /* a token (the option is expected) makes it acceptable */
    x->f.admin_token = true;
    assert_level(check_one(x, keel_doctor_check_admin, "admin"), KEEL_FINDING_OK);
    free(x);
}

static void
test_paths_within(void **state)
{
    (void)state;
    assert_true(keel_path_within("/srv/app", "/srv/app"));
    assert_true(keel_path_within("/srv/app/x", "/srv/app"));
    assert_true(keel_path_within("/srv/app/x", "/srv/app/"));
    assert_true(keel_path_within("/anything", "/"));
    assert_false(keel_path_within("/srv/application", "/srv/app"));
    assert_false(keel_path_within("/srv", "/srv/app"));
    assert_false(keel_path_within("core", "/srv/app"));
    assert_false(keel_path_within("/srv/app", ""));
}

static void
test_findings(void **state)
{
    (void)state;
    keel_findings_t *out = calloc(1, sizeof(*out));
    assert_non_null(out);
    assert_int_equal(keel_findings_worst(out), KEEL_FINDING_OK);
    keel_finding_add(out, KEEL_FINDING_OK, "a", "fine");
    keel_finding_add(out, KEEL_FINDING_WARN, "b", "two\nlines\tand a tab");
    assert_int_equal(keel_findings_worst(out), KEEL_FINDING_WARN);
    keel_finding_add(out, KEEL_FINDING_ERROR, "c", "%d broken", 1);
    assert_int_equal(keel_findings_worst(out), KEEL_FINDING_ERROR);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    keel_findings_print(f, out);
    assert_int_equal(fclose(f), 0);
    assert_string_equal(text, "ok    a: fine\nwarn  b: two lines and a tab\nerror c: 1 broken\n");
    free(text);
    for (int i = 0; i < 2 * KEEL_FINDINGS_MAX; i++)
        keel_finding_add(out, KEEL_FINDING_OK, "x", "y");
    assert_int_equal(out->count, KEEL_FINDINGS_MAX);
    free(out);
}

static void
test_a_healthy_setup_has_no_error(void **state)
{
    (void)state;
    fixture_t *x = fixture_new();
    keel_doctor_run(&x->f, &x->out);
    assert_true(x->out.count >= 13);
    assert_int_equal(keel_findings_worst(&x->out), KEEL_FINDING_OK);
    free(x);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_app),        cmocka_unit_test(test_php),
        cmocka_unit_test(test_core_dumps), cmocka_unit_test(test_user),
        cmocka_unit_test(test_admin),      cmocka_unit_test(test_paths_within),
        cmocka_unit_test(test_findings),   cmocka_unit_test(test_a_healthy_setup_has_no_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
