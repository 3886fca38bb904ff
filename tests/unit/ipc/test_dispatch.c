/* Tests for the dense message index (ipc/frame.h) and the handler tables
 * and dispatch (ipc/dispatch.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ipc/dispatch.h"

/* The list again, spelled out: the index must follow it. */
static const struct {
    unsigned num;
    const char *name;
} listed[] = {
#define LISTED(name, num, doc) {num, #name},
    KEEL_IPC_MESSAGES(LISTED)
#undef LISTED
};
#define LISTED_COUNT (sizeof(listed) / sizeof(listed[0]))

/* What a handler saw; the ctx of every test handler. */
typedef struct {
    int calls;
    const keel_ipc_msg_t *msg;
    const char *which;
} seen_t;

static int
on_request(void *ctx, const keel_ipc_msg_t *msg)
{
    seen_t *s = ctx;
    s->calls++;
    s->msg = msg;
    s->which = "request";
    return 7;
}

static int
on_abort(void *ctx, const keel_ipc_msg_t *msg)
{
    seen_t *s = ctx;
    s->calls++;
    s->msg = msg;
    s->which = "abort";
    return -3;
}

static int
on_any(void *ctx, const keel_ipc_msg_t *msg)
{
    seen_t *s = ctx;
    s->calls++;
    s->msg = msg;
    s->which = keel_ipc_type_name(msg->hdr.type);
    return (int)msg->hdr.type;
}

/* A process that accepts REQUEST and ABORT only. */
static const keel_ipc_handlers_t two = {.on = {
                                            [KEEL_IPC_INDEX_REQUEST] = on_request,
                                            [KEEL_IPC_INDEX_ABORT] = on_abort,
                                        }};

static keel_ipc_msg_t
msg_of(unsigned type)
{
    static const uint8_t payload[] = "xyz";
    keel_ipc_msg_t m = {.hdr = {.type = (uint8_t)type, .stream = 9, .length = 3}, .payload = payload, .fd = -1};
    return m;
}

static void
test_index_follows_the_list(void **state)
{
    (void)state;
    assert_int_equal(KEEL_IPC_MESSAGE_COUNT, LISTED_COUNT);
    for (size_t i = 0; i < LISTED_COUNT; i++) {
        assert_int_equal(keel_ipc_index(listed[i].num), (int)i);
        assert_string_equal(keel_ipc_type_name(listed[i].num), listed[i].name);
    }
    assert_int_equal(KEEL_IPC_INDEX_REQUEST, 0);
    assert_int_equal(keel_ipc_index(KEEL_IPC_SPAWN), KEEL_IPC_INDEX_SPAWN);
    assert_int_equal(keel_ipc_index(KEEL_IPC_BACKTRACE), KEEL_IPC_INDEX_BACKTRACE);
}

static void
test_index_is_dense_and_one_to_one(void **state)
{
    (void)state;
    int hits[KEEL_IPC_MESSAGE_COUNT] = {0};
    unsigned mapped = 0;
    for (unsigned t = 0; t < 256; t++) {
        int i = keel_ipc_index(t);
        if (i < 0)
            continue;
        assert_true(i < KEEL_IPC_MESSAGE_COUNT);
        hits[i]++;
        mapped++;
    }
    assert_int_equal(mapped, KEEL_IPC_MESSAGE_COUNT);
    for (int i = 0; i < KEEL_IPC_MESSAGE_COUNT; i++)
        assert_int_equal(hits[i], 1);
}

static void
test_index_unknown(void **state)
{
    (void)state;
    const unsigned unknown[] = {0, 6, 15, 24, 31, 39, 64, 255, 256, 256 + KEEL_IPC_REQUEST, 0xffffffffu};
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
        assert_int_equal(keel_ipc_index(unknown[i]), -1);
}

