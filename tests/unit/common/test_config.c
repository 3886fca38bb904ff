/* Tests for the `keel serve` option parser (common/config.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/config.h"
#include "common/options.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static keel_config_t cfg;
static char errbuf[256];
#define err errbuf

/* Parses argv (no program name) into the file-level cfg, from defaults. */
static keel_config_result_t
parse(int argc, char *const *argv)
{
    keel_config_defaults(&cfg);
    memset(errbuf, 0, sizeof(errbuf));
    return keel_config_parse_serve(&cfg, argc, argv, errbuf, sizeof(errbuf));
}

#define ARGV(...)  ((char *[]){__VA_ARGS__})
#define PARSE(...) parse((int)COUNT(ARGV(__VA_ARGS__)), ARGV(__VA_ARGS__))

static void
assert_defaults(const keel_config_t *c)
{
    assert_string_equal(c->root, ".");
    assert_int_equal(c->listen_count, 1);
    assert_string_equal(c->listen[0].host, "127.0.0.1");
    assert_int_equal(c->listen[0].port, 8080);
    assert_false(c->listen[0].tls);
    assert_string_equal(c->front_controller, "index.php");
    assert_null(c->php_ini);
    assert_int_equal(c->ini_count, 0);
    assert_int_equal(c->workers, 4);
    assert_int_equal(c->max_queue, 1024);
    assert_int_equal(c->max_wait_ms, 30000);
    assert_int_equal(c->max_body, 32 * 1024 * 1024);
    assert_int_equal(c->shutdown_timeout_ms, 30000);
}

static void
test_defaults(void **state)
{
    (void)state;
    keel_config_t c;
    memset(&c, 0xa5, sizeof(c));
    keel_config_defaults(&c);
    assert_defaults(&c);
}

static void
test_no_options(void **state)
{
    (void)state;
    char *argv[] = {NULL};
    assert_int_equal(parse(0, argv), KEEL_CONFIG_OK);
    assert_defaults(&cfg);
}

/* "--name value" and "--name=value" set the same field; string fields must
 * point into argv rather than at a copy. */
static void
test_string_options_both_forms(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        size_t field; /* offsetof the const char * in keel_config_t */
    } opts[] = {
        {"--root", offsetof(keel_config_t, root)},
        {"--php-ini", offsetof(keel_config_t, php_ini)},
        {"--front-controller", offsetof(keel_config_t, front_controller)},
    };
    for (size_t i = 0; i < COUNT(opts); i++) {
        char name[64], joined[128];
        snprintf(name, sizeof(name), "%s", opts[i].name);
        char value[] = "some/value:1";
        char *sep[] = {name, value};
        assert_int_equal(parse(2, sep), KEEL_CONFIG_OK);
        const char *got = *(const char **)((char *)&cfg + opts[i].field);
        assert_ptr_equal(got, value);

        snprintf(joined, sizeof(joined), "%s=%s", opts[i].name, value);
        char *eq[] = {joined};
        assert_int_equal(parse(1, eq), KEEL_CONFIG_OK);
        got = *(const char **)((char *)&cfg + opts[i].field);
        assert_ptr_equal(got, joined + strlen(opts[i].name) + 1);
        assert_string_equal(got, value);
    }
}

static void
test_root(void **state)
{
    (void)state;
    assert_int_equal(PARSE("--root", "/srv/app"), KEEL_CONFIG_OK);
    assert_string_equal(cfg.root, "/srv/app");
    assert_int_equal(PARSE("--root=/srv/app"), KEEL_CONFIG_OK);
    assert_string_equal(cfg.root, "/srv/app");
    /* A value that looks like an option is still the value. */
    assert_int_equal(PARSE("--root", "--help"), KEEL_CONFIG_OK);
    assert_string_equal(cfg.root, "--help");
}

