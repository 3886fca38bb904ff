/* Tests for who may ask what of the admin listener (front/admin_guard.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "front/admin_guard.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static keel_admin_text_t
text(const char *s)
{
    return (keel_admin_text_t){s, s ? strlen(s) : 0};
}

typedef struct {
    const char *method, *target, *host, *origin, *site, *auth, *type;
} req_t;

static keel_admin_verdict_t
check(req_t q, const char *token)
{
    keel_admin_request_t r = {
        .method = text(q.method),
        .target = text(q.target),
        .host = text(q.host),
        .origin = text(q.origin),
        .sec_fetch_site = text(q.site),
        .authorization = text(q.auth),
        .content_type = text(q.type),
    };
    return keel_admin_check(&r, token, token ? strlen(token) : 0);
}

static void
test_the_three_pages(void **state)
{
    (void)state;
    assert_int_equal(check((req_t){.method = "GET", .target = "/status", .host = "127.0.0.1:9180"}, NULL),
                     KEEL_ADMIN_STATUS);
    assert_int_equal(check((req_t){.method = "HEAD", .target = "/status", .host = NULL}, NULL), KEEL_ADMIN_STATUS);
    assert_int_equal(check((req_t){.method = "GET", .target = "/metrics?x=1", .host = "localhost:9180"}, NULL),
                     KEEL_ADMIN_METRICS);
    assert_int_equal(
        check((req_t){.method = "POST", .target = "/reload", .host = "[::1]:9180", .type = "application/json"}, NULL),
        KEEL_ADMIN_RELOAD);
}

static void
test_only_canonical_paths(void **state)
{
    (void)state;
    static const char *const targets[] = {"/x/../reload", "/%72eload", "//reload",   "/reload/", "/./reload",
                                          "/RELOAD",      "reload",    "/reload%00", "",         "/status/x"};
    for (size_t i = 0; i < COUNT(targets); i++) {
        keel_admin_verdict_t v = check(
            (req_t){.method = "POST", .target = targets[i], .host = "127.0.0.1", .type = "application/json"}, NULL);
        if (v != KEEL_ADMIN_NOT_FOUND)
            fail_msg("%s: verdict %d", targets[i], (int)v);
    }
}

static void
test_methods(void **state)
{
    (void)state;
    assert_int_equal(check((req_t){.method = "GET", .target = "/reload", .host = "127.0.0.1"}, NULL),
                     KEEL_ADMIN_BAD_METHOD);
    assert_int_equal(
        check((req_t){.method = "POST", .target = "/status", .host = "127.0.0.1", .type = "application/json"}, NULL),
        KEEL_ADMIN_BAD_METHOD);
    assert_int_equal(check((req_t){.method = "OPTIONS", .target = "/reload", .host = "127.0.0.1"}, NULL),
                     KEEL_ADMIN_BAD_METHOD);
    assert_int_equal(check((req_t){.method = "get", .target = "/status", .host = "127.0.0.1"}, NULL),
                     KEEL_ADMIN_BAD_METHOD);
}

static void
test_post_needs_a_type_no_form_sends(void **state)
{
    (void)state;
    static const char *const form[] = {NULL,
                                       "text/plain",
                                       "TEXT/PLAIN; charset=utf-8",
                                       " application/x-www-form-urlencoded",
                                       "multipart/form-data; boundary=x",
                                       "",
                                       ";"};
    for (size_t i = 0; i < COUNT(form); i++) {
        keel_admin_verdict_t v =
            check((req_t){.method = "POST", .target = "/reload", .host = "127.0.0.1", .type = form[i]}, NULL);
        if (v != KEEL_ADMIN_FORM_POST)
            fail_msg("Content-Type %s: verdict %d", form[i] ? form[i] : "(none)", (int)v);
    }
    assert_int_equal(check((req_t){.method = "POST",
                                   .target = "/reload",
                                   .host = "127.0.0.1",
                                   .type = "application/json; charset=utf-8"},
                           NULL),
                     KEEL_ADMIN_RELOAD);
    assert_int_equal(
        check((req_t){.method = "POST", .target = "/reload", .host = "127.0.0.1", .type = "text/plainx"}, NULL),
        KEEL_ADMIN_RELOAD);
}

static void
test_cross_site_requests(void **state)
{
    (void)state;
    /* a page of another site */
    assert_int_equal(check((req_t){.method = "POST",
                                   .target = "/reload",
                                   .host = "127.0.0.1:9180",
                                   .origin = "http://evil.example",
                                   .type = "application/json"},
                           NULL),
                     KEEL_ADMIN_CROSS_SITE);
    assert_int_equal(
        check((req_t){.method = "GET", .target = "/status", .host = "127.0.0.1:9180", .origin = "null"}, NULL),
        KEEL_ADMIN_CROSS_SITE);
    assert_int_equal(
        check((req_t){.method = "GET", .target = "/status", .host = "127.0.0.1:9180", .site = "cross-site"}, NULL),
        KEEL_ADMIN_CROSS_SITE);
    assert_int_equal(
        check((req_t){.method = "GET", .target = "/status", .host = "127.0.0.1:9180", .site = "same-site"}, NULL),
        KEEL_ADMIN_CROSS_SITE);
    /* the same origin, or typed into the address bar */
    assert_int_equal(
        check(
            (req_t){.method = "GET", .target = "/status", .host = "127.0.0.1:9180", .origin = "http://127.0.0.1:9180"},
            NULL),
        KEEL_ADMIN_STATUS);
    assert_int_equal(
        check((req_t){.method = "GET", .target = "/status", .host = "127.0.0.1:9180", .site = "none"}, NULL),
        KEEL_ADMIN_STATUS);
    assert_int_equal(
        check((req_t){.method = "GET", .target = "/status", .host = "127.0.0.1:9180", .site = "same-origin"}, NULL),
        KEEL_ADMIN_STATUS);
    /* an Origin without a Host to match */
    assert_int_equal(
        check((req_t){.method = "GET", .target = "/status", .host = NULL, .origin = "http://127.0.0.1"}, NULL),
        KEEL_ADMIN_CROSS_SITE);
    /* DNS rebinding: same origin for the browser, but a name that is not loopback */
    assert_int_equal(check((req_t){.method = "GET",
                                   .target = "/status",
                                   .host = "rebind.evil.example:9180",
                                   .origin = "http://rebind.evil.example:9180"},
                           NULL),
                     KEEL_ADMIN_CROSS_SITE);
    assert_int_equal(check((req_t){.method = "GET", .target = "/status", .host = "evil.example"}, NULL),
                     KEEL_ADMIN_CROSS_SITE);
}