static void
test_handler_lookup(void **state)
{
    (void)state;
    assert_ptr_equal(keel_ipc_handler(&two, KEEL_IPC_REQUEST), on_request);
    assert_ptr_equal(keel_ipc_handler(&two, KEEL_IPC_ABORT), on_abort);
    /* Listed, but not this process's. */
    for (size_t i = 0; i < LISTED_COUNT; i++)
        if (listed[i].num != KEEL_IPC_REQUEST && listed[i].num != KEEL_IPC_ABORT)
            assert_null(keel_ipc_handler(&two, listed[i].num));
    /* Not listed at all; 256 + REQUEST must not alias REQUEST. */
    assert_null(keel_ipc_handler(&two, 0));
    assert_null(keel_ipc_handler(&two, 6));
    assert_null(keel_ipc_handler(&two, 256 + KEEL_IPC_REQUEST));
}

static void
test_dispatch_accepted(void **state)
{
    (void)state;
    seen_t seen = {0};
    keel_ipc_msg_t m = msg_of(KEEL_IPC_REQUEST);
    int rc = 12345;
    assert_int_equal(keel_ipc_dispatch(&two, &seen, &m, &rc), KEEL_IPC_OK);
    assert_int_equal(rc, 7);
    assert_int_equal(seen.calls, 1);
    assert_ptr_equal(seen.msg, &m);
    assert_string_equal(seen.which, "request");

    m = msg_of(KEEL_IPC_ABORT);
    assert_int_equal(keel_ipc_dispatch(&two, &seen, &m, &rc), KEEL_IPC_OK);
    assert_int_equal(rc, -3);
    assert_int_equal(seen.calls, 2);
    assert_string_equal(seen.which, "abort");
}

static void
test_dispatch_not_accepted(void **state)
{
    (void)state;
    for (size_t i = 0; i < LISTED_COUNT; i++) {
        if (listed[i].num == KEEL_IPC_REQUEST || listed[i].num == KEEL_IPC_ABORT)
            continue;
        seen_t seen = {0};
        keel_ipc_msg_t m = msg_of(listed[i].num);
        int rc = 12345;
        assert_int_equal(keel_ipc_dispatch(&two, &seen, &m, &rc), KEEL_IPC_MALFORMED);
        assert_int_equal(rc, 12345);
        assert_int_equal(seen.calls, 0);
    }
}

static void
test_dispatch_unknown_type(void **state)
{
    (void)state;
    /* A header carries a u8: every number outside the list is refused,
     * even by a table that accepts everything listed. */
    keel_ipc_handlers_t all;
    for (int i = 0; i < KEEL_IPC_MESSAGE_COUNT; i++)
        all.on[i] = on_any;
    for (unsigned t = 0; t < 256; t++) {
        seen_t seen = {0};
        keel_ipc_msg_t m = msg_of(t);
        int rc = 12345;
        keel_ipc_result_t r = keel_ipc_dispatch(&all, &seen, &m, &rc);
        if (keel_ipc_type_name(t) == NULL) {
            assert_int_equal(r, KEEL_IPC_MALFORMED);
            assert_int_equal(seen.calls, 0);
            assert_int_equal(rc, 12345);
            assert_int_equal(keel_ipc_dispatch(&two, &seen, &m, &rc), KEEL_IPC_MALFORMED);
        } else {
            assert_int_equal(r, KEEL_IPC_OK);
            assert_int_equal(seen.calls, 1);
            assert_int_equal(rc, (int)t);
            assert_string_equal(seen.which, keel_ipc_type_name(t));
        }
    }
}

static void
test_empty_table(void **state)
{
    (void)state;
    static const keel_ipc_handlers_t none = {{0}};
    for (size_t i = 0; i < LISTED_COUNT; i++) {
        keel_ipc_msg_t m = msg_of(listed[i].num);
        int rc = 0;
        assert_int_equal(keel_ipc_dispatch(&none, NULL, &m, &rc), KEEL_IPC_MALFORMED);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_follows_the_list), cmocka_unit_test(test_index_is_dense_and_one_to_one),
        cmocka_unit_test(test_index_unknown),          cmocka_unit_test(test_handler_lookup),
        cmocka_unit_test(test_dispatch_accepted),      cmocka_unit_test(test_dispatch_not_accepted),
        cmocka_unit_test(test_dispatch_unknown_type),  cmocka_unit_test(test_empty_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