static void
test_listen(void **state)
{
    (void)state;
    assert_int_equal(PARSE("--listen", "0.0.0.0:80"), KEEL_CONFIG_OK);
    assert_int_equal(cfg.listen_count, 1);
    assert_string_equal(cfg.listen[0].host, "0.0.0.0");
    assert_int_equal(cfg.listen[0].port, 80);
    assert_int_equal(PARSE("--listen=[::1]:8443"), KEEL_CONFIG_OK);
    assert_string_equal(cfg.listen[0].host, "::1");
    assert_int_equal(cfg.listen[0].port, 8443);
    /* repeatable; the first one replaces the default */
    assert_int_equal(PARSE("--listen", "127.0.0.1:8080", "--listen", "https://0.0.0.0:8443", "--listen",
                           "unix:/run/keel.sock", "--tls-cert", "c.pem", "--tls-key", "k.pem"),
                     KEEL_CONFIG_OK);
    assert_int_equal(cfg.listen_count, 3);
    assert_false(cfg.listen[0].tls);
    assert_true(cfg.listen[1].tls);
    assert_int_equal(cfg.listen[2].family, KEEL_LISTEN_UNIX);
    assert_string_equal(cfg.listen[2].path, "/run/keel.sock");
    /* out of range: refused at parse time, naming the option */
    assert_int_equal(PARSE("--listen", "127.0.0.1:99999"), KEEL_CONFIG_ERROR);
    assert_non_null(strstr(err, "--listen 127.0.0.1:99999"));
    assert_non_null(strstr(err, "out of range"));
    assert_int_equal(PARSE("--listen", "127.0.0.1:65536"), KEEL_CONFIG_ERROR);
    assert_int_equal(PARSE("--admin", "127.0.0.1:70000"), KEEL_CONFIG_ERROR);
    assert_non_null(strstr(err, "--admin 127.0.0.1:70000"));
    assert_int_equal(PARSE("--admin", "https://127.0.0.1:9180"), KEEL_CONFIG_ERROR);
    /* --metrics by the same parser: HOST:PORT only, the port in range */
    assert_int_equal(PARSE("--metrics", "127.0.0.1:70000"), KEEL_CONFIG_ERROR);
    assert_non_null(strstr(err, "--metrics 127.0.0.1:70000"));
    assert_non_null(strstr(err, "out of range"));
    assert_int_equal(PARSE("--metrics", "https://127.0.0.1:9181"), KEEL_CONFIG_ERROR);
    assert_int_equal(PARSE("--metrics", "unix:/run/keel-metrics.sock"), KEEL_CONFIG_ERROR);
    assert_int_equal(PARSE("--metrics", "[::1]:9181"), KEEL_CONFIG_OK);
}

/* Parses, then checks the TLS options against the listeners. */
static keel_config_result_t
parse_tls(int argc, char *const *argv)
{
    keel_config_result_t r = parse(argc, argv);
    if (r == KEEL_CONFIG_OK && keel_config_check_tls(&cfg, errbuf, sizeof(errbuf)) != 0)
        return KEEL_CONFIG_ERROR;
    return r;
}
#define PARSE_TLS(...) parse_tls((int)COUNT(ARGV(__VA_ARGS__)), ARGV(__VA_ARGS__))

static void
test_tls_options(void **state)
{
    (void)state;
    assert_int_equal(PARSE_TLS("--listen", "https://127.0.0.1:8443"), KEEL_CONFIG_ERROR);
    assert_non_null(strstr(err, "--tls-cert"));
    assert_int_equal(PARSE_TLS("--listen", "https://127.0.0.1:8443", "--tls-cert", "a.pem"), KEEL_CONFIG_ERROR);
    assert_non_null(strstr(err, "pairs"));
    assert_int_equal(PARSE_TLS("--tls-cert", "a.pem", "--tls-key", "a.key"), KEEL_CONFIG_ERROR);
    assert_non_null(strstr(err, "https:// listener"));
    assert_int_equal(PARSE_TLS("--redirect-https"), KEEL_CONFIG_ERROR);
    assert_int_equal(PARSE_TLS("--listen", "https://127.0.0.1:8443", "--acme-domain", "example.com"), KEEL_CONFIG_OK);
    assert_int_equal(cfg.acme_domain_count, 1);
    assert_int_equal(PARSE_TLS("--listen", "unix:/run/k.sock", "--acme-domain", "example.com"), KEEL_CONFIG_ERROR);
    assert_int_equal(PARSE_TLS("--listen", "127.0.0.1:80", "--listen", "https://127.0.0.1:443", "--tls-cert", "a",
                               "--tls-key", "b", "--tls-cert", "c", "--tls-key", "d", "--redirect-https", "--hsts",
                               "1h"),
                     KEEL_CONFIG_OK);
    assert_int_equal(cfg.tls_cert_count, 2);
    assert_string_equal(cfg.tls_key[1], "d");
    assert_int_equal(cfg.hsts_ms, 3600000);
    assert_true(cfg.redirect_https);
    assert_string_equal(cfg.state_dir, "/var/lib/keel");
}

