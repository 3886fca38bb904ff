/* Tests for src/common/listen_addr.c (what --listen and --admin name) and
 * src/common/socket_activation.c (LISTEN_PID, LISTEN_FDS). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/listen_addr.h"
#include "common/socket_activation.h"

#define ALL (KEEL_LISTEN_ALLOW_SCHEME | KEEL_LISTEN_ALLOW_UNIX)

static keel_listen_addr_t a;
static char err[256];

static int
parse(const char *text, unsigned allow)
{
    memset(err, 0, sizeof(err));
    return keel_listen_addr_parse(text, strlen(text), allow, "--listen", &a, err, sizeof(err));
}

static void
test_tcp(void **state)
{
    (void)state;
    assert_int_equal(parse("127.0.0.1:8080", ALL), 0);
    assert_int_equal(a.family, KEEL_LISTEN_TCP);
    assert_false(a.tls);
    assert_string_equal(a.host, "127.0.0.1");
    assert_int_equal(a.port, 8080);
    assert_int_equal(parse("http://0.0.0.0:80", ALL), 0);
    assert_false(a.tls);
    assert_int_equal(a.port, 80);
    assert_int_equal(parse("https://[::]:443", ALL), 0);
    assert_true(a.tls);
    assert_string_equal(a.host, "::");
    assert_int_equal(a.port, 443);
    assert_int_equal(parse("[fe80::1%eth0]:8080", ALL), 0);
    assert_string_equal(a.host, "fe80::1%eth0");
    assert_int_equal(parse("localhost:65535", ALL), 0);
    assert_string_equal(a.host, "localhost");
    assert_int_equal(a.port, 65535);
    /* an empty host is every address; port 0 any free port */
    assert_int_equal(parse(":0", ALL), 0);
    assert_string_equal(a.host, "");
    assert_int_equal(a.port, 0);
    assert_int_equal(parse("127.0.0.1:00080", ALL), 0);
    assert_int_equal(a.port, 80);
}

static void
test_ports_out_of_range(void **state)
{
    (void)state;
    const char *bad[] = {"127.0.0.1:65536", "127.0.0.1:99999", "https://h:70000", "h:4294967297",
                         "h:18446744073709551617"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(parse(bad[i], ALL), -1);
        assert_non_null(strstr(err, "out of range"));
        assert_non_null(strstr(err, "--listen"));
        assert_non_null(strstr(err, bad[i]));
    }
    const char *junk[] = {
        "127.0.0.1:", "127.0.0.1",  "127.0.0.1:http", "127.0.0.1:-1", "127.0.0.1:+80",     "127.0.0.1: 80",
        "::1:80",     "[::1:80",    "[]:80",          "[::1]80",      "https://h:443/",    "h/x:80",
        "",           "ftp://h:21", "ho st:80",       "unix:",        "unix:relative.sock"};
    for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
        assert_int_equal(parse(junk[i], ALL), -1);
        assert_true(strlen(err) > 0);
        assert_null(strchr(err, '\n'));
    }
}

static void
test_unix(void **state)
{
    (void)state;
    assert_int_equal(parse("unix:/run/keel/http.sock", ALL), 0);
    assert_int_equal(a.family, KEEL_LISTEN_UNIX);
    assert_string_equal(a.path, "/run/keel/http.sock");
    char longest[6 + KEEL_LISTEN_PATH_MAX + 2] = "unix:/";
    memset(longest + 6, 'a', KEEL_LISTEN_PATH_MAX - 1);
    longest[5 + KEEL_LISTEN_PATH_MAX] = '\0';
    assert_int_equal(parse(longest, ALL), 0);
    assert_int_equal(strlen(a.path), KEEL_LISTEN_PATH_MAX);
    longest[5 + KEEL_LISTEN_PATH_MAX] = 'a';
    longest[6 + KEEL_LISTEN_PATH_MAX] = '\0';
    assert_int_equal(parse(longest, ALL), -1);
    assert_int_equal(parse("unix:/a\nb", ALL), -1);
    assert_null(strchr(err, '\n'));
}

static void
test_what_admin_accepts(void **state)
{
    (void)state;
    /* --admin: HOST:PORT only */
    assert_int_equal(parse("127.0.0.1:9180", 0), 0);
    assert_int_equal(parse("https://127.0.0.1:9180", 0), -1);
    assert_int_equal(parse("http://127.0.0.1:9180", 0), -1);
    assert_int_equal(parse("unix:/run/keel.sock", 0), -1);
    assert_int_equal(keel_listen_addr_parse("1.2.3.4:5\0", 10, 0, "--admin", &a, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "NUL"));
}

static void
test_format(void **state)
{
    (void)state;
    char out[300];
    assert_int_equal(parse("https://[::1]:0", ALL), 0);
    keel_listen_addr_format(&a, 8443, out, sizeof(out));
    assert_string_equal(out, "https://[::1]:8443");
    assert_int_equal(parse("unix:/x.sock", ALL), 0);
    keel_listen_addr_format(&a, 0, out, sizeof(out));
    assert_string_equal(out, "unix:/x.sock");
}

static void
test_socket_activation(void **state)
{
    (void)state;
    assert_int_equal(keel_socket_activation_count(NULL, NULL, 42, err, sizeof(err)), 0);
    assert_int_equal(keel_socket_activation_count("42", "2", 42, err, sizeof(err)), 2);
    /* meant for another process (a parent that did not unset them) */
    assert_int_equal(keel_socket_activation_count("41", "2", 42, err, sizeof(err)), 0);
    assert_int_equal(keel_socket_activation_count("42", NULL, 42, err, sizeof(err)), 0);
    assert_int_equal(keel_socket_activation_count("x", "2", 42, err, sizeof(err)), -1);
    assert_int_equal(keel_socket_activation_count("42", "two", 42, err, sizeof(err)), -1);
    assert_int_equal(keel_socket_activation_count("42", "-1", 42, err, sizeof(err)), -1);
    assert_int_equal(keel_socket_activation_count("42", "17", 42, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "at most"));
    assert_int_equal(keel_socket_activation_count("99999999999", "1", 42, err, sizeof(err)), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp),    cmocka_unit_test(test_ports_out_of_range),
        cmocka_unit_test(test_unix),   cmocka_unit_test(test_what_admin_accepts),
        cmocka_unit_test(test_format), cmocka_unit_test(test_socket_activation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
