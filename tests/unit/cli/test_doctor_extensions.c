/* Tests for src/cli/doctor_extensions.c. */
#include "doctor_fixture.h"

static void
test_none_listed(void **state)
{
    (void)state;
    fixture_t *x = fixture_new();
    const keel_finding_t *r = check_one(x, keel_doctor_check_extensions, "extensions");
    assert_level(r, KEEL_FINDING_OK);
    assert_says(r, "none of the 3 loaded");
    assert_says(r, "grpc, imagick, xdebug");
    free(x);
}

static void
test_grpc_without_fork_support(void **state)
{
    (void)state;
    fixture_t *x = fixture_new();
    php_extension(x, "grpc");
    php_set(x, "grpc.enable_fork_support", "0");
    const keel_finding_t *r = check_one(x, keel_doctor_check_extensions, "extensions");
    assert_level(r, KEEL_FINDING_ERROR);
    assert_says(r, "grpc is loaded: ");
    assert_says(r, "-d grpc.enable_fork_support=1");
    php_set(x, "grpc.enable_fork_support", "1");
    assert_level(check_one(x, keel_doctor_check_extensions, "extensions"), KEEL_FINDING_OK);
    free(x);
}

static void
test_xdebug_in_any_mode(void **state)
{
    (void)state;
    fixture_t *x = fixture_new();
    php_extension(x, "Xdebug"); /* names are compared without case */
    php_set(x, "xdebug.mode", "develop");
    assert_level(check_one(x, keel_doctor_check_extensions, "extensions"), KEEL_FINDING_WARN);
    php_set(x, "xdebug.mode", "off");
    assert_level(check_one(x, keel_doctor_check_extensions, "extensions"), KEEL_FINDING_OK);
    free(x);
}

static void
test_request_state_matters_in_worker_mode_only(void **state)
{
    (void)state;
    fixture_t *x = fixture_new();
    php_extension(x, "newrelic");
    php_extension(x, "ddtrace");
    assert_level(check_one(x, keel_doctor_check_extensions, "extensions"), KEEL_FINDING_OK);
    x->cfg.worker_script = "worker.php";
    x->out.count = 0;
    keel_doctor_check_extensions(&x->f, &x->out);
    assert_int_equal(x->out.count, 2);
    assert_says(&x->out.items[0], "newrelic is loaded in worker mode");
    assert_says(&x->out.items[1], "ddtrace is loaded in worker mode");
    assert_says(&x->out.items[1], "datadog.trace.generate_root_span=0");
    /* ddtrace without a root span per PHP request is fine */
    x->out.count = 0;
    php_set(x, "datadog.trace.generate_root_span", "0");
    keel_doctor_check_extensions(&x->f, &x->out);
    assert_int_equal(x->out.count, 1);
    assert_says(&x->out.items[0], "newrelic");
    free(x);
}

static void
test_needs_php(void **state)
{
    (void)state;
    fixture_t *x = fixture_new();
    x->php.started = false;
    keel_doctor_check_extensions(&x->f, &x->out);
    assert_int_equal(x->out.count, 0);
    free(x);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_none_listed),        cmocka_unit_test(test_grpc_without_fork_support),
        cmocka_unit_test(test_xdebug_in_any_mode), cmocka_unit_test(test_request_state_matters_in_worker_mode_only),
        cmocka_unit_test(test_needs_php),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