static void
test_workers(void **state)
{
    (void)state;
    assert_int_equal(PARSE("--workers", "1"), KEEL_CONFIG_OK);
    assert_int_equal(cfg.workers, 1);
    assert_int_equal(PARSE("--workers=1024"), KEEL_CONFIG_OK);
    assert_int_equal(cfg.workers, KEEL_MAX_WORKERS);
    assert_int_equal(PARSE("--workers", "16"), KEEL_CONFIG_OK);
    assert_int_equal(cfg.workers, 16);
}

static void
test_worker_mode(void **state)
{
    (void)state;
    assert_int_equal(PARSE("--workers", "3"), KEEL_CONFIG_OK);
    assert_null(cfg.worker_script);
    /* without --worker every slot is classic */
    assert_int_equal(keel_config_total_workers(&cfg), 3);
    assert_false(keel_config_slot_is_worker_mode(&cfg, 0));

    assert_int_equal(PARSE("--worker", "public/worker.php", "--workers", "3", "--classic-workers=2",
                           "--max-consecutive-failures", "7"),
                     KEEL_CONFIG_OK);
    assert_string_equal(cfg.worker_script, "public/worker.php");
    assert_int_equal(cfg.classic_workers, 2);
    assert_int_equal(cfg.max_consecutive_failures, 7);
    /* worker-mode slots first, then the classic ones */
    assert_int_equal(keel_config_total_workers(&cfg), 5);
    assert_true(keel_config_slot_is_worker_mode(&cfg, 0));
    assert_true(keel_config_slot_is_worker_mode(&cfg, 2));
    assert_false(keel_config_slot_is_worker_mode(&cfg, 3));
    assert_false(keel_config_slot_is_worker_mode(&cfg, 4));

    assert_int_equal(PARSE("--worker", "w.php"), KEEL_CONFIG_OK);
    assert_int_equal(cfg.classic_workers, 1);
    assert_int_equal(cfg.max_consecutive_failures, 5);
    assert_int_equal(PARSE("--worker", ""), KEEL_CONFIG_ERROR);
    assert_int_equal(PARSE("--classic-workers", "0"), KEEL_CONFIG_ERROR);
    assert_int_equal(PARSE("--max-consecutive-failures", "0"), KEEL_CONFIG_ERROR);
    assert_int_equal(PARSE("--worker", "w.php", "--workers", "1000", "--classic-workers", "100"), KEEL_CONFIG_ERROR);
}

static void
test_front_priority(void **state)
{
    (void)state;
    /* by default five steps, taken only when the kernel allows it */
    assert_int_equal(PARSE("--workers", "2"), KEEL_CONFIG_OK);
    assert_int_equal(cfg.front_priority, 5);
    assert_false(cfg.front_priority_explicit);
    /* given, it must be taken: the front refuses to start otherwise */
    assert_int_equal(PARSE("--front-priority", "12"), KEEL_CONFIG_OK);
    assert_int_equal(cfg.front_priority, 12);
    assert_true(cfg.front_priority_explicit);
    assert_int_equal(PARSE("--front-priority=0"), KEEL_CONFIG_OK);
    assert_int_equal(cfg.front_priority, 0);
    assert_true(cfg.front_priority_explicit);
    assert_int_equal(PARSE("--front-priority", "21"), KEEL_CONFIG_ERROR);
    assert_non_null(strstr(errbuf, "--front-priority"));
    assert_int_equal(PARSE("--front-priority", "-5"), KEEL_CONFIG_ERROR);
    assert_int_equal(PARSE("--front-priority", "high"), KEEL_CONFIG_ERROR);
}

