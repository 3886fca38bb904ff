#include "acme/managed.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme/chain.h"
#include "acme/keys.h"
#include "acme/names.h"
#include "acme/store.h"
#include "common/clock.h"
#include "common/log.h"

/* The timer never sleeps longer than this: it wakes, reads the wall clock
 * again and goes back to sleep, so a wall clock that jumps (or a machine
 * that slept) delays a renewal by an hour at most. */
#define WAKE_MAX_MS (3600 * 1000ll)

struct keel_acme_managed_s {
    const keel_acme_managed_env_t *env;
    char **names;
    size_t n_names;
    char chain_path[PATH_MAX];
    char key_path[PATH_MAX];
    /* the certificate in use, if any */
    bool have;
    keel_acme_chain_t chain;
    EVP_PKEY *key;
    char *chain_pem, *key_pem;
    size_t chain_pem_len, key_pem_len;
    /* failures since the last success */
    unsigned failures;
    int64_t last_failure_ms;
    int64_t not_before_next_ms; /* the CA's Retry-After on the last failure */
    keel_acme_timer_t timer;
    keel_acme_attempt_t *attempt;
};

int64_t
keel_acme_wall_ms(void)
{
    struct timespec ts;
    /* CLOCK_REALTIME cannot fail with a valid timespec pointer. */
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
format_time(int64_t ms, char *buf, size_t cap)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, cap, "%lld", (long long)ms);
}

static void
format_delay(uint64_t ms, char *buf, size_t cap)
{
    if (ms < 10000)
        snprintf(buf, cap, "%llu.%llus", (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000 / 100));
    else if (ms < 120000)
        snprintf(buf, cap, "%llus", (unsigned long long)(ms / 1000));
    else if (ms < 7200000)
        snprintf(buf, cap, "%llum", (unsigned long long)(ms / 60000));
    else
        snprintf(buf, cap, "%lluh", (unsigned long long)(ms / 3600000));
}

static keel_acme_history_t
history(const keel_acme_managed_t *m)
{
    return (keel_acme_history_t){
        .have_cert = m->have,
        .not_before_ms = m->chain.not_before_ms,
        .not_after_ms = m->chain.not_after_ms,
        .failures = m->failures,
        .last_failure_ms = m->last_failure_ms,
        .not_before_next_ms = m->not_before_next_ms,
    };
}

/* Arms the timer for the next attempt, in at most WAKE_MAX_MS steps. */
static void
schedule(keel_acme_managed_t *m)
{
    keel_acme_history_t h = history(m);
    int64_t wait = keel_acme_next_attempt_ms(&m->env->backoff, &h) - keel_acme_wall_ms();
    if (wait < 0)
        wait = 0;
    if (wait > WAKE_MAX_MS)
        wait = WAKE_MAX_MS;
    keel_acme_timer_arm(m->env->attempt.poller, &m->timer, keel_now_ms() + (uint64_t)wait);
}

static void
report(keel_acme_managed_t *m, bool issued_now)
{
    keel_acme_certificate_t c = {
        .names = (const char *const *)m->names,
        .n_names = m->n_names,
        .leaf = m->chain.leaf,
        .issuers = m->chain.issuers,
        .key = m->key,
        .chain_pem = m->chain_pem,
        .chain_pem_len = m->chain_pem_len,
        .key_pem = m->key_pem,
        .key_pem_len = m->key_pem_len,
        .chain_path = m->chain_path,
        .key_path = m->key_path,
        .not_before_ms = m->chain.not_before_ms,
        .not_after_ms = m->chain.not_after_ms,
        .renew_at_ms = keel_acme_renew_at_ms(m->chain.not_before_ms, m->chain.not_after_ms),
        .issued_now = issued_now,
    };
    m->env->certificate(m->env->owner, &c);
}

/* Makes chain_pem + key the certificate in use, if they are a usable pair
 * for the names. Takes over chain_pem and key_pem; returns -1 (with the
 * reason in err, nothing changed, both freed) otherwise. */
