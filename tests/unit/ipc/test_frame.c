/* Tests for the IPC frame header codec (ipc/frame.h). Expected bytes come
 * from the layout documented in frame.h, not from the encoder's output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ipc/frame.h"

/* RESP_BODY (17) with FLUSH, generation 0x01020304, stream 0xa1b2c3d4,
 * payload length 5, then the payload "hello". */
static const uint8_t resp_body_frame[] = {
    0x11, 0x01, 0x00, 0x00,      /* type, flags, reserved */
    0x04, 0x03, 0x02, 0x01,      /* generation */
    0xd4, 0xc3, 0xb2, 0xa1,      /* stream */
    0x05, 0x00, 0x00, 0x00,      /* length */
    'h',  'e',  'l',  'l',  'o', /* payload */
};

static void
test_type_names(void **state)
{
    (void)state;
    static const struct {
        unsigned num;
        const char *name;
    } known[] = {
        {1, "REQUEST"},      {2, "REQ_BODY"},      {3, "REQ_END"},        {4, "ABORT"},  {16, "RESP_HEAD"},
        {17, "RESP_BODY"},   {18, "RESP_END"},     {19, "REQ_DONE"},      {32, "SPAWN"}, {33, "WORKER_UP"},
        {34, "WORKER_EXIT"}, {35, "ZYGOTE_READY"}, {36, "ZYGOTE_FAILED"}, {23, "CLAIM"}, {5, "DISMISS"},
    };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        const char *name = keel_ipc_type_name(known[i].num);
        assert_non_null(name);
        assert_string_equal(name, known[i].name);
    }
    /* The enum must carry the documented numbers. */
    assert_int_equal(KEEL_IPC_REQUEST, 1);
    assert_int_equal(KEEL_IPC_RESP_HEAD, 16);
    assert_int_equal(KEEL_IPC_REQ_DONE, 19);
    assert_int_equal(KEEL_IPC_SPAWN, 32);
    assert_int_equal(KEEL_IPC_ZYGOTE_FAILED, 36);
}

static void
test_unknown_type_names(void **state)
{
    (void)state;
    const unsigned unknown[] = {0, 6, 15, 24, 31, 39, 64, 255, 256, 256 + 1, 256 + 16, 0xffffffffu};
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
        assert_null(keel_ipc_type_name(unknown[i]));
    /* Every number a byte can hold is either named or NULL; count the named ones. */
    int named = 0;
    for (unsigned t = 0; t < 256; t++)
        named += keel_ipc_type_name(t) != NULL;
    assert_int_equal(named, 20);
}

static void
test_encode_layout(void **state)
{
    (void)state;
    keel_ipc_header_t hdr = {.type = KEEL_IPC_RESP_BODY,
                             .flags = KEEL_IPC_FLAG_FLUSH,
                             .generation = 0x01020304,
                             .stream = 0xa1b2c3d4,
                             .length = 5};
    uint8_t out[KEEL_IPC_HEADER_SIZE];
    /* Pre-fill so that unwritten reserved bytes would show. */
    memset(out, 0xff, sizeof(out));
    keel_ipc_header_encode(out, &hdr);
    assert_memory_equal(out, resp_body_frame, KEEL_IPC_HEADER_SIZE);
}

static void
test_encode_layout_control(void **state)
{
    (void)state;
    keel_ipc_header_t hdr = {
        .type = KEEL_IPC_REQ_DONE, .flags = 0x02, .generation = 0xfffffffe, .stream = 0, .length = 0x00100000};
    const uint8_t want[KEEL_IPC_HEADER_SIZE] = {
        0x13, 0x02, 0x00, 0x00, 0xfe, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
    };
    uint8_t out[KEEL_IPC_HEADER_SIZE];
    memset(out, 0xaa, sizeof(out));
    keel_ipc_header_encode(out, &hdr);
    assert_memory_equal(out, want, sizeof(want));
}

static void
test_decode_hand_written(void **state)
{
    (void)state;
    keel_ipc_header_t hdr;
    const uint8_t *payload = NULL;
    size_t frame_size = 0;
    assert_int_equal(keel_ipc_frame_decode(resp_body_frame, sizeof(resp_body_frame), &hdr, &payload, &frame_size),
                     KEEL_IPC_OK);
    assert_int_equal(hdr.type, KEEL_IPC_RESP_BODY);
    assert_int_equal(hdr.flags, KEEL_IPC_FLAG_FLUSH);
    assert_int_equal(hdr.generation, 0x01020304);
    assert_int_equal(hdr.stream, 0xa1b2c3d4u);
    assert_int_equal(hdr.length, 5);
    assert_ptr_equal(payload, resp_body_frame + 16);
    assert_memory_equal(payload, "hello", 5);
    assert_int_equal(frame_size, 21);
}