static void
test_ini_value(void **state)
{
    (void)state;
    assert_int_equal(PARSE("-d", "opcache.enable=1", "-dopcache.enable_cli=0", "-d", "opcache.enable=0"),
                     KEEL_CONFIG_OK);
    /* the last one given wins, as PHP applies them in order */
    assert_string_equal(keel_config_ini_value(&cfg, "opcache.enable"), "0");
    assert_string_equal(keel_config_ini_value(&cfg, "opcache.enable_cli"), "0");
    /* a key is not a prefix of a longer one */
    assert_null(keel_config_ini_value(&cfg, "opcache"));
    assert_null(keel_config_ini_value(&cfg, "memory_limit"));
}

static void
test_php_ini(void **state)
{
    (void)state;
    assert_int_equal(PARSE("--php-ini", "/etc/keel/php.ini"), KEEL_CONFIG_OK);
    assert_string_equal(cfg.php_ini, "/etc/keel/php.ini");
    assert_int_equal(PARSE("--php-ini=php.ini"), KEEL_CONFIG_OK);
    assert_string_equal(cfg.php_ini, "php.ini");
}

static void
test_front_controller(void **state)
{
    (void)state;
    assert_int_equal(PARSE("--front-controller", "app.php"), KEEL_CONFIG_OK);
    assert_string_equal(cfg.front_controller, "app.php");
    assert_int_equal(PARSE("--front-controller=public/index.php"), KEEL_CONFIG_OK);
    assert_string_equal(cfg.front_controller, "public/index.php");
    /* "off" disables it, in either form. */
    assert_int_equal(PARSE("--front-controller", "off"), KEEL_CONFIG_OK);
    assert_string_equal(cfg.front_controller, "");
    assert_int_equal(PARSE("--front-controller=off"), KEEL_CONFIG_OK);
    assert_string_equal(cfg.front_controller, "");
}

static void
test_max_queue(void **state)
{
    (void)state;
    assert_int_equal(PARSE("--max-queue", "0"), KEEL_CONFIG_OK);
    assert_int_equal(cfg.max_queue, 0);
    assert_int_equal(PARSE("--max-queue=1000000"), KEEL_CONFIG_OK);
    assert_int_equal(cfg.max_queue, 1000000);
}

static void
test_max_wait(void **state)
{
    (void)state;
    assert_int_equal(PARSE("--max-wait", "250ms"), KEEL_CONFIG_OK);
    assert_int_equal(cfg.max_wait_ms, 250);
    assert_int_equal(PARSE("--max-wait=2m"), KEEL_CONFIG_OK);
    assert_int_equal(cfg.max_wait_ms, 120000);
    assert_int_equal(PARSE("--max-wait", "5"), KEEL_CONFIG_OK);
    assert_int_equal(cfg.max_wait_ms, 5000);
}

static void
test_max_body(void **state)
{
    (void)state;
    assert_int_equal(PARSE("--max-body", "64M"), KEEL_CONFIG_OK);
    assert_int_equal(cfg.max_body, 64 * 1024 * 1024);
    assert_int_equal(PARSE("--max-body=512k"), KEEL_CONFIG_OK);
    assert_int_equal(cfg.max_body, 512 * 1024);
    assert_int_equal(PARSE("--max-body", "0"), KEEL_CONFIG_OK);
    assert_int_equal(cfg.max_body, 0);
}

static void
test_shutdown_timeout(void **state)
{
    (void)state;
    assert_int_equal(PARSE("--shutdown-timeout", "5s"), KEEL_CONFIG_OK);
    assert_int_equal(cfg.shutdown_timeout_ms, 5000);
    assert_int_equal(PARSE("--shutdown-timeout=1h"), KEEL_CONFIG_OK);
    assert_int_equal(cfg.shutdown_timeout_ms, 3600000);
}

