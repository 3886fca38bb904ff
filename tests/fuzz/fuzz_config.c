/*
 * Fuzzes the `keel serve` command line: the input, split on NUL bytes, is
 * argv (without the program name). The resulting config must satisfy the
 * limits the parser enforces, the -d entries must survive the trip into
 * php.ini text, and each piece is also fed to the unit parsers, whose
 * answers are compared with a straightforward re-derivation.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/config.h"
#include "common/options.h"
#include "common/ini.h"
#include "common/units.h"
#include "fuzz_check.h"

/* Enough for more than KEEL_MAX_INI_ENTRIES "-d" pairs. */
#define MAX_ARGS  1024
#define MAX_INPUT 16384

/* Splits "digits suffix"; returns 0 if the digits are non-empty and fit. */
static int
split_number(const char *s, uint64_t *v, const char **suffix)
{
    uint64_t acc = 0;
    size_t i = 0;
    for (; s[i] >= '0' && s[i] <= '9'; i++) {
        if (__builtin_mul_overflow(acc, 10, &acc) || __builtin_add_overflow(acc, (uint64_t)(s[i] - '0'), &acc))
            return -1;
    }
    *v = acc;
    *suffix = s + i;
    return i > 0 ? 0 : -1;
}

/* The expected result of a unit parser for s, given its suffix table. */
static int
expect_scaled(const char *s, const char *const *suffixes, const uint64_t *muls, size_t n, uint64_t *out)
{
    uint64_t v;
    const char *suffix;
    if (split_number(s, &v, &suffix) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (strcmp(suffix, suffixes[i]) == 0)
            return __builtin_mul_overflow(v, muls[i], out) ? -1 : 0;
    return -1;
}

static void
check_units(const char *s)
{
    static const char *const size_sfx[] = {"", "B", "b", "K", "k", "M", "m", "G", "g"};
    static const uint64_t size_mul[] = {1,          1,          1,          1ull << 10, 1ull << 10,
                                        1ull << 20, 1ull << 20, 1ull << 30, 1ull << 30};
    static const char *const dur_sfx[] = {"", "ms", "s", "m", "h"};
    static const uint64_t dur_mul[] = {1000, 1, 1000, 60000, 3600000};
    uint64_t got = 0, want = 0;

    int r = keel_parse_size(s, &got);
    CHECK(r == 0 || r == -1);
    CHECK(r == expect_scaled(s, size_sfx, size_mul, 9, &want));
    if (r == 0)
        CHECK(got == want);

    r = keel_parse_duration_ms(s, &got);
    CHECK(r == 0 || r == -1);
    CHECK(r == expect_scaled(s, dur_sfx, dur_mul, 5, &want));
    if (r == 0)
        CHECK(got == want);

    static const char *const none[] = {""};
    static const uint64_t one[] = {1};
    int plain = expect_scaled(s, none, one, 1, &want);
    CHECK(keel_parse_uint(s, 0, UINT64_MAX, &got) == plain);
    if (plain == 0)
        CHECK(got == want);
    int in_range = plain == 0 && want >= 1 && want <= KEEL_MAX_WORKERS;
    CHECK(keel_parse_uint(s, 1, KEEL_MAX_WORKERS, &got) == (in_range ? 0 : -1));
}

/* php.ini text for arbitrary entries: its size follows from the quoting
 * rule in ini.h (C locale, so "letter or digit" means ASCII). */
static void
check_ini(const char *const *entries, size_t count)
{
    size_t want = 0;
    for (size_t i = 0; i < count; i++) {
        const char *eq = strchr(entries[i], '=');
        size_t n = strlen(entries[i]);
        if (eq == NULL) {
            want += n + 3; /* "=1\n" */
            continue;
        }
        unsigned char c = (unsigned char)eq[1];
        int plain = c == '\0' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '"' || c == '\'';
        want += n + 1 + (plain ? 0 : 2);
    }
    char *text = keel_ini_entries_build(entries, count);
    CHECK(text != NULL);
    CHECK(strlen(text) == want);
    free(text);
}

/* True if p points into one of the argument strings. */
static int
points_into(const char *p, char *const *argv, int argc)
{
    for (int i = 0; i < argc; i++)
        if (p >= argv[i] && p <= argv[i] + strlen(argv[i]))
            return 1;
    return 0;
}

static void
check_config(char *const *argv, int argc)
{
    keel_config_t cfg;
    char errbuf[160];
    keel_config_defaults(&cfg);
    memset(errbuf, 0, sizeof(errbuf));
    keel_config_result_t r = keel_config_parse_serve(&cfg, argc, argv, errbuf, sizeof(errbuf));

    if (r == KEEL_CONFIG_ERROR) {
        CHECK(errbuf[0] != '\0');
        CHECK(memchr(errbuf, '\0', sizeof(errbuf)) != NULL);
        /* Not checked here: that the message is one line. It quotes the
         * argument verbatim; tests/unit/common/test_config.c covers it. */
        return;
    }
    if (r == KEEL_CONFIG_HELP) {
        int asked = 0;
        for (int i = 0; i < argc; i++)
            asked |= strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0;
        CHECK(asked);
        return;
    }
    CHECK(r == KEEL_CONFIG_OK);
    CHECK(cfg.workers <= KEEL_MAX_WORKERS); /* 0: --workers auto */
    CHECK(cfg.max_queue <= 1000000);
    CHECK(cfg.root != NULL && cfg.root[0] != '\0');
    CHECK(cfg.listen_count >= 1 && cfg.listen_count <= KEEL_MAX_LISTEN && cfg.front_controller != NULL);
    CHECK(strcmp(cfg.root, ".") == 0 || points_into(cfg.root, argv, argc));
    CHECK(cfg.php_ini == NULL || points_into(cfg.php_ini, argv, argc));
    CHECK(cfg.ini_count <= KEEL_MAX_INI_ENTRIES);
    for (size_t i = 0; i < cfg.ini_count; i++) {
        const char *e = cfg.ini[i], *eq = strchr(e, '=');
        CHECK(points_into(e, argv, argc));
        CHECK(eq != NULL && eq != e);
        CHECK(strpbrk(e, "\r\n") == NULL);
    }
    /* --env and --param: KEY=VALUE with a key, from argv; --param never
     * names the script, the request or a header */
    CHECK(cfg.env_count <= KEEL_MAX_ENV && cfg.param_count <= KEEL_MAX_PARAMS);
    for (size_t i = 0; i < cfg.env_count; i++) {
        const char *eq = strchr(cfg.env[i], '=');
        CHECK(points_into(cfg.env[i], argv, argc) && eq != NULL && eq != cfg.env[i]);
    }
    for (size_t i = 0; i < cfg.param_count; i++) {
        const char *p = cfg.params[i], *eq = strchr(p, '=');
        CHECK(points_into(p, argv, argc) && eq != NULL && eq != p);
        CHECK(strncmp(p, "HTTP_", 5) != 0 && strncmp(p, "SCRIPT_FILENAME=", 16) != 0 &&
              strncmp(p, "REQUEST_URI=", 12) != 0 && strncmp(p, "DOCUMENT_ROOT=", 14) != 0);
    }
    CHECK(cfg.symlinks == KEEL_SYMLINKS_WITHIN_ROOT || cfg.symlinks == KEEL_SYMLINKS_OWNER ||
          cfg.symlinks == KEEL_SYMLINKS_FOLLOW);
    CHECK(cfg.watch_ignore_count <= KEEL_MAX_WATCH_IGNORE);
    for (size_t i = 0; i < cfg.watch_ignore_count; i++)
        CHECK(points_into(cfg.watch_ignore[i], argv, argc) && strstr(cfg.watch_ignore[i], "..") == NULL);
    /* Accepted entries become exactly one php.ini line each. */
    char *text = keel_ini_entries_build(cfg.ini, cfg.ini_count);
    CHECK(text != NULL);
    size_t lines = 0;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    CHECK(lines == cfg.ini_count);
    free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_INPUT)
        return 0;
    /* Each argument in its own exact-size allocation, so reading past the
     * terminator is caught instead of landing in the next argument. */
    char *argv[MAX_ARGS + 1];
    int argc = 0;
    size_t start = 0;
    while (start < size && argc < MAX_ARGS) {
        const uint8_t *nul = memchr(data + start, '\0', size - start);
        size_t n = nul ? (size_t)(nul - (data + start)) : size - start;
        char *arg = malloc(n + 1);
        CHECK(arg != NULL);
        memcpy(arg, data + start, n);
        arg[n] = '\0';
        argv[argc++] = arg;
        start += n + 1;
    }
    argv[argc] = NULL;

    check_config(argv, argc);
    for (int i = 0; i < argc; i++)
        check_units(argv[i]);
    check_ini((const char *const *)argv, (size_t)argc);

    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return 0;
}
