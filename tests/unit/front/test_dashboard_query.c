/* Tests for src/front/dashboard_query.c: what the page already has. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "front/dashboard_query.h"

static int
parse(const char *q, keel_dashboard_query_t *out)
{
    return keel_dashboard_query_parse(q, strlen(q), out);
}

static void
test_marks(void **state)
{
    (void)state;
    keel_dashboard_query_t q;
    assert_int_equal(parse("", &q), 0);
    assert_int_equal(q.samples_after, 0);
    assert_int_equal(q.events_after, 0);
    assert_int_equal(parse("samples_after=42&events_after=7", &q), 0);
    assert_int_equal(q.samples_after, 42);
    assert_int_equal(q.events_after, 7);
    assert_int_equal(parse("events_after=999999999999999999", &q), 0);
    assert_int_equal(q.events_after, 999999999999999999ull);
    assert_int_equal(q.samples_after, 0);
    /* other keys, empty pairs and bare words are no concern of keel's */
    assert_int_equal(parse("&x=1&&samples_after=3&_=1700000000000&flag", &q), 0);
    assert_int_equal(q.samples_after, 3);
}

static void
test_bad_values(void **state)
{
    (void)state;
    static const char *const bad[] = {"samples_after=",
                                      "samples_after",
                                      "samples_after=-1",
                                      "samples_after=1x",
                                      "events_after=0x10",
                                      "events_after=+1",
                                      "events_after=1%30",
                                      "samples_after=1 ",
                                      "samples_after=1000000000000000000",
                                      "events_after=1&events_after=a"};
    keel_dashboard_query_t q;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (parse(bad[i], &q) != -1)
            fail_msg("%s should be refused", bad[i]);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_marks),
        cmocka_unit_test(test_bad_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
