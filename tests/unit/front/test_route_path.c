/* Tests for request path decoding, the PHP script prefix, the names never
 * sent as files and --no-php directories (front/route_path.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "front/route_path.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *
result_name(keel_path_result_t r)
{
    switch (r) {
    case KEEL_PATH_OK:
        return "OK";
    case KEEL_PATH_BAD_REQUEST:
        return "BAD_REQUEST";
    case KEEL_PATH_FORBIDDEN:
        return "FORBIDDEN";
    }
    return "?";
}

/* Decodes raw[0..len) from an exact-size copy into an output of exactly
 * len + 1 bytes, so over-reads and over-writes show under ASan. On OK,
 * *decoded is a malloc'd copy of the output. */
static keel_path_result_t
decode(const char *raw, size_t len, char **decoded)
{
    char *in = malloc(len ? len : 1), *out = malloc(len + 1);
    assert_non_null(in);
    assert_non_null(out);
    if (len)
        memcpy(in, raw, len);
    size_t out_len = (size_t)-1;
    keel_path_result_t r = keel_path_decode(in, len, out, &out_len);
    if (r == KEEL_PATH_OK) {
        assert_true(out_len <= len);
        assert_int_equal(out[out_len], '\0');
        assert_int_equal(strlen(out), out_len);
        if (decoded != NULL) {
            *decoded = malloc(out_len + 1);
            assert_non_null(*decoded);
            memcpy(*decoded, out, out_len + 1);
        }
    }
    free(in);
    free(out);
    return r;
}

typedef struct {
    const char *raw;
    const char *want;
} ok_case_t;

static void
check_ok(const ok_case_t *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *got = NULL;
        keel_path_result_t r = decode(cases[i].raw, strlen(cases[i].raw), &got);
        if (r != KEEL_PATH_OK)
            fail_msg("\"%s\": %s, want OK", cases[i].raw, result_name(r));
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("\"%s\": decoded to \"%s\", want \"%s\"", cases[i].raw, got, cases[i].want);
        free(got);
    }
}

static void
check_result(const char *const *raws, size_t n, keel_path_result_t want)
{
    for (size_t i = 0; i < n; i++) {
        keel_path_result_t r = decode(raws[i], strlen(raws[i]), NULL);
        if (r != want)
            fail_msg("\"%s\": %s, want %s", raws[i], result_name(r), result_name(want));
    }
}

static void
test_plain_paths(void **state)
{
    (void)state;
    static const ok_case_t cases[] = {
        {"/", "/"},
        {"/index.php", "/index.php"},
        {"/a/b/c", "/a/b/c"},
        {"/a/", "/a/"},
        {"/a.b/c.d", "/a.b/c.d"},
        {"/a./b..", "/a./b.."}, /* dots that do not start a segment */
        {"/a+b", "/a+b"},
        {"/caf\xc3\xa9", "/caf\xc3\xa9"},
        {"/a;b=c", "/a;b=c"},
    };
    check_ok(cases, COUNT(cases));
}

static void
test_merge_slashes(void **state)
{
    (void)state;
    static const ok_case_t cases[] = {
        {"//a///b", "/a/b"},       {"//", "/"}, {"///", "/"}, {"/a//", "/a/"}, {"//index.php", "/index.php"},
        {"/a//b//c//", "/a/b/c/"},
    };
    check_ok(cases, COUNT(cases));
}

static void
test_percent_decoding(void **state)
{
    (void)state;
    static const ok_case_t cases[] = {
        {"/%41%62c", "/Abc"},
        {"/a%20b", "/a b"},
        {"/%7e%7E", "/~~"}, /* both cases of hex digits */
        {"/caf%C3%A9", "/caf\xc3\xa9"},
        {"/%25", "/%"}, /* decoded once only */
        {"/%2541", "/%41"},
        {"/a%2Fb", "/a/b"}, /* an encoded slash separates segments too */
        {"/a%2f%2F/b", "/a/b"},
        {"/x%2e", "/x."},
        {"/a.%2e", "/a.."},
        {"/%ff", "/\xff"},
    };
    check_ok(cases, COUNT(cases));
}