static void
test_all_options_together(void **state)
{
    (void)state;
    assert_int_equal(PARSE("--root", "r", "--listen=l:1", "--workers", "8", "-d", "a=1", "--php-ini=p",
                           "--front-controller", "f.php", "--max-queue=7", "--max-wait", "9s", "--max-body=1G", "-db=2",
                           "--shutdown-timeout", "3m"),
                     KEEL_CONFIG_OK);
    assert_string_equal(cfg.root, "r");
    assert_string_equal(cfg.listen[0].host, "l");
    assert_int_equal(cfg.workers, 8);
    assert_string_equal(cfg.php_ini, "p");
    assert_string_equal(cfg.front_controller, "f.php");
    assert_int_equal(cfg.max_queue, 7);
    assert_int_equal(cfg.max_wait_ms, 9000);
    assert_int_equal(cfg.max_body, 1024 * 1024 * 1024);
    assert_int_equal(cfg.shutdown_timeout_ms, 180000);
    assert_int_equal(cfg.ini_count, 2);
    assert_string_equal(cfg.ini[0], "a=1");
    assert_string_equal(cfg.ini[1], "b=2");
}

static void
test_last_one_wins(void **state)
{
    (void)state;
    assert_int_equal(PARSE("--workers", "2", "--workers=3", "--root", "a", "--root", "b"), KEEL_CONFIG_OK);
    assert_int_equal(cfg.workers, 3);
    assert_string_equal(cfg.root, "b");
}

static void
test_ini_forms(void **state)
{
    (void)state;
    char d[] = "-d", kv[] = "memory_limit=256M", joined[] = "-ddisplay_errors=On";
    char *argv[] = {d, kv, joined};
    assert_int_equal(parse(3, argv), KEEL_CONFIG_OK);
    assert_int_equal(cfg.ini_count, 2);
    /* In order, pointing into argv. */
    assert_ptr_equal(cfg.ini[0], kv);
    assert_ptr_equal(cfg.ini[1], joined + 2);
    assert_string_equal(cfg.ini[1], "display_errors=On");

    /* Empty values and '=' inside the value are fine. */
    assert_int_equal(PARSE("-d", "error_log=", "-dk=a=b", "-d", "x.y=\"quoted value\""), KEEL_CONFIG_OK);
    assert_int_equal(cfg.ini_count, 3);
    assert_string_equal(cfg.ini[0], "error_log=");
    assert_string_equal(cfg.ini[1], "k=a=b");
    assert_string_equal(cfg.ini[2], "x.y=\"quoted value\"");
}

static void
test_ini_limit(void **state)
{
    (void)state;
    char *argv[2 * KEEL_MAX_INI_ENTRIES + 2];
    char d[] = "-d", kv[] = "k=v";
    for (size_t i = 0; i < COUNT(argv); i += 2) {
        argv[i] = d;
        argv[i + 1] = kv;
    }
    assert_int_equal(parse(2 * KEEL_MAX_INI_ENTRIES, argv), KEEL_CONFIG_OK);
    assert_int_equal(cfg.ini_count, KEEL_MAX_INI_ENTRIES);
    assert_int_equal(parse((int)COUNT(argv), argv), KEEL_CONFIG_ERROR);
    assert_non_null(strstr(errbuf, "-d"));
    assert_non_null(strstr(errbuf, "256"));
}

static void
test_help(void **state)
{
    (void)state;
    assert_int_equal(PARSE("--help"), KEEL_CONFIG_HELP);
    assert_int_equal(PARSE("-h"), KEEL_CONFIG_HELP);
    assert_int_equal(PARSE("--workers", "2", "--help"), KEEL_CONFIG_HELP);
    assert_int_equal(PARSE("-h", "--no-such-option"), KEEL_CONFIG_HELP);
    assert_int_equal(PARSE("--help", "--workers", "0"), KEEL_CONFIG_HELP);
}