static void
test_round_trip_every_type(void **state)
{
    (void)state;
    for (unsigned t = 0; t < 256; t++) {
        if (keel_ipc_type_name(t) == NULL)
            continue;
        keel_ipc_header_t in = {
            .type = (uint8_t)t, .flags = (uint8_t)(0xff - t), .generation = t * 0x01010101u, .stream = ~t, .length = 3};
        uint8_t buf[KEEL_IPC_HEADER_SIZE + 3] = {0};
        keel_ipc_header_encode(buf, &in);
        memcpy(buf + KEEL_IPC_HEADER_SIZE, "abc", 3);

        keel_ipc_header_t out;
        const uint8_t *payload;
        size_t frame_size;
        assert_int_equal(keel_ipc_frame_decode(buf, sizeof(buf), &out, &payload, &frame_size), KEEL_IPC_OK);
        assert_int_equal(out.type, in.type);
        assert_int_equal(out.flags, in.flags);
        assert_int_equal(out.generation, in.generation);
        assert_int_equal(out.stream, in.stream);
        assert_int_equal(out.length, in.length);
        assert_ptr_equal(payload, buf + KEEL_IPC_HEADER_SIZE);
        assert_int_equal(frame_size, sizeof(buf));
    }
}

static void
test_empty_payload(void **state)
{
    (void)state;
    const uint8_t buf[] = {0x03, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00,
                           0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    keel_ipc_header_t hdr;
    const uint8_t *payload;
    size_t frame_size;
    assert_int_equal(keel_ipc_frame_decode(buf, sizeof(buf), &hdr, &payload, &frame_size), KEEL_IPC_OK);
    assert_int_equal(hdr.type, KEEL_IPC_REQ_END);
    assert_int_equal(hdr.generation, 7);
    assert_int_equal(hdr.stream, 9);
    assert_int_equal(hdr.length, 0);
    assert_int_equal(frame_size, KEEL_IPC_HEADER_SIZE);
}

static void
test_truncated_header_needs_more(void **state)
{
    (void)state;
    keel_ipc_header_t hdr;
    const uint8_t *payload;
    size_t frame_size;
    for (size_t len = 0; len < KEEL_IPC_HEADER_SIZE; len++)
        assert_int_equal(keel_ipc_frame_decode(resp_body_frame, len, &hdr, &payload, &frame_size), KEEL_IPC_NEED_MORE);
    /* Fewer than 16 bytes cannot be judged yet, even if the type byte is bad. */
    const uint8_t junk[15] = {0xff, 0xff, 0xff, 0xff};
    assert_int_equal(keel_ipc_frame_decode(junk, sizeof(junk), &hdr, &payload, &frame_size), KEEL_IPC_NEED_MORE);
}

static void
test_truncated_payload_needs_more(void **state)
{
    (void)state;
    keel_ipc_header_t hdr;
    const uint8_t *payload;
    size_t frame_size;
    for (size_t len = KEEL_IPC_HEADER_SIZE; len < sizeof(resp_body_frame); len++) {
        /* Copy into an exact-size buffer so a sanitizer would see an over-read. */
        uint8_t *buf = malloc(len);
        assert_non_null(buf);
        memcpy(buf, resp_body_frame, len);
        assert_int_equal(keel_ipc_frame_decode(buf, len, &hdr, &payload, &frame_size), KEEL_IPC_NEED_MORE);
        free(buf);
    }
}

static void
test_trailing_bytes_not_consumed(void **state)
{
    (void)state;
    uint8_t buf[sizeof(resp_body_frame) + 7];
    memcpy(buf, resp_body_frame, sizeof(resp_body_frame));
    memset(buf + sizeof(resp_body_frame), 0x5a, 7);
    keel_ipc_header_t hdr;
    const uint8_t *payload;
    size_t frame_size;
    assert_int_equal(keel_ipc_frame_decode(buf, sizeof(buf), &hdr, &payload, &frame_size), KEEL_IPC_OK);
    assert_int_equal(frame_size, sizeof(resp_body_frame));
}

static void
test_stream_of_frames(void **state)
{
    (void)state;
    /* REQUEST (empty) | REQ_BODY "xy" | REQ_END, all on stream 2, generation 1. */
    const uint8_t stream[] = {
        0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* REQUEST */
        0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, /* REQ_BODY */
        'x',  'y', /* its payload */
        0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* REQ_END */
    };
    const uint8_t want_types[] = {KEEL_IPC_REQUEST, KEEL_IPC_REQ_BODY, KEEL_IPC_REQ_END};
    size_t off = 0, n = 0;
    for (;;) {
        keel_ipc_header_t hdr;
        const uint8_t *payload;
        size_t frame_size;
        keel_ipc_result_t r = keel_ipc_frame_decode(stream + off, sizeof(stream) - off, &hdr, &payload, &frame_size);
        if (r == KEEL_IPC_NEED_MORE)
            break;
        assert_int_equal(r, KEEL_IPC_OK);
        assert_true(n < 3);
        assert_int_equal(hdr.type, want_types[n]);
        assert_int_equal(hdr.stream, 2);
        if (n == 1)
            assert_memory_equal(payload, "xy", 2);
        off += frame_size;
        n++;
    }
    assert_int_equal(n, 3);
    assert_int_equal(off, sizeof(stream));
}

static void
test_unknown_type_malformed(void **state)
{
    (void)state;
    const uint8_t bad_types[] = {0, 6, 15, 24, 31, 39, 0x80, 0xff};
    for (size_t i = 0; i < sizeof(bad_types); i++) {
        uint8_t buf[KEEL_IPC_HEADER_SIZE] = {0};
        buf[0] = bad_types[i];
        keel_ipc_header_t hdr;
        const uint8_t *payload;
        size_t frame_size;
        assert_int_equal(keel_ipc_frame_decode(buf, sizeof(buf), &hdr, &payload, &frame_size), KEEL_IPC_MALFORMED);
    }
}

static void
test_reserved_bits_malformed(void **state)
{
    (void)state;
    keel_ipc_header_t hdr;
    const uint8_t *payload;
    size_t frame_size;
    /* Every single bit of the two reserved bytes is refused on its own. */
    for (int byte = 2; byte <= 3; byte++) {
        for (int bit = 0; bit < 8; bit++) {
            uint8_t buf[sizeof(resp_body_frame)];
            memcpy(buf, resp_body_frame, sizeof(buf));
            buf[byte] = (uint8_t)(1u << bit);
            assert_int_equal(keel_ipc_frame_decode(buf, sizeof(buf), &hdr, &payload, &frame_size), KEEL_IPC_MALFORMED);
        }
    }
}

static void
test_any_flags_accepted(void **state)
{
    (void)state;
    uint8_t buf[sizeof(resp_body_frame)];
    memcpy(buf, resp_body_frame, sizeof(buf));
    buf[1] = 0xff;
    keel_ipc_header_t hdr;
    const uint8_t *payload;
    size_t frame_size;
    assert_int_equal(keel_ipc_frame_decode(buf, sizeof(buf), &hdr, &payload, &frame_size), KEEL_IPC_OK);
    assert_int_equal(hdr.flags, 0xff);
}

static void
test_oversized_length_malformed(void **state)
{
    (void)state;
    /* Lengths over the cap; only the header is present, and the error must
     * be reported at once rather than as NEED_MORE. */
    const uint8_t lengths[][4] = {
        {0x01, 0x00, 0x10, 0x00}, /* KEEL_IPC_MAX_PAYLOAD + 1 */
        {0x00, 0x00, 0x20, 0x00}, /* 2 MiB */
        {0x00, 0x00, 0x00, 0x80}, /* 2^31 */
        {0xff, 0xff, 0xff, 0xff}, /* 2^32 - 1 */
    };
    for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        uint8_t buf[KEEL_IPC_HEADER_SIZE] = {KEEL_IPC_REQ_BODY};
        memcpy(buf + 12, lengths[i], 4);
        keel_ipc_header_t hdr;
        const uint8_t *payload;
        size_t frame_size;
        assert_int_equal(keel_ipc_frame_decode(buf, sizeof(buf), &hdr, &payload, &frame_size), KEEL_IPC_MALFORMED);
    }
}