static void
test_well_known_allowed(void **state)
{
    (void)state;
    static const ok_case_t cases[] = {
        {"/.well-known/x", "/.well-known/x"},
        {"/.well-known/acme-challenge/tok3n", "/.well-known/acme-challenge/tok3n"},
        {"/.well-known", "/.well-known"},
        {"/.well-known/", "/.well-known/"},
        {"//.well-known//x", "/.well-known/x"},
        {"/%2ewell-known/x", "/.well-known/x"},
        {"/%2Ewell%2Dknown/x", "/.well-known/x"},
    };
    check_ok(cases, COUNT(cases));
}

static void
test_dot_segments_resolved(void **state)
{
    (void)state;
    /* As nginx resolves them; encoded slashes and dots count the same. */
    static const ok_case_t cases[] = {
        {"/a/../b", "/b"},
        {"/a/..", "/"},
        {"/.", "/"},
        {"/./", "/"},
        {"/./a", "/a"},
        {"/a/./b", "/a/b"},
        {"/a/.", "/a/"},
        {"/%2e", "/"},
        {"/a/%2e%2e/b", "/b"},
        {"/a%2F..%2Fb", "/b"},
        {"/a%2f.", "/a/"},
        {"/a/b/../../c", "/c"},
        {"/a//..//b", "/b"},
        {"/.well-known/..", "/"},
        {"/sub/%2e%2e/x.php", "/x.php"},
    };
    check_ok(cases, COUNT(cases));
}

static void
test_climbing_above_the_root_is_bad(void **state)
{
    (void)state;
    static const char *const raws[] = {
        "/..",       "/../",   "/../etc/passwd", "//..//x",  "/%2e%2e",
        "/%2E%2E/x", "/.%2e/", "/%2e./x",        "/a/../..", "/a/b/../../../etc",
    };
    check_result(raws, COUNT(raws), KEEL_PATH_BAD_REQUEST);
}

static void
test_dotfiles_forbidden(void **state)
{
    (void)state;
    static const char *const raws[] = {
        "/.env",
        "/.env/",
        "/a/.git/x",
        "/a/.git",
        "/a/.git/",
        "/.htaccess",
        "/%2egit/config",
        "/..b",
        "/a/..b/c",
        "/.well-knownx/y",
        "/.well-know/y",
        "/.well-known-x",
        "/.WELL-KNOWN/x",
        "/.well-known/.hidden",
        "/.well-known/../.env",
        /* RFC 8615 defines it at the top level only */
        "/a/.well-known/x",
        "/a/.well-known",
        "/.well-known%2F..%2F.env",
    };
    check_result(raws, COUNT(raws), KEEL_PATH_FORBIDDEN);
}

static void
test_bad_requests(void **state)
{
    (void)state;
    static const char *const raws[] = {
        /* empty, or not starting with '/' */
        "",
        "a",
        "a/b",
        "index.php",
        "*",
        "http://example.com/x",
        "%2F",
        "%2fa",
        " /a",
        "./a",
        /* an encoded NUL */
        "/%00",
        "/a%00b",
        "/%00/x",
        "/a.php%00.txt",
        /* truncated escapes */
        "/%",
        "/%4",
        "/a%",
        "/a%2",
        "/x/%e",
        /* non-hex digits */
        "/%G0",
        "/%0G",
        "/%%",
        "/%%41",
        "/%-1",
        "/% 1",
        "/%+1",
        "/%x1",
        "/%1x",
        "/%\xc3\xa9",
    };
    check_result(raws, COUNT(raws), KEEL_PATH_BAD_REQUEST);
}

static void
test_literal_nul_bad_request(void **state)
{
    (void)state;
    /* A raw NUL inside the given length, not just an encoded one. */
    static const char raw[] = {'/', 'a', '\0', 'b'};
    assert_int_equal(decode(raw, sizeof(raw), NULL), KEEL_PATH_BAD_REQUEST);
    static const char raw2[] = {'/', '\0'};
    assert_int_equal(decode(raw2, sizeof(raw2), NULL), KEEL_PATH_BAD_REQUEST);
}