static int
adopt(keel_acme_managed_t *m, char *chain_pem, size_t chain_len, char *key_pem, size_t key_len, EVP_PKEY *key,
      char *err, size_t errlen)
{
    keel_acme_chain_t chain;
    if (keel_acme_chain_parse(chain_pem, chain_len, &chain, err, errlen) != 0)
        goto fail;
    if (!keel_acme_chain_covers(&chain, (const char *const *)m->names, m->n_names)) {
        snprintf(err, errlen, "the certificate is not for every configured name");
        keel_acme_chain_free(&chain);
        goto fail;
    }
    if (!keel_acme_chain_matches_key(&chain, key)) {
        snprintf(err, errlen, "the certificate does not match its key");
        keel_acme_chain_free(&chain);
        goto fail;
    }
    if (EVP_PKEY_up_ref(key) != 1) {
        snprintf(err, errlen, "out of memory");
        keel_acme_chain_free(&chain);
        goto fail;
    }
    keel_acme_chain_free(&m->chain);
    EVP_PKEY_free(m->key);
    free(m->chain_pem);
    free(m->key_pem);
    m->chain = chain;
    m->key = key;
    m->chain_pem = chain_pem;
    m->chain_pem_len = chain_len;
    m->key_pem = key_pem;
    m->key_pem_len = key_len;
    m->have = true;
    return 0;
fail:
    free(chain_pem);
    free(key_pem);
    return -1;
}

/* A failed attempt: counted, logged with its reason and the wait before
 * the next one, reported, and the next one scheduled. */
static void
note_failure(keel_acme_managed_t *m, const char *reason, uint64_t retry_after_ms)
{
    m->failures++;
    m->last_failure_ms = keel_acme_wall_ms();
    m->not_before_next_ms = retry_after_ms > 0 ? m->last_failure_ms + (int64_t)retry_after_ms : 0;
    keel_acme_history_t h = history(m);
    int64_t next = keel_acme_next_attempt_ms(&m->env->backoff, &h);
    uint64_t delay = next > m->last_failure_ms ? (uint64_t)(next - m->last_failure_ms) : 0;
    char d[32];
    format_delay(delay, d, sizeof(d));
    if (m->have) {
        char until[32];
        format_time(m->chain.not_after_ms, until, sizeof(until));
        keel_warn("acme: %s: %s; next attempt in %s (failure %u in a row; the current certificate serves until %s)",
                  m->names[0], reason, d, m->failures, until);
    } else {
        keel_warn("acme: %s: %s; next attempt in %s (failure %u in a row)", m->names[0], reason, d, m->failures);
    }
    if (m->env->failed != NULL)
        m->env->failed(m->env->owner, m->names[0], reason, delay);
    schedule(m);
}

static void
on_failed(void *owner, const char *reason, uint64_t retry_after_ms)
{
    keel_acme_managed_t *m = owner;
    keel_acme_attempt_free(m->attempt);
    m->attempt = NULL;
    note_failure(m, reason, retry_after_ms);
}

static void
on_issued(void *owner, const char *chain_pem, size_t len, EVP_PKEY *key)
{
    keel_acme_managed_t *m = owner;
    char err[512], from[32], until[32], renew[32];
    size_t key_len = 0;
    char *chain_copy = malloc(len + 1);
    char *key_pem = keel_acme_key_to_pem(key, &key_len);
    int rc;
    if (chain_copy == NULL || key_pem == NULL) {
        free(chain_copy);
        free(key_pem);
        snprintf(err, sizeof(err), "out of memory");
        rc = -1;
    } else {
        memcpy(chain_copy, chain_pem, len);
        chain_copy[len] = '\0';
        rc = adopt(m, chain_copy, len, key_pem, key_len, key, err, sizeof(err));
    }
    /* key is the attempt's: adopt took its own reference */
    keel_acme_attempt_free(m->attempt);
    m->attempt = NULL;
    if (rc != 0) {
        char reason[600];
        snprintf(reason, sizeof(reason), "the issued certificate is unusable: %s", err);
        note_failure(m, reason, 0);
        return;
    }
    m->failures = 0;
    m->not_before_next_ms = 0;
    /* The key first: a crash between the two leaves a new key beside the
     * old chain, which the next start finds mismatched and orders anew,
     * never a chain whose key is lost. */
    if (keel_acme_store_write(m->key_path, m->key_pem, m->key_pem_len, err, sizeof(err)) != 0 ||
        keel_acme_store_write(m->chain_path, m->chain_pem, m->chain_pem_len, err, sizeof(err)) != 0)
        keel_error("acme: %s: the new certificate serves but is not kept: %s", m->names[0], err);
    format_time(m->chain.not_before_ms, from, sizeof(from));
    format_time(m->chain.not_after_ms, until, sizeof(until));
    format_time(keel_acme_renew_at_ms(m->chain.not_before_ms, m->chain.not_after_ms), renew, sizeof(renew));
    keel_info("acme: %s: certificate issued, valid %s to %s; renewal at %s", m->names[0], from, until, renew);
    report(m, true);
    schedule(m);
}

