/* Tests for src/front/range_guard.c: parts or the whole file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "front/range_guard.h"

#define ETAG "\"5f5e1000-4c4b40\""
#define DATE "Sun, 13 Sep 2020 12:26:40 GMT"

static keel_range_decision_t
decide(const char *range, const char *if_range, size_t size)
{
    keel_range_request_t r = {
        .range = range,
        .range_len = strlen(range),
        .if_range = if_range,
        .if_range_len = if_range ? strlen(if_range) : 0,
        .etag = ETAG,
        .etag_len = strlen(ETAG),
        .last_modified = DATE,
        .last_modified_len = strlen(DATE),
        .file_size = size,
    };
    return keel_range_decide(&r);
}

static void
test_ordinary_ranges_are_parts(void **state)
{
    (void)state;
    assert_int_equal(decide("bytes=0-99", NULL, 1000), KEEL_RANGE_PARTS);
    assert_int_equal(decide("bytes=-100", NULL, 1000), KEEL_RANGE_PARTS);
    assert_int_equal(decide("bytes=900-", NULL, 1000), KEEL_RANGE_PARTS);
    assert_int_equal(decide("bytes=0-99,200-299, 500-", NULL, 1000), KEEL_RANGE_PARTS);
    /* the whole file, or past its end: still one part */
    assert_int_equal(decide("bytes=0-", NULL, 1000), KEEL_RANGE_PARTS);
    assert_int_equal(decide("bytes=0-5000", NULL, 1000), KEEL_RANGE_PARTS);
    /* parts that add up to exactly the file */
    assert_int_equal(decide("bytes=0-499,500-999", NULL, 1000), KEEL_RANGE_PARTS);
    /* what libh2o answers with 416 is left to it */
    assert_int_equal(decide("bytes=5000-", NULL, 1000), KEEL_RANGE_PARTS);
    assert_int_equal(decide("items=0-1", NULL, 1000), KEEL_RANGE_PARTS);
    assert_int_equal(decide("bytes=a-b", NULL, 1000), KEEL_RANGE_PARTS);
}

static void
test_amplification_gets_the_whole_file(void **state)
{
    (void)state;
    /* overlapping parts that add up to more than the file, as nginx */
    assert_int_equal(decide("bytes=0-999,0-999", NULL, 1000), KEEL_RANGE_WHOLE);
    assert_int_equal(decide("bytes=0-,0-", NULL, 1000), KEEL_RANGE_WHOLE);
    assert_int_equal(decide("bytes=0-600,-500", NULL, 1000), KEEL_RANGE_WHOLE);
    /* 200 ranges of a 5 MB file */
    char many[8192] = "bytes=";
    for (int i = 0; i < 200; i++)
        strcat(many, i ? ",0-" : "0-");
    assert_int_equal(decide(many, NULL, 5 * 1024 * 1024), KEEL_RANGE_WHOLE);
    /* many small parts: their headers outweigh them */
    char small[8192] = "bytes=";
    for (int i = 0; i <= KEEL_RANGE_MAX_PARTS; i++)
        sprintf(small + strlen(small), "%s%d-%d", i ? "," : "", i, i);
    assert_int_equal(decide(small, NULL, 100000), KEEL_RANGE_WHOLE);
    /* one part fewer is fine */
    *strrchr(small, ',') = '\0';
    assert_int_equal(decide(small, NULL, 100000), KEEL_RANGE_PARTS);
}

static void
test_if_range(void **state)
{
    (void)state;
    assert_int_equal(decide("bytes=0-9", ETAG, 1000), KEEL_RANGE_PARTS);
    assert_int_equal(decide("bytes=0-9", DATE, 1000), KEEL_RANGE_PARTS);
    /* another file now: the whole of it */
    assert_int_equal(decide("bytes=0-9", "\"5f5e0fff-4c4b40\"", 1000), KEEL_RANGE_WHOLE);
    assert_int_equal(decide("bytes=0-9", "Sat, 12 Sep 2020 12:26:40 GMT", 1000), KEEL_RANGE_WHOLE);
    /* a weak tag never matches (RFC 9110 13.1.5: strong comparison) */
    assert_int_equal(decide("bytes=0-9", "W/" ETAG, 1000), KEEL_RANGE_WHOLE);
    assert_int_equal(decide("bytes=0-9", "", 1000), KEEL_RANGE_WHOLE);
    assert_int_equal(decide("bytes=0-9", "garbage", 1000), KEEL_RANGE_WHOLE);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ordinary_ranges_are_parts),
        cmocka_unit_test(test_amplification_gets_the_whole_file),
        cmocka_unit_test(test_if_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