static void
test_length_is_respected(void **state)
{
    (void)state;
    char *got = NULL;
    /* Only the first len bytes count, whatever follows. */
    assert_int_equal(decode("/abc/../x", 4, &got), KEEL_PATH_OK);
    assert_string_equal(got, "/abc");
    free(got);
    /* An escape cut short by len is bad even if its digits follow. */
    assert_int_equal(decode("/a%41", 3, NULL), KEEL_PATH_BAD_REQUEST);
    assert_int_equal(decode("/a%41", 4, NULL), KEEL_PATH_BAD_REQUEST);
    assert_int_equal(decode("/a%41", 5, &got), KEEL_PATH_OK);
    assert_string_equal(got, "/aA");
    free(got);
    /* Cut short, ".well-known" is just another dotfile. */
    assert_int_equal(decode("/.well-known", 7, NULL), KEEL_PATH_FORBIDDEN);
}

static void
test_decode_output_exact_fit(void **state)
{
    (void)state;
    /* Nothing to decode: the output uses all len + 1 bytes. */
    const char raw[] = "/abcdefghijklmnopqrstuvwxyz/0123456789";
    char *got = NULL;
    assert_int_equal(decode(raw, strlen(raw), &got), KEEL_PATH_OK);
    assert_string_equal(got, raw);
    free(got);
}

/* ---- keel_path_php_prefix ---- */

typedef struct {
    const char *path;
    size_t want;
} prefix_case_t;

static void
test_php_prefix(void **state)
{
    (void)state;
    static const prefix_case_t cases[] = {
        {"/a.php", 6},
        {"/a.php/x", 6},
        {"/a.php/", 6},
        {"/a.php/x/y.php", 6}, /* the shortest prefix */
        {"/dir.php/b.php", 8},
        {"/index.php", 10},
        {"/dir/index.php/extra/info", 14},
        {"/a.phpx", 0},
        {"/a.phpx/b.php", 13},
        {"/a.php.txt", 0},
        {"/a.php.php", 10},
        {"/a..php", 7},
        {"/.php", 0}, /* ".php" alone names no script */
        {"/x/.php", 0},
        {"/x/.php/y", 0},
        {"/.php/a.php", 11},
        {"/a.PHP", 0},
        {"/a.ph", 0},
        {"/php", 0},
        {"/aphp", 0},
        {"/", 0},
        {"", 0},
        {"php", 0},
        {".php", 0},
        {"a.php", 5},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        size_t len = strlen(cases[i].path);
        /* Exact-size copy without a terminator: the function takes a length. */
        char *p = malloc(len ? len : 1);
        assert_non_null(p);
        memcpy(p, cases[i].path, len);
        size_t got = keel_path_php_prefix(p, len);
        if (got != cases[i].want)
            fail_msg("php_prefix(\"%s\") = %zu, want %zu", cases[i].path, got, cases[i].want);
        free(p);
    }
}

static void
test_php_prefix_respects_length(void **state)
{
    (void)state;
    assert_int_equal(keel_path_php_prefix("/a.php/x", 5), 0);
    assert_int_equal(keel_path_php_prefix("/a.phpx", 6), 6);
    assert_int_equal(keel_path_php_prefix("/a.php", 0), 0);
}

static void
test_decode_then_prefix(void **state)
{
    (void)state;
    char *got = NULL;
    assert_int_equal(decode("//app%2Ephp//x/", strlen("//app%2Ephp//x/"), &got), KEEL_PATH_OK);
    assert_string_equal(got, "/app.php/x/");
    size_t p = keel_path_php_prefix(got, strlen(got));
    assert_int_equal(p, 8);
    assert_int_equal(got[p], '/'); /* the remainder is PATH_INFO */
    free(got);
}

/* Checked from an exact-size copy, so a read past len shows under ASan. */
static int
php_source(const char *name)
{
    size_t n = strlen(name);
    char *copy = malloc(n ? n : 1);
    assert_non_null(copy);
    memcpy(copy, name, n);
    int r = keel_path_is_php_source(copy, n);
    free(copy);
    return r;
}