static void
test_max_payload_accepted(void **state)
{
    (void)state;
    assert_int_equal(KEEL_IPC_MAX_PAYLOAD, 1048576);
    size_t total = KEEL_IPC_HEADER_SIZE + KEEL_IPC_MAX_PAYLOAD;
    uint8_t *buf = calloc(1, total);
    assert_non_null(buf);
    /* REQ_BODY with length 0x00100000, exactly the cap. */
    buf[0] = 0x02;
    buf[14] = 0x10;
    keel_ipc_header_t hdr;
    const uint8_t *payload;
    size_t frame_size;
    /* Header alone, then all but one byte: wait for more. */
    assert_int_equal(keel_ipc_frame_decode(buf, KEEL_IPC_HEADER_SIZE, &hdr, &payload, &frame_size), KEEL_IPC_NEED_MORE);
    assert_int_equal(keel_ipc_frame_decode(buf, total - 1, &hdr, &payload, &frame_size), KEEL_IPC_NEED_MORE);
    assert_int_equal(keel_ipc_frame_decode(buf, total, &hdr, &payload, &frame_size), KEEL_IPC_OK);
    assert_int_equal(hdr.length, KEEL_IPC_MAX_PAYLOAD);
    assert_int_equal(frame_size, total);
    free(buf);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_unknown_type_names),
        cmocka_unit_test(test_encode_layout),
        cmocka_unit_test(test_encode_layout_control),
        cmocka_unit_test(test_decode_hand_written),
        cmocka_unit_test(test_round_trip_every_type),
        cmocka_unit_test(test_empty_payload),
        cmocka_unit_test(test_truncated_header_needs_more),
        cmocka_unit_test(test_truncated_payload_needs_more),
        cmocka_unit_test(test_trailing_bytes_not_consumed),
        cmocka_unit_test(test_stream_of_frames),
        cmocka_unit_test(test_unknown_type_malformed),
        cmocka_unit_test(test_reserved_bits_malformed),
        cmocka_unit_test(test_any_flags_accepted),
        cmocka_unit_test(test_oversized_length_malformed),
        cmocka_unit_test(test_max_payload_accepted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