static void
test_usage_lists_every_option(void **state)
{
    (void)state;
    const char *const names[] = {"keel serve",   "--root",     "--listen",           "--workers",
                                 "-d KEY=VALUE", "--php-ini",  "--front-controller", "--max-queue",
                                 "--max-wait",   "--max-body", "--shutdown-timeout", "--front-priority",
                                 "--help"};
    char *usage = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&usage, &len);
    assert_non_null(f);
    keel_serve_usage(f);
    assert_int_equal(fclose(f), 0);
    for (size_t i = 0; i < COUNT(names); i++)
        if (strstr(usage, names[i]) == NULL)
            fail_msg("usage does not mention %s", names[i]);
    free(usage);
}

typedef struct {
    int argc;
    const char *argv[4];
    const char *needles[2]; /* must both appear in the message */
} error_case_t;

static void
check_errors(const error_case_t *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        keel_config_result_t r = parse(cases[i].argc, (char *const *)cases[i].argv);
        if (r != KEEL_CONFIG_ERROR)
            fail_msg("case %zu (%s): result %d, want KEEL_CONFIG_ERROR", i, cases[i].argv[0], (int)r);
        if (errbuf[0] == '\0')
            fail_msg("case %zu (%s): empty error message", i, cases[i].argv[0]);
        for (size_t k = 0; k < 2; k++)
            if (cases[i].needles[k] && strstr(errbuf, cases[i].needles[k]) == NULL)
                fail_msg("case %zu: error \"%s\" does not mention \"%s\"", i, errbuf, cases[i].needles[k]);
    }
}

static void
test_bad_values(void **state)
{
    (void)state;
    static const error_case_t cases[] = {
        {2, {"--workers", "0"}, {"--workers", "'0'"}},
        {2, {"--workers", "1025"}, {"--workers", "'1025'"}},
        {1, {"--workers=abc"}, {"--workers", "'abc'"}},
        {2, {"--workers", ""}, {"--workers", "''"}},
        {2, {"--workers", "-1"}, {"--workers", "'-1'"}},
        {2, {"--workers", "4x"}, {"--workers", "'4x'"}},
        {2, {"--max-queue", "1000001"}, {"--max-queue", "'1000001'"}},
        {1, {"--max-queue=x"}, {"--max-queue", "'x'"}},
        {2, {"--max-wait", "10x"}, {"--max-wait", "'10x'"}},
        {1, {"--max-wait="}, {"--max-wait", "''"}},
        {2, {"--max-wait", "1.5s"}, {"--max-wait", "'1.5s'"}},
        {2, {"--max-body", "1T"}, {"--max-body", "'1T'"}},
        {1, {"--max-body=64MB"}, {"--max-body", "'64MB'"}},
        {2, {"--max-body", "18446744073709551616"}, {"--max-body", NULL}},
        {2, {"--shutdown-timeout", "1d"}, {"--shutdown-timeout", "'1d'"}},
        {1, {"--shutdown-timeout=-1s"}, {"--shutdown-timeout", "'-1s'"}},
        {2, {"--root", ""}, {"--root", NULL}},
        {1, {"--root="}, {"--root", NULL}},
        /* An error after good options is still an error. */
        {4, {"--workers", "2", "--max-body", "huge"}, {"--max-body", "'huge'"}},
    };
    check_errors(cases, COUNT(cases));
}

static void
test_bad_ini(void **state)
{
    (void)state;
    static const error_case_t cases[] = {
        {1, {"-d"}, {"-d", "KEY=VALUE"}},
        {2, {"-d", "novalue"}, {"-d", "'novalue'"}},
        {1, {"-dnovalue"}, {"-d", "'novalue'"}},
        {2, {"-d", "=v"}, {"-d", "'=v'"}},
        {1, {"-d=k=v"}, {"-d", NULL}},
        {2, {"-d", ""}, {"-d", NULL}},
        /* A line break would let one -d smuggle in a second php.ini entry. */
        {2, {"-d", "k=a\nb=c"}, {"-d", NULL}},
        {2, {"-d", "k=a\rb=c"}, {"-d", NULL}},
        {1, {"-dk\n=v"}, {"-d", NULL}},
        {3, {"-d", "a=1", "-d"}, {"-d", NULL}},
    };
    check_errors(cases, COUNT(cases));
}