static void
test_php_source_names(void **state)
{
    (void)state;
    static const char *const refused[] = {
        "a.php",      "X.PHP",          "a.Php",   "a.phtml", "a.PHTML",         "a.php5",      "a.php7.4",
        "a.php3",     "a.phar",         "a.phps",  "a.pht",   "a.phpt",          "index.php~",  "a.php.bak",
        "a.php.orig", "shell.php;.jpg", "a.php,v", "#a.php#", "a.php.swp",       "a.phar.gz",   "b.tar.php",
        "a.php%20",   "a.php ",         "a.PHP5~", ".php",    "config.php.dist", "x.php-notes", "a.php:x",
    };
    static const char *const allowed[] = {
        "a.html",    "a.phpx", "phpinfo.txt",    "a.php5x", "php",       "a.ph", "a.pharmacy", "a.phtmlx",
        "php.ini",   "a_php",  "aphp",           "a-php",   "style.css", "a.js", "",           "a.",
        "a.phpinfo", "a.phtm", "notes.phpx.txt",
    };
    for (size_t i = 0; i < COUNT(refused); i++) {
        if (!php_source(refused[i]))
            fail_msg("%s should be PHP source", refused[i]);
    }
    for (size_t i = 0; i < COUNT(allowed); i++) {
        if (php_source(allowed[i]))
            fail_msg("%s should not be PHP source", allowed[i]);
    }
    /* only len bytes count */
    assert_true(keel_path_is_php_source("a.phpx", 5));
    assert_false(keel_path_is_php_source("a.php", 4));
}

static void
test_dotfile_in_target(void **state)
{
    (void)state;
    assert_true(keel_path_has_dotfile("/.env", 5));
    assert_true(keel_path_has_dotfile("/a/.git/config", 14));
    assert_true(keel_path_has_dotfile("/a/.well-known/x", 16)); /* only at the top */
    assert_false(keel_path_has_dotfile("/.well-known/x", 14));
    assert_false(keel_path_has_dotfile("/a/b.env", 8));
    assert_false(keel_path_has_dotfile("/a./b", 5));
    assert_false(keel_path_has_dotfile("/", 1));
    assert_false(keel_path_has_dotfile("/.env", 1)); /* only len bytes count */
}

static void
test_under_directory(void **state)
{
    (void)state;
    static const struct {
        const char *path, *dir;
        int want;
    } cases[] = {
        {"/uploads/x.php", "uploads", 1},
        {"/uploads/x.php", "/uploads/", 1},
        {"/uploads", "uploads", 1},
        {"/uploads/", "uploads//", 1},
        {"/uploads/a/b.php", "uploads", 1},
        {"/a/b/c.php", "a/b", 1},
        {"/uploadsx/x.php", "uploads", 0},
        {"/x/uploads/a.php", "uploads", 0},
        {"/a/bc/x.php", "a/b", 0},
        {"/Uploads/x.php", "uploads", 0},
        {"/upload", "uploads", 0},
        {"/x.php", "/", 0},
        {"/x.php", "", 0},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        int got = keel_path_is_under(cases[i].path, strlen(cases[i].path), cases[i].dir);
        if (got != cases[i].want)
            fail_msg("%s under %s: got %d", cases[i].path, cases[i].dir, got);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_paths),
        cmocka_unit_test(test_merge_slashes),
        cmocka_unit_test(test_percent_decoding),
        cmocka_unit_test(test_well_known_allowed),
        cmocka_unit_test(test_dot_segments_resolved),
        cmocka_unit_test(test_climbing_above_the_root_is_bad),
        cmocka_unit_test(test_dotfiles_forbidden),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_literal_nul_bad_request),
        cmocka_unit_test(test_length_is_respected),
        cmocka_unit_test(test_decode_output_exact_fit),
        cmocka_unit_test(test_php_prefix),
        cmocka_unit_test(test_php_prefix_respects_length),
        cmocka_unit_test(test_decode_then_prefix),
        cmocka_unit_test(test_php_source_names),
        cmocka_unit_test(test_dotfile_in_target),
        cmocka_unit_test(test_under_directory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