static void
test_loopback_hosts(void **state)
{
    (void)state;
    static const char *const yes[] = {"127.0.0.1",   "127.0.0.1:9180", "127.1.2.3:80", "localhost",
                                      "LocalHost:1", "[::1]",          "[::1]:9180"};
    static const char *const no[] = {"127.0.0.1.evil.example",
                                     "localhost.evil.example",
                                     "10.0.0.1",
                                     "[::2]:1",
                                     "127.0.0.1:",
                                     "127.0.0.1:x",
                                     "0127.0.0.1",
                                     "127.0.0",
                                     "127.0.0.256",
                                     "[::1",
                                     "",
                                     "[::1]x",
                                     "127.0.0.1:123456"};
    for (size_t i = 0; i < COUNT(yes); i++)
        if (!keel_admin_host_is_loopback(yes[i], strlen(yes[i])))
            fail_msg("%s should be loopback", yes[i]);
    for (size_t i = 0; i < COUNT(no); i++)
        if (keel_admin_host_is_loopback(no[i], strlen(no[i])))
            fail_msg("%s should not be loopback", no[i]);
}

static void
test_token(void **state)
{
    (void)state;
    const char *token = "s3cret-Token_1";
    assert_int_equal(
        check((req_t){.method = "GET", .target = "/status", .host = "10.0.0.5:9180", .auth = "Bearer s3cret-Token_1"},
              token),
        KEEL_ADMIN_STATUS);
    assert_int_equal(
        check(
            (req_t){.method = "GET", .target = "/status", .host = "keel.internal", .auth = "bearer   s3cret-Token_1 "},
            token),
        KEEL_ADMIN_STATUS);
    static const char *const wrong[] = {NULL,
                                        "",
                                        "Bearer",
                                        "Bearer ",
                                        "Bearer s3cret-Token_",
                                        "Bearer s3cret-Token_12",
                                        "Bearer S3cret-Token_1",
                                        "Basic s3cret-Token_1",
                                        "Bearers3cret-Token_1",
                                        "s3cret-Token_1"};
    for (size_t i = 0; i < COUNT(wrong); i++) {
        keel_admin_verdict_t v =
            check((req_t){.method = "GET", .target = "/status", .host = "127.0.0.1", .auth = wrong[i]}, token);
        if (v != KEEL_ADMIN_UNAUTHORIZED)
            fail_msg("Authorization %s: verdict %d", wrong[i] ? wrong[i] : "(none)", (int)v);
    }
    /* the token does not excuse another site's page */
    assert_int_equal(check((req_t){.method = "POST",
                                   .target = "/reload",
                                   .host = "127.0.0.1",
                                   .origin = "http://evil.example",
                                   .auth = "Bearer s3cret-Token_1",
                                   .type = "application/json"},
                           token),
                     KEEL_ADMIN_CROSS_SITE);
    /* nor a form's POST */
    assert_int_equal(check((req_t){.method = "POST",
                                   .target = "/reload",
                                   .host = "127.0.0.1",
                                   .auth = "Bearer s3cret-Token_1",
                                   .type = "text/plain"},
                           token),
                     KEEL_ADMIN_FORM_POST);
    /* and nothing is said about paths without it */
    assert_int_equal(check((req_t){.method = "GET", .target = "/nothing", .host = "127.0.0.1"}, token),
                     KEEL_ADMIN_UNAUTHORIZED);
}

