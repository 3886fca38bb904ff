/*
 * Tests for the option table of `keel serve` (common/options.h): the table
 * is well formed, every option parses its default and edge values, --help
 * renders every option, and README.md's option table is the rendering.
 */
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

/* The lines around the generated table in README.md. */
#define README_BEGIN "<!-- serve-options: generated"
#define README_END   "<!-- /serve-options -->"

static keel_config_t cfg;
static char errbuf[256];

static keel_config_result_t
parse(int argc, char *const *argv)
{
    keel_config_defaults(&cfg);
    memset(errbuf, 0, sizeof(errbuf));
    return keel_config_parse_serve(&cfg, argc, argv, errbuf, sizeof(errbuf));
}

/* Parses `name value`, or `name` alone when value is NULL. */
static keel_config_result_t
parse_one(const char *name, const char *value)
{
    char *argv[] = {(char *)name, (char *)value};
    return parse(value ? 2 : 1, argv);
}

static keel_config_result_t
parse_joined(const char *name, const char *value, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s%s%s", name, name[1] == '-' ? "=" : "", value);
    char *argv[] = {buf};
    return parse(1, argv);
}

static uint64_t
uint_field(const keel_option_t *opt)
{
    const char *p = (const char *)&cfg + opt->field;
    if (opt->field_size == sizeof(unsigned))
        return *(const unsigned *)p;
    return *(const uint64_t *)p;
}

static const char *
str_field(const keel_option_t *opt)
{
    return *(const char *const *)((const char *)&cfg + opt->field);
}

static int
int_field(size_t offset)
{
    return *(const int *)((const char *)&cfg + offset);
}

static char *
render(void (*fn)(FILE *))
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    fn(f);
    assert_int_equal(fclose(f), 0);
    return text;
}

static int
is_ranged(const keel_option_t *opt)
{
    return opt->max != 0 && opt->max != KEEL_OPTION_UNBOUNDED;
}

