/* Tests for src/front/host_check.c: Host values nginx refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "front/host_check.h"

static int
ok(const char *host)
{
    return keel_http_host_ok(host, strlen(host));
}

static void
test_names_nginx_accepts(void **state)
{
    (void)state;
    assert_true(ok("example.com"));
    assert_true(ok("example.com:8080"));
    assert_true(ok("EXAMPLE.com."));
    assert_true(ok("127.0.0.1:80"));
    assert_true(ok("[::1]:8080"));
    assert_true(ok("[::1]"));
    assert_true(ok("a_b-c"));
    assert_true(ok("a\\b"));
    assert_true(ok("user@host"));
    assert_true(ok("b\xc3\xbc"
                   "cher.de"));
    assert_true(ok(".leading"));
    /* after ':' only separators and controls are refused */
    assert_true(ok("a:b:c"));
}

static void
test_names_nginx_refuses(void **state)
{
    (void)state;
    assert_false(ok(""));
    assert_false(ok(":80"));
    assert_false(ok("."));
    assert_false(ok(".:80"));
    assert_false(ok("evil.com/../x"));
    assert_false(ok("a/b"));
    assert_false(ok("a..b"));
    assert_false(ok("a b"));
    assert_false(ok("a\tb"));
    assert_false(ok("a\x7f"));
    assert_false(ok("a\x01"));
    assert_false(ok("a:80/x"));
    assert_false(keel_http_host_ok("a\0b", 3));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_nginx_accepts),
        cmocka_unit_test(test_names_nginx_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