static void
test_missing_values(void **state)
{
    (void)state;
    const char *const names[] = {"--root",      "--listen",   "--workers",  "--php-ini",         "--front-controller",
                                 "--max-queue", "--max-wait", "--max-body", "--shutdown-timeout"};
    for (size_t i = 0; i < COUNT(names); i++) {
        /* Alone, and as the last of several arguments. */
        error_case_t cases[2] = {
            {1, {names[i]}, {names[i], "value"}},
            {3, {"--workers", "2", names[i]}, {names[i], "value"}},
        };
        check_errors(cases, COUNT(cases));
    }
}

static void
test_unknown_options(void **state)
{
    (void)state;
    static const error_case_t cases[] = {
        {1, {"--bogus"}, {"'--bogus'", NULL}},
        {2, {"--bogus", "x"}, {"'--bogus'", NULL}},
        {1, {"--ROOT"}, {"'--ROOT'", NULL}},
        {2, {"--rootx", "/srv"}, {"'--rootx'", NULL}},
        {1, {"--root-dir=/srv"}, {"'--root-dir=/srv'", NULL}},
        {1, {"--workerz=2"}, {"'--workerz=2'", NULL}},
        {1, {"-x"}, {"'-x'", NULL}},
        {1, {"-"}, {"'-'", NULL}},
        {1, {"--"}, {"'--'", NULL}},
        {1, {"public"}, {"'public'", NULL}},
        {1, {""}, {"''", NULL}},
        {1, {"-help"}, {"'-help'", NULL}},
        {1, {"--help=yes"}, {"'--help=yes'", NULL}},
        {1, {"---root"}, {"'---root'", NULL}},
        {3, {"--root", "a", "b"}, {"'b'", NULL}},
    };
    check_errors(cases, COUNT(cases));
}

/* The exact text of every message: scripts and the integration tests match
 * on them, so the option table must keep them word for word. */
static void
test_error_messages_exact(void **state)
{
    (void)state;
    static const struct {
        int argc;
        const char *argv[6];
        const char *want;
    } cases[] = {
        {2, {"--workers", "0"}, "option --workers: expected auto or a number from 1 to 1024, got '0'"},
        {2, {"--classic-workers", "x"}, "option --classic-workers: expected a number from 1 to 1024, got 'x'"},
        {2, {"--front-priority", "21"}, "option --front-priority: expected a number from 0 to 20, got '21'"},
        {2,
         {"--max-consecutive-failures", "0"},
         "option --max-consecutive-failures: expected a number from 1 to 1000, got '0'"},
        {2, {"--max-requests", "x"}, "option --max-requests: expected a number, got 'x'"},
        {1, {"--max-requests-jitter=-1"}, "option --max-requests-jitter: expected a number, got '-1'"},
        {2, {"--max-worker-memory", "x"}, "option --max-worker-memory: expected a size like 256M, got 'x'"},
        {2, {"--max-worker-memory-hard", "x"}, "option --max-worker-memory-hard: expected a size like 512M, got 'x'"},
        {2, {"--ttl", "x"}, "option --ttl: expected a duration like 1h, got 'x'"},
        {2, {"--idle-ttl", "x"}, "option --idle-ttl: expected a duration like 10m, got 'x'"},
        {2, {"--request-timeout", "x"}, "option --request-timeout: expected a duration like 60s, got 'x'"},
        {2, {"--slow-request", "x"}, "option --slow-request: expected a duration like 5s, got 'x'"},
        {2, {"--max-wait", "x"}, "option --max-wait: expected a duration like 30s, got 'x'"},
        {2, {"--max-body", "x"}, "option --max-body: expected a size like 64M, got 'x'"},
        {2, {"--shutdown-timeout", "x"}, "option --shutdown-timeout: expected a duration like 30s, got 'x'"},
        {2, {"--max-queue", "x"}, "option --max-queue: expected a number from 0 to 1000000, got 'x'"},
        {2, {"--admin", ""}, "option --admin: expected HOST:PORT or off"},
        {2, {"--spool-dir", "tmp"}, "option --spool-dir: expected an absolute directory or off, got 'tmp'"},
        {2, {"--warmup", "health"}, "option --warmup: expected a path starting with /, got 'health'"},
        {2, {"--core-dir", "cores"}, "option --core-dir: expected an absolute directory, got 'cores'"},
        {2, {"--root", ""}, "option --root: empty path"},
        {1, {"--worker="}, "option --worker: empty path"},
        {1, {"-d"}, "option -d needs KEY=VALUE"},
        {1, {"-dx"}, "option -d: expected KEY=VALUE, got 'x'"},
        {1, {"--listen"}, "option --listen needs a value"},
        {1, {"--config"}, "option --config needs a value"},
        {1, {"--bogus"}, "unknown option '--bogus' (see keel serve --help)"},
        {1, {"--watch=true"}, "unknown option '--watch=true' (see keel serve --help)"},
        {4,
         {"--max-worker-memory", "2G", "--max-worker-memory-hard", "1G"},
         "--max-worker-memory is above --max-worker-memory-hard"},
        {6,
         {"--worker", "w.php", "--workers", "1024", "--classic-workers", "1"},
         "--workers plus --classic-workers exceeds 1024"},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        assert_int_equal(parse(cases[i].argc, (char *const *)cases[i].argv), KEEL_CONFIG_ERROR);
        if (strcmp(errbuf, cases[i].want) != 0)
            fail_msg("case %zu: \"%s\", want \"%s\"", i, errbuf, cases[i].want);
    }
}