static size_t
count_of(const char *haystack, const char *needle)
{
    size_t n = 0;
    for (const char *p = haystack; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static void
test_table_is_well_formed(void **state)
{
    (void)state;
    assert_true(keel_options_count > 0);
    for (size_t i = 0; i < keel_options_count; i++) {
        const keel_option_t *o = &keel_options[i];
        const char *n = o->name;
        assert_true(n[0] == '-');
        /* long options are "--word", short ones a single letter */
        assert_true(n[1] == '-' ? strlen(n) > 3 : strlen(n) == 2);
        assert_non_null(o->help);
        assert_true(o->help[0] != '\0');
        if ((o->kind == KEEL_OPTION_FLAG) != (o->arg == NULL))
            fail_msg("%s: a flag has no argument, and only a flag", n);
        if (o->def != NULL && o->def_doc != NULL)
            fail_msg("%s: the docs show either def or def_doc", n);
        if (o->kind == KEEL_OPTION_FLAG && (o->def != NULL || o->def_doc != NULL))
            fail_msg("%s: a flag is off unless given", n);
        for (size_t j = 0; j < i; j++) {
            const char *a = keel_options[j].name, *b = n;
            while (*a == '-')
                a++;
            while (*b == '-')
                b++;
            if (strcmp(a, b) == 0)
                fail_msg("%s and %s share the config file's name %s", keel_options[j].name, n, b);
        }
        /* the field has the size the kind stores */
        switch (o->kind) {
        case KEEL_OPTION_FLAG:
            assert_int_equal(o->field_size, sizeof(int));
            break;
        case KEEL_OPTION_UINT:
            assert_true(o->field_size == sizeof(unsigned) || o->field_size == sizeof(uint64_t));
            assert_true(o->min <= o->max);
            if (o->field_size == sizeof(unsigned))
                assert_true(o->max <= UINT32_MAX);
            break;
        case KEEL_OPTION_SIZE:
        case KEEL_OPTION_DURATION:
            assert_int_equal(o->field_size, sizeof(uint64_t));
            assert_non_null(o->example);
            break;
        case KEEL_OPTION_PATH:
        case KEEL_OPTION_STRING:
            assert_int_equal(o->field_size, sizeof(const char *));
            break;
        case KEEL_OPTION_INI:
            break;
        case KEEL_OPTION_SPECIAL:
            assert_non_null(o->set);
            break;
        }
        if (o->field_size != 0)
            assert_true(o->field + o->field_size <= sizeof(keel_config_t));
        if (o->has_explicit)
            assert_true(o->explicit_field + sizeof(int) <= sizeof(keel_config_t));
        /* the documented range is the enforced one, and named exactly once */
        size_t mentions = count_of(o->help, "{range}");
        if (is_ranged(o) && mentions != 1)
            fail_msg("%s: its help names {range} %zu times, want once", n, mentions);
        if (!is_ranged(o) && mentions != 0)
            fail_msg("%s: its help names {range} but it has none", n);
    }
}

/* The documented default is the one keel_config_defaults applies. */
static void
test_defaults_parse(void **state)
{
    (void)state;
    keel_config_t defaults;
    keel_config_defaults(&defaults);
    for (size_t i = 0; i < keel_options_count; i++) {
        const keel_option_t *o = &keel_options[i];
        if (o->def == NULL)
            continue;
        keel_config_t c;
        memset(&c, 0, sizeof(c));
        char err[256] = "";
        if (keel_option_set(o, &c, o->def, err, sizeof(err)) != 0)
            fail_msg("%s: default '%s' does not parse: %s", o->name, o->def, err);
        if (memcmp((char *)&c + o->field, (char *)&defaults + o->field, o->field_size) != 0)
            fail_msg("%s: keel_config_defaults does not apply '%s'", o->name, o->def);
        /* given on the command line, the default gives the same value */
        assert_int_equal(parse_one(o->name, o->def), KEEL_CONFIG_OK);
        if (memcmp((char *)&cfg + o->field, (char *)&defaults + o->field, o->field_size) != 0)
            fail_msg("%s %s differs from the default", o->name, o->def);
    }
    /* the explicit marks stay clear: only the user sets them */
    for (size_t i = 0; i < keel_options_count; i++)
        if (keel_options[i].has_explicit)
            assert_int_equal(*(int *)((char *)&defaults + keel_options[i].explicit_field), 0);
}

/* A UINT (or counting SPECIAL) option: its bounds parse, one past them is
 * refused with the message that names the range. */
static void
check_uint(const keel_option_t *o)
{
    char v[32], joined[96], want[160];
    snprintf(v, sizeof(v), "%llu", (unsigned long long)o->min);
    assert_int_equal(parse_one(o->name, v), KEEL_CONFIG_OK);
    assert_int_equal(uint_field(o), o->min);
    snprintf(v, sizeof(v), "%llu", (unsigned long long)o->max);
    assert_int_equal(parse_joined(o->name, v, joined, sizeof(joined)), KEEL_CONFIG_OK);
    assert_int_equal(uint_field(o), o->max);

    snprintf(v, sizeof(v), "%llu", (unsigned long long)o->max + 1);
    assert_int_equal(parse_one(o->name, v), KEEL_CONFIG_ERROR);
    if (o->max == KEEL_OPTION_UNBOUNDED)
        snprintf(want, sizeof(want), "option %s: expected a number, got '%s'", o->name, v);
    else if (o->kind == KEEL_OPTION_SPECIAL)
        snprintf(want, sizeof(want), "option %s: expected auto or a number from %llu to %llu, got '%s'", o->name,
                 (unsigned long long)o->min, (unsigned long long)o->max, v);
    else
        snprintf(want, sizeof(want), "option %s: expected a number from %llu to %llu, got '%s'", o->name,
                 (unsigned long long)o->min, (unsigned long long)o->max, v);
    assert_string_equal(errbuf, want);
    if (o->min > 0) {
        snprintf(v, sizeof(v), "%llu", (unsigned long long)o->min - 1);
        assert_int_equal(parse_one(o->name, v), KEEL_CONFIG_ERROR);
        assert_non_null(strstr(errbuf, o->name));
    }
}

static void
test_every_option_parses(void **state)
{
    (void)state;
    char joined[128], want[160];
    for (size_t i = 0; i < keel_options_count; i++) {
        const keel_option_t *o = &keel_options[i];
        switch (o->kind) {
        case KEEL_OPTION_FLAG:
            assert_int_equal(int_field(o->field), 0);
            assert_int_equal(parse_one(o->name, NULL), KEEL_CONFIG_OK);
            assert_int_equal(int_field(o->field), 1);
            /* a flag takes no value */
            assert_int_equal(parse_joined(o->name, "true", joined, sizeof(joined)), KEEL_CONFIG_ERROR);
            assert_non_null(strstr(errbuf, "unknown option"));
            continue;
        case KEEL_OPTION_UINT:
            check_uint(o);
            break;
        case KEEL_OPTION_SIZE:
            assert_int_equal(parse_one(o->name, "0"), KEEL_CONFIG_OK);
            assert_int_equal(uint_field(o), 0);
            assert_int_equal(parse_joined(o->name, "3G", joined, sizeof(joined)), KEEL_CONFIG_OK);
            assert_int_equal(uint_field(o), 3ull << 30);
            assert_int_equal(parse_one(o->name, o->example), KEEL_CONFIG_OK);
            assert_int_equal(parse_one(o->name, "1T"), KEEL_CONFIG_ERROR);
            snprintf(want, sizeof(want), "option %s: expected a size like %s, got '1T'", o->name, o->example);
            assert_string_equal(errbuf, want);
            break;
        case KEEL_OPTION_DURATION:
            assert_int_equal(parse_one(o->name, "0"), KEEL_CONFIG_OK);
            assert_int_equal(uint_field(o), 0);
            assert_int_equal(parse_joined(o->name, "2h", joined, sizeof(joined)), KEEL_CONFIG_OK);
            assert_int_equal(uint_field(o), 2 * 3600 * 1000);
            assert_int_equal(parse_one(o->name, "250ms"), KEEL_CONFIG_OK);
            assert_int_equal(uint_field(o), 250);
            assert_int_equal(parse_one(o->name, o->example), KEEL_CONFIG_OK);
            assert_int_equal(parse_one(o->name, "1d"), KEEL_CONFIG_ERROR);
            snprintf(want, sizeof(want), "option %s: expected a duration like %s, got '1d'", o->name, o->example);
            assert_string_equal(errbuf, want);
            break;
        case KEEL_OPTION_PATH:
        case KEEL_OPTION_STRING: {
            char value[] = "/srv/app";
            char *argv[] = {(char *)o->name, value};
            assert_int_equal(parse(2, argv), KEEL_CONFIG_OK);
            assert_ptr_equal(str_field(o), value);
            assert_int_equal(parse_joined(o->name, "/x", joined, sizeof(joined)), KEEL_CONFIG_OK);
            assert_ptr_equal(str_field(o), joined + strlen(o->name) + 1);
            if (o->kind == KEEL_OPTION_STRING || o->path_rule == KEEL_PATH_ANY) {
                assert_int_equal(parse_one(o->name, "relative"), KEEL_CONFIG_OK);
                assert_string_equal(str_field(o), "relative");
            } else if (o->path_rule == KEEL_PATH_NONEMPTY) {
                assert_int_equal(parse_one(o->name, "relative"), KEEL_CONFIG_OK);
                assert_int_equal(parse_one(o->name, ""), KEEL_CONFIG_ERROR);
                snprintf(want, sizeof(want), "option %s: empty path", o->name);
                assert_string_equal(errbuf, want);
            } else {
                assert_int_equal(parse_one(o->name, "relative"), KEEL_CONFIG_ERROR);
                assert_non_null(strstr(errbuf, o->name));
                assert_non_null(strstr(errbuf, "'relative'"));
            }
            break;
        }
        case KEEL_OPTION_INI:
            assert_int_equal(parse_one(o->name, "k=v"), KEEL_CONFIG_OK);
            assert_int_equal(cfg.ini_count, 1);
            assert_string_equal(cfg.ini[0], "k=v");
            assert_int_equal(parse_joined(o->name, "a=b", joined, sizeof(joined)), KEEL_CONFIG_OK);
            assert_string_equal(cfg.ini[0], "a=b");
            break;
        case KEEL_OPTION_SPECIAL:
            if (is_ranged(o))
                check_uint(o);
            break; /* the values of each are in test_special_options */
        }
        /* every option that takes a value says so when it is missing */
        char *alone[] = {(char *)o->name};
        assert_int_equal(parse(1, alone), KEEL_CONFIG_ERROR);
        snprintf(want, sizeof(want), "option %s needs %s", o->name,
                 o->kind == KEEL_OPTION_INI ? "KEY=VALUE" : "a value");
        assert_string_equal(errbuf, want);
        if (o->has_explicit) {
            assert_int_equal(parse(0, alone), KEEL_CONFIG_OK);
            assert_int_equal(int_field(o->explicit_field), 0);
        }
    }
}

static void
test_special_options(void **state)
{
    (void)state;
    assert_int_equal(parse_one("--workers", "auto"), KEEL_CONFIG_OK);
    assert_int_equal(cfg.workers, 0);
    assert_int_equal(parse_one("--max-workers", "auto"), KEEL_CONFIG_OK);
    assert_int_equal(cfg.max_workers, 0);
    assert_true(cfg.max_workers_auto);
    assert_int_equal(parse_one("--max-workers", "16"), KEEL_CONFIG_OK);
    assert_int_equal(cfg.max_workers, 16);
    assert_false(cfg.max_workers_auto);
    {
        /* the last one given wins */
        char *argv[] = {"--max-workers", "auto", "--max-workers", "8"};
        assert_int_equal(parse(4, argv), KEEL_CONFIG_OK);
        assert_int_equal(cfg.max_workers, 8);
        assert_false(cfg.max_workers_auto);
        char *both[] = {"--worker", "w.php", "--classic-workers", "1000", "--max-workers", "100"};
        assert_int_equal(parse(6, both), KEEL_CONFIG_ERROR);
        assert_string_equal(errbuf, "--max-workers plus --classic-workers exceeds 1024");
    }
    assert_int_equal(parse_one("--front-controller", "off"), KEEL_CONFIG_OK);
    assert_string_equal(cfg.front_controller, "");
    assert_int_equal(parse_one("--front-controller", "app.php"), KEEL_CONFIG_OK);
    assert_string_equal(cfg.front_controller, "app.php");

    assert_int_equal(parse_one("--spool-dir", "off"), KEEL_CONFIG_OK);
    assert_null(cfg.spool_dir);
    assert_true(cfg.spool_dir_explicit);
    assert_int_equal(parse_one("--spool-dir", "/srv/spool"), KEEL_CONFIG_OK);
    assert_string_equal(cfg.spool_dir, "/srv/spool");
    assert_true(cfg.spool_dir_explicit);
    assert_int_equal(parse_one("--spool-dir", "spool"), KEEL_CONFIG_ERROR);
    assert_string_equal(errbuf, "option --spool-dir: expected an absolute directory or off, got 'spool'");
    assert_int_equal(parse_one("--spool-dir", ""), KEEL_CONFIG_ERROR);

    assert_int_equal(parse_one("--admin", "off"), KEEL_CONFIG_OK);
    assert_null(cfg.admin);
    assert_true(cfg.admin_explicit);
    assert_int_equal(parse_one("--admin", "127.0.0.1:9999"), KEEL_CONFIG_OK);
    assert_string_equal(cfg.admin, "127.0.0.1:9999");
    assert_true(cfg.admin_explicit);
    assert_int_equal(parse_one("--admin", ""), KEEL_CONFIG_ERROR);
    assert_string_equal(errbuf, "option --admin: expected HOST:PORT or off");

    /* --no-php: repeatable, root-relative, no dot segments */
    char *no_php[] = {"--no-php", "uploads", "--no-php=/media/up/", "--no-php", "a/b"};
    assert_int_equal(parse(5, no_php), KEEL_CONFIG_OK);
    assert_int_equal(cfg.no_php_count, 3);
    assert_string_equal(cfg.no_php[0], "uploads");
    assert_string_equal(cfg.no_php[1], "/media/up/");
    assert_string_equal(cfg.no_php[2], "a/b");
    static const char *const bad_no_php[] = {"", "/", "//", "..", "a/../b", "./a", "a/."};
    for (size_t i = 0; i < COUNT(bad_no_php); i++) {
        assert_int_equal(parse_one("--no-php", bad_no_php[i]), KEEL_CONFIG_ERROR);
        assert_non_null(strstr(errbuf, "option --no-php: expected a directory under the root"));
    }
    char *many[2 * KEEL_MAX_NO_PHP + 2];
    for (size_t i = 0; i < KEEL_MAX_NO_PHP + 1; i++) {
        many[2 * i] = "--no-php";
        many[2 * i + 1] = "d";
    }
    assert_int_equal(parse(2 * KEEL_MAX_NO_PHP, many), KEEL_CONFIG_OK);
    assert_int_equal(parse(2 * KEEL_MAX_NO_PHP + 2, many), KEEL_CONFIG_ERROR);
    assert_non_null(strstr(errbuf, "too many entries"));

    assert_int_equal(parse_one("--max-header-size", "1K"), KEEL_CONFIG_OK);
    assert_int_equal(cfg.max_header_size, 1024);
    assert_int_equal(parse_one("--max-header-size", "408K"), KEEL_CONFIG_OK);
    assert_int_equal(cfg.max_header_size, 408 * 1024);
    assert_int_equal(parse_one("--max-header-size", "1023"), KEEL_CONFIG_ERROR);
    assert_string_equal(errbuf, "option --max-header-size: expected a size from 1K to 408K, got '1023'");
    assert_int_equal(parse_one("--max-header-size", "409K"), KEEL_CONFIG_ERROR);
    assert_int_equal(parse_one("--max-header-size", "big"), KEEL_CONFIG_ERROR);

    /* operating it */
    assert_null(cfg.access_log);
    assert_int_equal(parse_one("--access-log", "-"), KEEL_CONFIG_OK);
    assert_string_equal(cfg.access_log, "-");
    assert_int_equal(parse_one("--access-log", "/var/log/keel/access.log"), KEEL_CONFIG_OK);
    assert_string_equal(cfg.access_log, "/var/log/keel/access.log");
    assert_int_equal(parse_one("--access-log", "off"), KEEL_CONFIG_OK);
    assert_null(cfg.access_log);
    assert_int_equal(parse_one("--access-log", ""), KEEL_CONFIG_ERROR);
    assert_string_equal(errbuf, "option --access-log: expected a file, - or off");
    assert_int_equal(parse_one("--access-log-format", "json"), KEEL_CONFIG_OK);
    assert_true(cfg.access_log_json);
    assert_int_equal(parse_one("--access-log-format", "combined"), KEEL_CONFIG_OK);
    assert_false(cfg.access_log_json);
    assert_int_equal(parse_one("--access-log-format", "common"), KEEL_CONFIG_ERROR);
    assert_string_equal(errbuf, "option --access-log-format: expected combined or json, got 'common'");
    assert_true(cfg.compress);
    assert_int_equal(parse_one("--compress", "off"), KEEL_CONFIG_OK);
    assert_false(cfg.compress);
    assert_int_equal(parse_one("--compress", "yes"), KEEL_CONFIG_ERROR);
    assert_string_equal(errbuf, "option --compress: expected on or off, got 'yes'");
    assert_int_equal(parse_one("--metrics", "0.0.0.0:9181"), KEEL_CONFIG_OK);
    assert_string_equal(cfg.metrics, "0.0.0.0:9181");
    assert_int_equal(parse_one("--metrics", "off"), KEEL_CONFIG_OK);
    assert_null(cfg.metrics);
    {
        /* --trusted-proxy: repeatable, IPv4 and IPv6, parsed at once */
        char *argv[] = {"--trusted-proxy", "10.0.0.0/8", "--trusted-proxy=fd00::/8", "--trusted-proxy", "192.0.2.1"};
        assert_int_equal(parse(5, argv), KEEL_CONFIG_OK);
        assert_int_equal(cfg.trusted_proxy_count, 3);
        assert_int_equal(cfg.trusted_proxies[0].prefix, 96 + 8);
        assert_int_equal(cfg.trusted_proxies[1].prefix, 8);
        assert_int_equal(cfg.trusted_proxies[2].prefix, 128);
        assert_int_equal(parse_one("--trusted-proxy", "10.0.0.1/8"), KEEL_CONFIG_ERROR);
        assert_string_equal(errbuf, "option --trusted-proxy: expected an address or a range like 10.0.0.0/8 or "
                                    "fd00::/8 (no bits set past the prefix), or unix:, got '10.0.0.1/8'");
        /* unix: trusts the clients of unix: listeners, beside the ranges */
        assert_false(cfg.trusted_unix_peers);
        assert_int_equal(parse_one("--trusted-proxy", "unix:"), KEEL_CONFIG_OK);
        assert_true(cfg.trusted_unix_peers);
        assert_int_equal(parse_one("--trusted-proxy", "unix:/run/x.sock"), KEEL_CONFIG_ERROR);
        char *many[2 * KEEL_MAX_TRUSTED_PROXIES + 2];
        for (size_t i = 0; i < KEEL_MAX_TRUSTED_PROXIES + 1; i++) {
            many[2 * i] = "--trusted-proxy";
            many[2 * i + 1] = "10.0.0.0/8";
        }
        assert_int_equal(parse(2 * KEEL_MAX_TRUSTED_PROXIES, many), KEEL_CONFIG_OK);
        assert_int_equal(parse(2 * KEEL_MAX_TRUSTED_PROXIES + 2, many), KEEL_CONFIG_ERROR);
        assert_non_null(strstr(errbuf, "too many entries"));
    }

    /* --config is read by keel_config_load; here it only takes its value */
    keel_config_t before;
    keel_config_defaults(&before);
    assert_int_equal(parse_one("--config", "/etc/keel.conf"), KEEL_CONFIG_OK);
    assert_memory_equal(&cfg, &before, sizeof(cfg));
}

/* Each option's text as --help shows it, whitespace collapsed. */
static void
expected_help(const keel_option_t *o, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *s = o->help; *s && n + 64 < cap;) {
        if (strncmp(s, "{range}", 7) == 0) {
            n += (size_t)snprintf(out + n, cap - n, "%llu to %llu", (unsigned long long)o->min,
                                  (unsigned long long)o->max);
            s += 7;
        } else if (*s == '`') {
            s++;
        } else {
            out[n++] = *s++;
        }
    }
    out[n] = '\0';
    const char *def = o->def_doc ? o->def_doc : o->def;
    if (def != NULL) {
        n += (size_t)snprintf(out + n, cap - n, " (default: ");
        for (; *def && n + 2 < cap; def++)
            if (*def != '`')
                out[n++] = *def;
        snprintf(out + n, cap - n, ")");
    }
}

static void
collapse_spaces(char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        char c = *r == '\n' ? ' ' : *r;
        if (c == ' ' && w > s && w[-1] == ' ')
            continue;
        *w++ = c;
    }
    *w = '\0';
}

