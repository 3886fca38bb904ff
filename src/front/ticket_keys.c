#include "front/ticket_keys.h"

#include <string.h>

void
keel_ticket_keys_init(keel_ticket_keys_t *r, uint64_t period_ms)
{
    memset(r, 0, sizeof(*r));
    r->period_ms = period_ms;
}

bool
keel_ticket_keys_due(const keel_ticket_keys_t *r, uint64_t now_ms)
{
    return !r->keys[0].set || now_ms - r->keys[0].created_ms >= r->period_ms || now_ms < r->keys[0].created_ms;
}

uint64_t
keel_ticket_keys_next_ms(const keel_ticket_keys_t *r, uint64_t now_ms)
{
    if (keel_ticket_keys_due(r, now_ms))
        return 0;
    return r->keys[0].created_ms + r->period_ms - now_ms;
}

void
keel_ticket_keys_rotate(keel_ticket_keys_t *r, const uint8_t *random, uint64_t now_ms)
{
    /* volatile: the forgotten key's bytes are really overwritten */
    volatile uint8_t *oldest = (volatile uint8_t *)&r->keys[KEEL_TICKET_KEYS - 1];
    for (size_t i = 0; i < sizeof(keel_ticket_key_t); i++)
        oldest[i] = 0;
    memmove(&r->keys[1], &r->keys[0], sizeof(r->keys[0]) * (KEEL_TICKET_KEYS - 1));
    keel_ticket_key_t *k = &r->keys[0];
    memcpy(k->name, random, KEEL_TICKET_NAME_LEN);
    memcpy(k->aes, random + KEEL_TICKET_NAME_LEN, KEEL_TICKET_AES_LEN);
    memcpy(k->hmac, random + KEEL_TICKET_NAME_LEN + KEEL_TICKET_AES_LEN, KEEL_TICKET_HMAC_LEN);
    k->created_ms = now_ms;
    k->set = true;
}

const keel_ticket_key_t *
keel_ticket_keys_find(const keel_ticket_keys_t *r, const uint8_t *name, bool *renew)
{
    for (size_t i = 0; i < KEEL_TICKET_KEYS; i++)
        if (r->keys[i].set && memcmp(r->keys[i].name, name, KEEL_TICKET_NAME_LEN) == 0) {
            *renew = i != 0;
            return &r->keys[i];
        }
    *renew = false;
    return NULL;
}
