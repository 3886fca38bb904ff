/* Tests for src/front/ticket_keys.c: which key encrypts session tickets,
 * which still decrypt, and when a new one is due. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "front/ticket_keys.h"

#define HOUR (3600 * 1000ull)

static void
key_bytes(uint8_t *r, uint8_t seed)
{
    for (size_t i = 0; i < KEEL_TICKET_RANDOM_LEN; i++)
        r[i] = (uint8_t)(seed + i);
}

static void
test_rotation(void **state)
{
    (void)state;
    keel_ticket_keys_t k;
    keel_ticket_keys_init(&k, HOUR);
    assert_true(keel_ticket_keys_due(&k, 1000));
    uint8_t r[KEEL_TICKET_RANDOM_LEN];
    key_bytes(r, 1);
    keel_ticket_keys_rotate(&k, r, 1000);
    assert_false(keel_ticket_keys_due(&k, 1000));
    assert_false(keel_ticket_keys_due(&k, 1000 + HOUR - 1));
    assert_true(keel_ticket_keys_due(&k, 1000 + HOUR));
    assert_int_equal(keel_ticket_keys_next_ms(&k, 1000 + HOUR - 10), 10);
    /* a clock that went back makes a key due rather than keeping it forever */
    assert_true(keel_ticket_keys_due(&k, 999));
    assert_memory_equal(k.keys[0].name, r, KEEL_TICKET_NAME_LEN);
    assert_memory_equal(k.keys[0].aes, r + KEEL_TICKET_NAME_LEN, KEEL_TICKET_AES_LEN);
    assert_memory_equal(k.keys[0].hmac, r + KEEL_TICKET_NAME_LEN + KEEL_TICKET_AES_LEN, KEEL_TICKET_HMAC_LEN);
}

static void
test_old_keys_decrypt_then_go(void **state)
{
    (void)state;
    keel_ticket_keys_t k;
    keel_ticket_keys_init(&k, HOUR);
    uint8_t names[KEEL_TICKET_KEYS + 1][KEEL_TICKET_NAME_LEN];
    for (int i = 0; i <= KEEL_TICKET_KEYS; i++) {
        uint8_t r[KEEL_TICKET_RANDOM_LEN];
        key_bytes(r, (uint8_t)(10 * (i + 1)));
        memcpy(names[i], r, KEEL_TICKET_NAME_LEN);
        keel_ticket_keys_rotate(&k, r, (uint64_t)i * HOUR);
    }
    bool renew;
    /* the newest encrypts and decrypts without renewal */
    assert_non_null(keel_ticket_keys_find(&k, names[KEEL_TICKET_KEYS], &renew));
    assert_false(renew);
    /* the previous ones decrypt, and ask for a ticket under the new key */
    for (int i = 1; i < KEEL_TICKET_KEYS; i++) {
        assert_non_null(keel_ticket_keys_find(&k, names[KEEL_TICKET_KEYS - i], &renew));
        assert_true(renew);
    }
    /* the oldest is forgotten */
    assert_null(keel_ticket_keys_find(&k, names[0], &renew));
    uint8_t unknown[KEEL_TICKET_NAME_LEN] = {0};
    assert_null(keel_ticket_keys_find(&k, unknown, &renew));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rotation),
        cmocka_unit_test(test_old_keys_decrypt_then_go),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