static void
test_dashboard(void **state)
{
    (void)state;
    const char *token = "s3cret-Token_1";
    /* the page and its files need no token: a browser cannot send one
     * when it navigates; they hold no data */
    static const char *const page[] = {"/", "/?x=1", "/assets/dashboard.js", "/assets/favicon.svg",
                                       "/assets/no-such-file.css"};
    for (size_t i = 0; i < COUNT(page); i++) {
        if (check((req_t){.method = "GET", .target = page[i], .host = "10.0.0.5:9180"}, token) != KEEL_ADMIN_PAGE)
            fail_msg("%s should be the page, without a token", page[i]);
        if (check((req_t){.method = "HEAD", .target = page[i], .host = "127.0.0.1:9180"}, NULL) != KEEL_ADMIN_PAGE)
            fail_msg("%s should be the page", page[i]);
    }
    /* the data does */
    assert_int_equal(check((req_t){.method = "GET", .target = "/dashboard.json", .host = "10.0.0.5:9180"}, token),
                     KEEL_ADMIN_UNAUTHORIZED);
    assert_int_equal(check((req_t){.method = "GET",
                                   .target = "/dashboard.json?samples_after=3",
                                   .host = "10.0.0.5:9180",
                                   .auth = "Bearer s3cret-Token_1"},
                           token),
                     KEEL_ADMIN_DASHBOARD);
    assert_int_equal(check((req_t){.method = "GET", .target = "/dashboard.json", .host = "127.0.0.1:9180"}, NULL),
                     KEEL_ADMIN_DASHBOARD);
    /* the other rules still hold for the page */
    assert_int_equal(
        check((req_t){.method = "GET", .target = "/", .host = "127.0.0.1:9180", .site = "cross-site"}, token),
        KEEL_ADMIN_CROSS_SITE);
    assert_int_equal(check((req_t){.method = "GET", .target = "/", .host = "rebound.example:9180"}, NULL),
                     KEEL_ADMIN_CROSS_SITE);
    assert_int_equal(
        check((req_t){.method = "POST", .target = "/", .host = "127.0.0.1", .type = "application/json"}, NULL),
        KEEL_ADMIN_BAD_METHOD);
    assert_int_equal(
        check((req_t){.method = "POST", .target = "/dashboard.json", .host = "127.0.0.1", .type = "application/json"},
              NULL),
        KEEL_ADMIN_BAD_METHOD);
    /* only plain names under /assets/, as sent: anything else needs the
     * token, and is not found with it */
    static const char *const not_assets[] = {
        "/assets/", "/assets/../status", "/assets/.hidden",  "/assets/a/b.js",  "/assets/A.js", "/assets/%61.js",
        "//",       "/assets",           "/dashboard.json/", "/Dashboard.json", "/./"};
    for (size_t i = 0; i < COUNT(not_assets); i++) {
        if (check((req_t){.method = "GET", .target = not_assets[i], .host = "127.0.0.1"}, token) !=
            KEEL_ADMIN_UNAUTHORIZED)
            fail_msg("%s should need the token", not_assets[i]);
        if (check((req_t){.method = "GET", .target = not_assets[i], .host = "127.0.0.1"}, NULL) != KEEL_ADMIN_NOT_FOUND)
            fail_msg("%s should not be found", not_assets[i]);
    }
}