static void
test_help_renders_every_option(void **state)
{
    (void)state;
    char *usage = render(keel_serve_usage);
    assert_non_null(strstr(usage, "Usage: keel serve [options]\n"));
    assert_non_null(strstr(usage, "\n  -h, --help "));
    /* 79 columns at most */
    for (const char *line = usage; *line;) {
        const char *nl = strchr(line, '\n');
        assert_non_null(nl);
        if (nl - line > 79)
            fail_msg("line wider than 79 columns: %.*s", (int)(nl - line), line);
        line = nl + 1;
    }
    /* each option starts a line, in table order */
    const char *at = usage;
    for (size_t i = 0; i < keel_options_count; i++) {
        const keel_option_t *o = &keel_options[i];
        char synopsis[96];
        snprintf(synopsis, sizeof(synopsis), "\n  %s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        const char *p = strstr(at, synopsis);
        if (p == NULL)
            fail_msg("--help does not list %s (in table order)", synopsis + 3);
        char next = p[strlen(synopsis)];
        assert_true(next == ' ' || next == '\n');
        at = p + 1;
    }
    /* and its whole text, wrapped */
    collapse_spaces(usage);
    for (size_t i = 0; i < keel_options_count; i++) {
        char want[2048];
        expected_help(&keel_options[i], want, sizeof(want));
        if (strstr(usage, want) == NULL)
            fail_msg("--help lacks the text of %s: %s", keel_options[i].name, want);
    }
    free(usage);
}

static void
test_markdown_has_a_row_per_option(void **state)
{
    (void)state;
    char *md = render(keel_options_markdown);
    static const char head[] = "| option | default | meaning |\n|---|---|---|\n";
    assert_true(strncmp(md, head, sizeof(head) - 1) == 0);
    /* the header's two lines, a row per option, then a blank line and the units */
    assert_int_equal(count_of(md, "\n"), keel_options_count + 4);
    assert_non_null(strstr(md, "|\n\nSIZE takes `K`, `M` or `G`"));
    for (size_t i = 0; i < keel_options_count; i++) {
        char start[64];
        snprintf(start, sizeof(start), "\n| `%s", keel_options[i].name);
        assert_non_null(strstr(md, start));
    }
    /* '|' in a cell is escaped; ranges are filled in */
    assert_non_null(strstr(md, "| `--workers N\\|auto` | `4` |"));
    assert_null(strstr(md, "{range}"));
    assert_non_null(strstr(md, "nice steps (0 to 20)"));
    free(md);
}

static char *
read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    assert_non_null(mem);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        fwrite(buf, 1, n, mem);
    fclose(f);
    assert_int_equal(fclose(mem), 0);
    return text;
}

