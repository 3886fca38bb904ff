/* One attempt at a certificate (RFC 8555 §7.4): newOrder, each
 * authorization answered by HTTP-01 or TLS-ALPN-01 and polled until the CA
 * decides, finalize with a CSR for a fresh key, poll, download the chain.
 * It ends by calling exactly one of its hooks, and touches nothing of its
 * own after that call: the owner frees it there or later. */
#ifndef KEEL_ACME_ATTEMPT_H
#define KEEL_ACME_ATTEMPT_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/challenges.h"
#include "acme/poller.h"
#include "acme/session.h"

typedef struct {
    /* The chain as the CA sent it and the key it certifies (borrowed:
     * EVP_PKEY_up_ref to keep it). */
    void (*issued)(void *owner, const char *chain_pem, size_t len, EVP_PKEY *key);
    /* Why the attempt failed, one line, and how long the CA asked to wait
     * before the next (its Retry-After, as on a rate limit; 0: nothing). */
    void (*failed)(void *owner, const char *reason, uint64_t retry_after_ms);
} keel_acme_attempt_hooks_t;

/* What an attempt works with; owned by the client, outlives attempts. */
typedef struct {
    keel_acme_session_t *session;
    keel_acme_poller_t *poller;
    keel_acme_challenges_t *challenges;
    unsigned challenge_types; /* KEEL_ACME_CHALLENGE_* */
} keel_acme_attempt_env_t;

typedef struct keel_acme_attempt_s keel_acme_attempt_t;

/* Starts ordering a certificate for names (borrowed; they outlive the
 * attempt). NULL when out of memory. */
keel_acme_attempt_t *keel_acme_attempt_start(const keel_acme_attempt_env_t *env, const char *const *names, size_t n,
                                             const keel_acme_attempt_hooks_t *hooks, void *owner);

/* Stops it (if still running: no hook is called, its challenges are
 * withdrawn) and frees it. */
void keel_acme_attempt_free(keel_acme_attempt_t *a);

#endif