static void
test_probes_need_no_token(void **state)
{
    (void)state;
    const char *token = "s3cret-Token_1";
    assert_int_equal(check((req_t){.method = "GET", .target = "/healthz", .host = "10.0.0.5:9180"}, token),
                     KEEL_ADMIN_HEALTHZ);
    assert_int_equal(check((req_t){.method = "HEAD", .target = "/readyz?verbose", .host = NULL}, token),
                     KEEL_ADMIN_READYZ);
    /* without a token, not even a loopback Host is needed */
    assert_int_equal(check((req_t){.method = "GET", .target = "/readyz", .host = "pod.example"}, NULL),
                     KEEL_ADMIN_READYZ);
    /* another method still needs the token, and is refused with it */
    assert_int_equal(check((req_t){.method = "POST", .target = "/readyz", .host = "127.0.0.1"}, token),
                     KEEL_ADMIN_UNAUTHORIZED);
    assert_int_equal(
        check((req_t){.method = "POST", .target = "/readyz", .host = "127.0.0.1", .auth = "Bearer s3cret-Token_1"},
              token),
        KEEL_ADMIN_BAD_METHOD);
    /* a page of another site still cannot ask */
    assert_int_equal(
        check((req_t){.method = "GET", .target = "/healthz", .host = "127.0.0.1", .site = "cross-site"}, token),
        KEEL_ADMIN_CROSS_SITE);
    /* only the canonical paths */
    assert_int_equal(check((req_t){.method = "GET", .target = "/healthz/", .host = "127.0.0.1"}, token),
                     KEEL_ADMIN_UNAUTHORIZED);
    assert_int_equal(check((req_t){.method = "GET", .target = "/%68ealthz", .host = "127.0.0.1"}, NULL),
                     KEEL_ADMIN_NOT_FOUND);
}

static keel_admin_verdict_t
check_read_only(req_t q)
{
    keel_admin_request_t r = {
        .method = text(q.method),
        .target = text(q.target),
        .host = text(q.host),
        .origin = text(q.origin),
        .sec_fetch_site = text(q.site),
        .authorization = text(q.auth),
        .content_type = text(q.type),
    };
    return keel_admin_check_read_only(&r);
}

static void
test_read_only_listener(void **state)
{
    (void)state;
    assert_int_equal(check_read_only((req_t){.method = "GET", .target = "/metrics", .host = "10.1.2.3:9181"}),
                     KEEL_ADMIN_METRICS);
    assert_int_equal(check_read_only((req_t){.method = "GET", .target = "/healthz", .host = "10.1.2.3:9181"}),
                     KEEL_ADMIN_HEALTHZ);
    assert_int_equal(check_read_only((req_t){.method = "HEAD", .target = "/readyz"}), KEEL_ADMIN_READYZ);
    /* nothing that changes state, and nothing beyond the three */
    assert_int_equal(
        check_read_only((req_t){.method = "POST", .target = "/reload", .type = "application/json", .auth = "Bearer x"}),
        KEEL_ADMIN_NOT_FOUND);
    assert_int_equal(check_read_only((req_t){.method = "GET", .target = "/status"}), KEEL_ADMIN_NOT_FOUND);
    assert_int_equal(check_read_only((req_t){.method = "POST", .target = "/metrics"}), KEEL_ADMIN_BAD_METHOD);
    assert_int_equal(check_read_only((req_t){.method = "GET", .target = "/metrics", .origin = "http://evil.example"}),
                     KEEL_ADMIN_CROSS_SITE);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_three_pages),
        cmocka_unit_test(test_only_canonical_paths),
        cmocka_unit_test(test_methods),
        cmocka_unit_test(test_post_needs_a_type_no_form_sends),
        cmocka_unit_test(test_cross_site_requests),
        cmocka_unit_test(test_loopback_hosts),
        cmocka_unit_test(test_token),
        cmocka_unit_test(test_dashboard),
        cmocka_unit_test(test_probes_need_no_token),
        cmocka_unit_test(test_read_only_listener),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