static void
test_error_truncated(void **state)
{
    (void)state;
    char *argv[] = {"--a-rather-long-unknown-option-name"};
    char small[32];
    memset(small, 'Z', sizeof(small));
    keel_config_defaults(&cfg);
    assert_int_equal(keel_config_parse_serve(&cfg, 1, argv, small, 10), KEEL_CONFIG_ERROR);
    assert_int_equal(strlen(small), 9);
    for (size_t i = 10; i < sizeof(small); i++)
        assert_int_equal(small[i], 'Z');
}

/* config.h: "On error, writes one line (no newline) into errbuf." The
 * messages quote the offending argument, which may itself hold a newline. */
static void
test_error_is_one_line(void **state)
{
    (void)state;
    static const error_case_t cases[] = {
        {2, {"--workers", "1\n2"}, {"--workers", NULL}},
        {2, {"--max-body", "64M\nX"}, {"--max-body", NULL}},
        {2, {"-d", "k=a\nb=c"}, {"-d", NULL}},
        {1, {"--bogus\nINFO: all is well"}, {"--bogus", NULL}},
    };
    check_errors(cases, COUNT(cases));
    for (size_t i = 0; i < COUNT(cases); i++) {
        parse(cases[i].argc, (char *const *)cases[i].argv);
        if (strchr(errbuf, '\n') != NULL)
            fail_msg("case %zu: error message spans lines: \"%s\"", i, errbuf);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_no_options),
        cmocka_unit_test(test_string_options_both_forms),
        cmocka_unit_test(test_root),
        cmocka_unit_test(test_listen),
        cmocka_unit_test(test_tls_options),
        cmocka_unit_test(test_workers),
        cmocka_unit_test(test_worker_mode),
        cmocka_unit_test(test_ini_value),
        cmocka_unit_test(test_php_ini),
        cmocka_unit_test(test_front_controller),
        cmocka_unit_test(test_max_queue),
        cmocka_unit_test(test_max_wait),
        cmocka_unit_test(test_max_body),
        cmocka_unit_test(test_shutdown_timeout),
        cmocka_unit_test(test_front_priority),
        cmocka_unit_test(test_all_options_together),
        cmocka_unit_test(test_last_one_wins),
        cmocka_unit_test(test_ini_forms),
        cmocka_unit_test(test_ini_limit),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_usage_lists_every_option),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_bad_ini),
        cmocka_unit_test(test_missing_values),
        cmocka_unit_test(test_unknown_options),
        cmocka_unit_test(test_error_messages_exact),
        cmocka_unit_test(test_error_truncated),
        cmocka_unit_test(test_error_is_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