/* README.md's table, between its two marker lines, is the rendering:
 * scripts/update-readme-options.sh writes it. meson passes the path. */
static void
test_readme_table_is_generated(void **state)
{
    (void)state;
    const char *path = getenv("KEEL_README");
    if (path == NULL)
        skip();
    char *readme = read_text(path);
    char *begin = strstr(readme, "\n" README_BEGIN);
    if (begin == NULL)
        fail_msg("%s has no line starting with %s", path, README_BEGIN);
    begin = strchr(begin + 1, '\n');
    assert_non_null(begin);
    begin++;
    char *end = strstr(begin, "\n" README_END "\n");
    if (end == NULL)
        fail_msg("%s has no line %s after %s", path, README_END, README_BEGIN);
    end[1] = '\0';
    /* a blank line on either side, so the table is a block of its own */
    char *table = render(keel_options_markdown), *want = NULL;
    assert_true(asprintf(&want, "\n%s\n", table) > 0);
    free(table);
    if (strcmp(begin, want) != 0) {
        /* name the first line that differs */
        const char *a = begin, *b = want;
        while (*a && *a == *b)
            a++, b++;
        while (a > begin && a[-1] != '\n')
            a--, b--;
        fail_msg("README.md's option table differs from src/common/options.c (run "
                 "scripts/update-readme-options.sh):\nREADME:    %.*s\nrendering: %.*s",
                 (int)strcspn(a, "\n"), a, (int)strcspn(b, "\n"), b);
    }
    free(want);
    free(readme);
}