static void
on_due(keel_acme_timer_t *timer)
{
    keel_acme_managed_t *m = (keel_acme_managed_t *)((char *)timer - offsetof(keel_acme_managed_t, timer));
    keel_acme_history_t h = history(m);
    if (keel_acme_next_attempt_ms(&m->env->backoff, &h) > keel_acme_wall_ms()) {
        schedule(m); /* woke early to check the wall clock */
        return;
    }
    static const keel_acme_attempt_hooks_t hooks = {.issued = on_issued, .failed = on_failed};
    if (m->have)
        keel_info("acme: %s: renewing the certificate", m->names[0]);
    else
        keel_info("acme: %s: ordering a certificate", m->names[0]);
    m->attempt = keel_acme_attempt_start(&m->env->attempt, (const char *const *)m->names, m->n_names, &hooks, m);
    if (m->attempt == NULL)
        note_failure(m, "out of memory", 0);
}

/* What the state directory holds, adopted if usable. */
static void
load(keel_acme_managed_t *m)
{
    char err[512], kerr[512];
    size_t chain_len = 0, key_len = 0;
    bool chain_missing = false, key_missing = false;
    char *chain_pem = keel_acme_store_read(m->chain_path, &chain_len, &chain_missing, err, sizeof(err));
    char *key_pem = keel_acme_store_read(m->key_path, &key_len, &key_missing, kerr, sizeof(kerr));
    if (chain_pem == NULL || key_pem == NULL) {
        if (!(chain_missing && key_missing))
            keel_warn("acme: %s: no usable certificate in the state directory: %s", m->names[0],
                      chain_pem == NULL ? err : kerr);
        free(chain_pem);
        free(key_pem);
        return;
    }
    EVP_PKEY *key = keel_acme_key_from_pem(key_pem, key_len, err, sizeof(err));
    if (key == NULL) {
        keel_warn("acme: %s: %s: %s", m->names[0], m->key_path, err);
        free(chain_pem);
        free(key_pem);
        return;
    }
    if (adopt(m, chain_pem, chain_len, key_pem, key_len, key, err, sizeof(err)) != 0)
        keel_warn("acme: %s: %s is not used: %s", m->names[0], m->chain_path, err);
    EVP_PKEY_free(key);
}

void
keel_acme_managed_start(keel_acme_managed_t *m)
{
    load(m);
    if (m->have) {
        char until[32], renew[32];
        format_time(m->chain.not_after_ms, until, sizeof(until));
        format_time(keel_acme_renew_at_ms(m->chain.not_before_ms, m->chain.not_after_ms), renew, sizeof(renew));
        keel_info("acme: %s: certificate from %s, valid until %s; renewal at %s", m->names[0], m->chain_path, until,
                  renew);
        report(m, false);
    }
    schedule(m);
}

keel_acme_managed_t *
keel_acme_managed_create(const keel_acme_managed_env_t *env, char **names, size_t n, const char *dir, char *err,
                         size_t errlen)
{
    keel_acme_managed_t *m = calloc(1, sizeof(*m));
    if (m == NULL) {
        keel_acme_names_free(names);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    m->env = env;
    m->names = names;
    m->n_names = n;
    m->timer.cb = on_due;
    if (snprintf(m->chain_path, sizeof(m->chain_path), "%s/cert.pem", dir) >= (int)sizeof(m->chain_path) ||
        snprintf(m->key_path, sizeof(m->key_path), "%s/key.pem", dir) >= (int)sizeof(m->key_path)) {
        snprintf(err, errlen, "%s: path too long", dir);
        keel_acme_managed_destroy(m);
        return NULL;
    }
    if (keel_acme_store_mkdirs(dir, err, errlen) != 0) {
        keel_acme_managed_destroy(m);
        return NULL;
    }
    return m;
}

void
keel_acme_managed_destroy(keel_acme_managed_t *m)
{
    if (m == NULL)
        return;
    keel_acme_attempt_free(m->attempt);
    keel_acme_timer_cancel(m->env->attempt.poller, &m->timer);
    keel_acme_chain_free(&m->chain);
    EVP_PKEY_free(m->key);
    free(m->chain_pem);
    free(m->key_pem);
    keel_acme_names_free(m->names);
    free(m);
}
