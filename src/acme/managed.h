/* A certificate keel keeps for a set of names: what the state directory
 * holds, when it is renewed (schedule.h), the attempt under way, and the
 * failures since the last success. The certificate in use is replaced only
 * by a newer one that was checked: a failing renewal leaves it serving. */
#ifndef KEEL_ACME_MANAGED_H
#define KEEL_ACME_MANAGED_H

#include <stddef.h>
#include <stdint.h>

#include "acme/attempt.h"
#include "acme/certificate.h"
#include "acme/schedule.h"

/* How a managed certificate reports up, and what it shares with the
 * others; owned by the client. */
typedef struct {
    keel_acme_attempt_env_t attempt;
    keel_acme_backoff_t backoff;
    void (*certificate)(void *owner, const keel_acme_certificate_t *cert);
    void (*failed)(void *owner, const char *name, const char *reason, uint64_t retry_in_ms); /* may be NULL */
    void *owner;
} keel_acme_managed_env_t;

typedef struct keel_acme_managed_s keel_acme_managed_t;

/* A certificate for names (taken over: freed with it) kept in dir (created
 * if missing). NULL with the reason in err. */
keel_acme_managed_t *keel_acme_managed_create(const keel_acme_managed_env_t *env, char **names, size_t n,
                                              const char *dir, char *err, size_t errlen);

/* Reads what the state directory holds, reports a usable certificate, and
 * schedules the first attempt (at once when there is none). */
void keel_acme_managed_start(keel_acme_managed_t *m);

/* Stops any attempt (its challenges withdrawn) and frees. */
void keel_acme_managed_destroy(keel_acme_managed_t *m);

/* Wall-clock time in ms since the epoch: certificates are dated by it. */
int64_t keel_acme_wall_ms(void);

#endif