static void
test_lookup(void **state)
{
    (void)state;
    const char *value = "unset";
    assert_ptr_equal(keel_option_match("--root", &value), keel_option_find("root"));
    assert_null(value);
    assert_ptr_equal(keel_option_match("--root=/srv", &value), keel_option_find("root"));
    assert_string_equal(value, "/srv");
    assert_ptr_equal(keel_option_match("-dk=v", &value), keel_option_find("d"));
    assert_string_equal(value, "k=v");
    /* --worker is not a prefix of --workers */
    assert_ptr_equal(keel_option_match("--workers=2", &value), keel_option_find("workers"));
    assert_ptr_equal(keel_option_match("--worker=w.php", &value), keel_option_find("worker"));
    assert_null(keel_option_match("--watch=true", &value));
    assert_null(keel_option_match("--rootx", &value));
    assert_null(keel_option_match("--help", &value));
    assert_null(keel_option_match("-h", &value));
    assert_null(keel_option_find("help"));
    assert_null(keel_option_find("--root"));
    assert_null(keel_option_find(""));
    for (size_t i = 0; i < keel_options_count; i++) {
        const char *bare = keel_options[i].name;
        while (*bare == '-')
            bare++;
        assert_ptr_equal(keel_option_find(bare), &keel_options[i]);
        assert_ptr_equal(keel_option_match(keel_options[i].name, &value), &keel_options[i]);
    }
}

static void
test_error_is_one_line_and_bounded(void **state)
{
    (void)state;
    char err[16];
    memset(err, 'Z', sizeof(err));
    assert_int_equal(keel_option_error(err, 8, "a\nb\tc %s", "\x1b[31m"), -1);
    assert_string_equal(err, "a?b?c ?");
    assert_int_equal(err[8], 'Z');
    /* nothing written when there is no room */
    assert_int_equal(keel_option_error(err, 0, "x"), -1);
    assert_int_equal(err[8], 'Z');
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_is_well_formed),          cmocka_unit_test(test_defaults_parse),
        cmocka_unit_test(test_every_option_parses),           cmocka_unit_test(test_special_options),
        cmocka_unit_test(test_help_renders_every_option),     cmocka_unit_test(test_markdown_has_a_row_per_option),
        cmocka_unit_test(test_readme_table_is_generated),     cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_error_is_one_line_and_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
