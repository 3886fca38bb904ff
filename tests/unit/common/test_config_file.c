/* Tests for src/common/config_file.c: config text to arguments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/config_file.h"

static keel_config_args_t args;
static char err[256];

static int
convert(const char *text)
{
    keel_config_args_free(&args);
    return keel_config_file_to_args(text, strlen(text), &args, err, sizeof(err));
}

static void
expect_args(const char *text, const char *const *want, int n)
{
    assert_int_equal(convert(text), 0);
    assert_int_equal(args.argc, n);
    for (int i = 0; i < n; i++)
        assert_string_equal(args.argv[i], want[i]);
}

static void
test_lines_become_options(void **state)
{
    (void)state;
    const char *const want[] = {"--root", "/srv/app",          "--workers",           "8",
                                "-d",     "memory_limit=256M", "--max-worker-memory", "256M"};
    expect_args("# keel\n"
                "root = /srv/app\n"
                "\n"
                "  workers=8   # eight\n"
                "d = memory_limit=256M\n"
                "max_worker_memory = 256M\r\n",
                want, 8);
}

static void
test_flags(void **state)
{
    (void)state;
    const char *const want[] = {"--watch"};
    expect_args("watch = true\nretry-idempotent = false\n", want, 1);
    /* the usual spellings of a boolean, in any case */
    expect_args("watch = yes\nretry-idempotent = Off\n", want, 1);
    expect_args("watch = ON\nretry-idempotent = 0\n", want, 1);
    expect_args("watch = 1\nallow-overcommit = no\n", want, 1);
    assert_int_equal(convert("watch = \"true\"\n"), 0);
    assert_int_equal(convert("allow-overcommit = maybe\n"), -1);
    assert_non_null(strstr(err, "line 1"));
}

static void
test_quoted_values(void **state)
{
    (void)state;
    const char *const want[] = {"--root", "/srv/my app #1", "--server-name", "example.com", "-d", "error_log=x # y"};
    expect_args("root = \"/srv/my app #1\"   # the root\n"
                "server-name='example.com'\n"
                "d = \"error_log=x # y\"\n",
                want, 6);
    assert_int_equal(convert("root = \"/srv\n"), -1);
    assert_string_equal(err, "line 1: a quote that does not end, or text after the closing quote");
    assert_int_equal(convert("root = \"/srv\" x\n"), -1);
}

static void
test_bad_values_name_the_line(void **state)
{
    (void)state;
    assert_int_equal(convert("root = /srv\n\nworkers = many\n"), -1);
    assert_string_equal(err, "line 3: option --workers: expected auto or a number from 1 to 1024, got 'many'");
    assert_int_equal(convert("max-wait = soon\n"), -1);
    assert_non_null(strstr(err, "line 1: option --max-wait: expected a duration"));
}

static void
test_flags_of_the_table(void **state)
{
    (void)state;
    const char *const want[] = {"--allow-overcommit", "--retry-idempotent", "--watch"};
    expect_args("allow_overcommit = true\nretry-idempotent = true\nwatch = true\n", want, 3);
    /* a flag's value is a boolean, nothing else */
    assert_int_equal(convert("watch = 2\n"), -1);
    assert_string_equal(err, "line 1: watch takes true or false (yes/no, on/off, 1/0), got '2'");
}

static void
test_unknown_names_name_the_line(void **state)
{
    (void)state;
    assert_int_equal(convert("root = /srv\n\nbogus = 1\n"), -1);
    assert_string_equal(err, "line 3: unknown option 'bogus'");
    /* names are the options' own, without dashes, and only those */
    assert_int_equal(convert("--root = /srv\n"), -1);
    assert_string_equal(err, "line 1: unknown option '--root'");
    assert_int_equal(convert("help = true\n"), -1);
    assert_string_equal(err, "line 1: unknown option 'help'");
    assert_int_equal(convert("h = 1\n"), -1);
    assert_int_equal(convert("Root = /srv\n"), -1);
    assert_int_equal(convert("dd = x=1\n"), -1);
    /* the name is quoted: a control character cannot forge a log line */
    assert_int_equal(convert("ro\x1bot = /srv\n"), -1);
    assert_string_equal(err, "line 1: unknown option 'ro?ot'");
}

static void
test_values_keep_hashes_inside(void **state)
{
    (void)state;
    /* '#' starts a comment only at the start or after whitespace */
    const char *const want[] = {"-d", "highlight.comment=#FF8000"};
    expect_args("d = highlight.comment=#FF8000\n", want, 2);
}

static void
test_errors_name_the_line(void **state)
{
    (void)state;
    assert_int_equal(convert("root = /a\nbogus line\n"), -1);
    assert_non_null(strstr(err, "line 2"));
    assert_int_equal(convert("= value\n"), -1);
    assert_int_equal(convert("two words = x\n"), -1);
    assert_int_equal(convert("config = other.conf\n"), -1);
    assert_int_equal(convert(""), 0);
    assert_int_equal(args.argc, 0);
}

static void
test_load_lets_the_command_line_win(void **state)
{
    (void)state;
    char path[] = "/tmp/keel-config-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "workers = 3\nlisten = 127.0.0.1:9000\n";
    assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
    close(fd);
    keel_config_t cfg;
    keel_config_defaults(&cfg);
    char *const argv[] = {"--config", path, "--workers", "5"};
    keel_config_args_t keep;
    assert_int_equal(keel_config_load(&cfg, 4, argv, &keep, err, sizeof(err)), KEEL_CONFIG_OK);
    assert_int_equal(cfg.workers, 5);
    assert_int_equal(cfg.listen_count, 1);
    assert_int_equal(cfg.listen[0].port, 9000);
    keel_config_args_free(&keep);
    unlink(path);
}

static void
test_load_refuses_an_unknown_name(void **state)
{
    (void)state;
    char path[] = "/tmp/keel-config-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "workers = 3\nworkerz = 4\n";
    assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
    close(fd);
    keel_config_t cfg;
    keel_config_defaults(&cfg);
    char *const argv[] = {"--config", path};
    keel_config_args_t keep;
    assert_int_equal(keel_config_load(&cfg, 2, argv, &keep, err, sizeof(err)), KEEL_CONFIG_ERROR);
    char want[128];
    snprintf(want, sizeof(want), "--config %s: line 2: unknown option 'workerz'", path);
    assert_string_equal(err, want);
    unlink(path);
}

static int
teardown(void **state)
{
    (void)state;
    keel_config_args_free(&args);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_become_options),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_quoted_values),
        cmocka_unit_test(test_bad_values_name_the_line),
        cmocka_unit_test(test_values_keep_hashes_inside),
        cmocka_unit_test(test_errors_name_the_line),
        cmocka_unit_test(test_load_lets_the_command_line_win),
        cmocka_unit_test(test_flags_of_the_table),
        cmocka_unit_test(test_unknown_names_name_the_line),
        cmocka_unit_test(test_load_refuses_an_unknown_name),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
