/*
 * Session-ticket keys: which key encrypts new tickets, which still decrypt
 * old ones, and when to make a new one. Pure (the caller brings the random
 * bytes and the time), unit-tested; tls.c turns it into OpenSSL's ticket
 * callback and rotates it on a timer of the loop.
 *
 * A key encrypts for one period, then decrypts for KEEL_TICKET_KEYS - 1
 * more, so a ticket resumes for at least that many periods and a stolen
 * key opens at most that window of past sessions (forward secrecy of a
 * sort, as nginx's and h2o's rotating keys give).
 */
#ifndef KEEL_FRONT_TICKET_KEYS_H
#define KEEL_FRONT_TICKET_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEEL_TICKET_KEYS       3
#define KEEL_TICKET_PERIOD_MS  (3600 * 1000)
#define KEEL_TICKET_NAME_LEN   16
#define KEEL_TICKET_AES_LEN    32
#define KEEL_TICKET_HMAC_LEN   32
#define KEEL_TICKET_RANDOM_LEN (KEEL_TICKET_NAME_LEN + KEEL_TICKET_AES_LEN + KEEL_TICKET_HMAC_LEN)

typedef struct {
    uint8_t name[KEEL_TICKET_NAME_LEN];
    uint8_t aes[KEEL_TICKET_AES_LEN];
    uint8_t hmac[KEEL_TICKET_HMAC_LEN];
    uint64_t created_ms;
    bool set;
} keel_ticket_key_t;

typedef struct {
    keel_ticket_key_t keys[KEEL_TICKET_KEYS]; /* [0] encrypts; the rest, newest first, only decrypt */
    uint64_t period_ms;
} keel_ticket_keys_t;

void keel_ticket_keys_init(keel_ticket_keys_t *r, uint64_t period_ms);

/* Whether a new key is due at now: none yet, or the current one is a
 * period old. */
bool keel_ticket_keys_due(const keel_ticket_keys_t *r, uint64_t now_ms);

/* Makes a key of random (KEEL_TICKET_RANDOM_LEN bytes) the current one;
 * the oldest is forgotten (and wiped). */
void keel_ticket_keys_rotate(keel_ticket_keys_t *r, const uint8_t *random, uint64_t now_ms);

/* The key a ticket names, or NULL (the client gets a full handshake).
 * *renew is set when it is not the current key: the client should get a
 * ticket under the current one. */
const keel_ticket_key_t *keel_ticket_keys_find(const keel_ticket_keys_t *r, const uint8_t *name, bool *renew);

/* Milliseconds from now until keel_ticket_keys_due() turns true. */
uint64_t keel_ticket_keys_next_ms(const keel_ticket_keys_t *r, uint64_t now_ms);

#endif
