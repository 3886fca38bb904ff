#include "acme/attempt.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme/b64url.h"
#include "acme/csr.h"
#include "acme/keys.h"
#include "acme/messages.h"
#include "common/clock.h"
#include "common/log.h"

/* Polling: 250 ms doubling to 4 s unless the CA says when (Retry-After,
 * honoured up to a minute); a CA that has not decided within ten minutes
 * has failed the attempt. */
#define POLL_FIRST_MS      250
#define POLL_MAX_MS        4000
#define RETRY_AFTER_MAX_MS 60000
#define ATTEMPT_LIMIT_MS   (10 * 60 * 1000)

typedef enum {
    STEP_NEW_ORDER,
    STEP_AUTHZ,     /* reading authorization `authz_index` */
    STEP_CHALLENGE, /* telling the CA the challenge is ready */
    STEP_ORDER,     /* polling the order until ready or valid */
    STEP_FINALIZE,  /* sending the CSR */
    STEP_CERTIFICATE,
    STEP_DONE,
} step_t;

struct keel_acme_attempt_s {
    const keel_acme_attempt_env_t *env;
    const char *const *names;
    size_t n_names;
    keel_acme_attempt_hooks_t hooks;
    void *owner;
    step_t step;
    keel_acme_call_t *call; /* the request in flight, if any */
    keel_acme_timer_t poll_timer;
    unsigned polls; /* polls of the current object */
    uint64_t started_ms;
    char *order_url;
    char *finalize_url;
    char **authz;
    size_t n_authz, authz_index;
    char *token;             /* the challenge answered now, withdrawn when decided */
    const char *answered;    /* its type */
    EVP_PKEY *key;           /* the certificate's key, made at finalize */
    uint64_t retry_after_ms; /* the refusal's Retry-After, for the owner */
    bool finalized;          /* the CA took the CSR */
};

static void next_authz(keel_acme_attempt_t *a);
static void post(keel_acme_attempt_t *a, step_t step, const char *url, json_t *payload, const char *accept);

static void
withdraw(keel_acme_attempt_t *a)
{
    if (a->token == NULL)
        return;
    keel_acme_challenges_remove(a->env->challenges, a->token);
    free(a->token);
    a->token = NULL;
}

/* Ends the attempt with a reason; nothing of a is touched after the hook. */
static void __attribute__((format(printf, 2, 3))) fail(keel_acme_attempt_t *a, const char *fmt, ...)
{
    char reason[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    withdraw(a);
    keel_acme_timer_cancel(a->env->poller, &a->poll_timer);
    a->step = STEP_DONE;
    a->hooks.failed(a->owner, reason, a->retry_after_ms);
}

/* "NAME: " before a reason about one name, on a certificate for several
 * (the log line already names the certificate by its first name). */
static const char *
about(const keel_acme_attempt_t *a, const char *name, char *buf, size_t cap)
{
    if (a->n_names < 2)
        return "";
    snprintf(buf, cap, "%.253s: ", name);
    return buf;
}

/* What went wrong with a reply that is not the expected success; its
 * Retry-After is kept for the failure. */
static void
describe(keel_acme_attempt_t *a, const keel_acme_reply_t *r, char *buf, size_t cap)
{
    a->retry_after_ms = r->retry_after_ms;
    if (r->error != NULL) {
        snprintf(buf, cap, "%s", r->error);
        return;
    }
    char text[768];
    keel_acme_problem_text(r->problem, text, sizeof(text));
    if (text[0] != '\0')
        snprintf(buf, cap, "%s (HTTP %ld)", text, r->status);
    else
        snprintf(buf, cap, "HTTP status %ld", r->status);
}

static bool
ok_status(const keel_acme_reply_t *r)
{
    return r->error == NULL && r->status >= 200 && r->status < 300;
}

/* Polls again after a delay: the CA's Retry-After, else the doubling one. */
static void
poll_later(keel_acme_attempt_t *a, const keel_acme_reply_t *r)
{
    uint64_t now = keel_now_ms();
    if (now - a->started_ms > ATTEMPT_LIMIT_MS) {
        fail(a, "the CA did not decide within %d minutes", ATTEMPT_LIMIT_MS / 60000);
        return;
    }
    uint64_t delay = POLL_FIRST_MS;
    for (unsigned i = 0; i < a->polls && delay < POLL_MAX_MS; i++)
        delay *= 2;
    if (delay > POLL_MAX_MS)
        delay = POLL_MAX_MS;
    if (r->retry_after_ms > 0)
        delay = r->retry_after_ms < RETRY_AFTER_MAX_MS ? r->retry_after_ms : RETRY_AFTER_MAX_MS;
    a->polls++;
    keel_acme_timer_arm(a->env->poller, &a->poll_timer, now + delay);
}

static void
download(keel_acme_attempt_t *a, const char *url)
{
    post(a, STEP_CERTIFICATE, url, NULL, "application/pem-certificate-chain");
}

static void
finalize(keel_acme_attempt_t *a)
{
    if (a->key == NULL && (a->key = keel_acme_key_generate()) == NULL) {
        fail(a, "cannot generate a certificate key");
        return;
    }
    size_t der_len = 0;
    unsigned char *der = keel_acme_csr_der(a->key, a->names, a->n_names, &der_len);
    char *csr = der != NULL ? keel_b64url_encode_alloc(der, der_len) : NULL;
    OPENSSL_free(der);
    json_t *payload = csr != NULL ? json_pack("{s:s}", "csr", csr) : NULL;
    free(csr);
    if (payload == NULL) {
        fail(a, "cannot build the certificate signing request");
        return;
    }
    a->polls = 0;
    post(a, STEP_FINALIZE, a->finalize_url, payload, NULL);
}

/* The order's state decides what comes next (after newOrder, a poll or
 * finalize). */
static void
on_order_state(keel_acme_attempt_t *a, const keel_acme_reply_t *r, const keel_acme_order_t *o)
{
    switch (o->status) {
    case KEEL_ACME_STATUS_PENDING:
        if (a->step == STEP_NEW_ORDER) {
            a->authz_index = 0;
            next_authz(a);
        } else {
            poll_later(a, r); /* authorizations being decided */
        }
        return;
    case KEEL_ACME_STATUS_READY:
        if (a->finalized) {
            a->step = STEP_ORDER;
            poll_later(a, r); /* the CSR was taken; the order moves on */
        } else {
            finalize(a);
        }
        return;
    case KEEL_ACME_STATUS_PROCESSING:
        a->step = STEP_ORDER;
        poll_later(a, r);
        return;
    case KEEL_ACME_STATUS_VALID:
        if (o->certificate == NULL) {
            fail(a, "the order is valid but names no certificate");
            return;
        }
        download(a, o->certificate);
        return;
    default: {
        char text[768];
        keel_acme_problem_text(o->error, text, sizeof(text));
        fail(a, "the order is %s%s%s", keel_acme_status_name(o->status), text[0] ? ": " : "", text);
        return;
    }
    }
}

static void
on_new_order(keel_acme_attempt_t *a, const keel_acme_reply_t *r)
{
    char why[1024], err[256];
    if (!ok_status(r) || r->location == NULL) {
        describe(a, r, why, sizeof(why));
        fail(a, "newOrder refused: %s", r->location == NULL && ok_status(r) ? "no order URL" : why);
        return;
    }
    keel_acme_order_t o;
    if (keel_acme_order_parse(r->body, r->body_len, &o, err, sizeof(err)) != 0) {
        fail(a, "newOrder: %s", err);
        return;
    }
    a->order_url = strdup(r->location);
    a->finalize_url = strdup(o.finalize);
    a->authz = calloc(o.n_authorizations, sizeof(*a->authz));
    bool ok = a->order_url != NULL && a->finalize_url != NULL && a->authz != NULL;
    for (size_t i = 0; ok && i < o.n_authorizations; i++) {
        ok = (a->authz[i] = strdup(o.authorizations[i])) != NULL;
        a->n_authz += ok;
    }
    if (!ok) {
        keel_acme_order_free(&o);
        fail(a, "out of memory");
        return;
    }
    on_order_state(a, r, &o);
    keel_acme_order_free(&o);
}

/* The challenge keel answers for an authorization, by preference. */
static const keel_acme_challenge_t *
choose(const keel_acme_attempt_t *a, const keel_acme_authz_t *z, keel_acme_challenge_kind_t *kind)
{
    const keel_acme_challenge_t *c;
    if ((a->env->challenge_types & KEEL_ACME_CHALLENGE_HTTP01) && (c = keel_acme_authz_challenge(z, "http-01")) &&
        c->token != NULL) {
        *kind = KEEL_ACME_HTTP01;
        return c;
    }
    if ((a->env->challenge_types & KEEL_ACME_CHALLENGE_TLS_ALPN01) &&
        (c = keel_acme_authz_challenge(z, "tls-alpn-01")) && c->token != NULL) {
        *kind = KEEL_ACME_TLS_ALPN01;
        return c;
    }
    return NULL;
}

/* Answers the challenge: its key authorization goes into the table the
 * listeners read, then the CA is told to validate. */
static void
answer(keel_acme_attempt_t *a, const keel_acme_authz_t *z)
{
    keel_acme_challenge_kind_t kind;
    const keel_acme_challenge_t *c = choose(a, z, &kind);
    if (c == NULL) {
        char offered[256] = "";
        size_t len = 0;
        for (size_t i = 0; i < z->n_challenges && len < sizeof(offered); i++)
            len += (size_t)snprintf(offered + len, sizeof(offered) - len, "%s%s", i ? ", " : "", z->challenges[i].type);
        char who[300];
        fail(a, "%sthe CA offers no challenge keel can answer here (offered: %s)",
             about(a, z->identifier, who, sizeof(who)), offered[0] ? offered : "none");
        return;
    }
    char key_auth[512];
    if (snprintf(key_auth, sizeof(key_auth), "%s.%s", c->token, keel_acme_session_thumbprint(a->env->session)) >=
        (int)sizeof(key_auth)) {
        fail(a, "challenge token too long");
        return;
    }
    withdraw(a);
    if (keel_acme_challenges_add(a->env->challenges, kind, z->identifier, c->token, key_auth) != 0 ||
        (a->token = strdup(c->token)) == NULL) {
        keel_acme_challenges_remove(a->env->challenges, c->token);
        fail(a, "cannot prepare the %s answer", c->type);
        return;
    }
    a->answered = kind == KEEL_ACME_HTTP01 ? "http-01" : "tls-alpn-01";
    keel_info("acme: %s: answering %s", z->identifier, a->answered);
    json_t *empty = json_object();
    if (empty == NULL) {
        fail(a, "out of memory");
        return;
    }
    post(a, STEP_CHALLENGE, c->url, empty, NULL);
}

static void
on_authz(keel_acme_attempt_t *a, const keel_acme_reply_t *r)
{
    char why[1024], err[256];
    if (!ok_status(r)) {
        describe(a, r, why, sizeof(why));
        fail(a, "reading an authorization: %s", why);
        return;
    }
    keel_acme_authz_t z;
    if (keel_acme_authz_parse(r->body, r->body_len, &z, err, sizeof(err)) != 0) {
        fail(a, "authorization: %s", err);
        return;
    }
    switch (z.status) {
    case KEEL_ACME_STATUS_VALID:
        if (a->token != NULL)
            keel_info("acme: %s: %s accepted", z.identifier, a->answered);
        withdraw(a);
        a->authz_index++;
        a->polls = 0;
        next_authz(a);
        break;
    case KEEL_ACME_STATUS_PENDING:
        if (a->token == NULL)
            answer(a, &z);
        else
            poll_later(a, r); /* answered; the CA has not looked yet */
        break;
    case KEEL_ACME_STATUS_INVALID: {
        /* the refused challenge's problem says why */
        const json_t *problem = NULL;
        for (size_t i = 0; i < z.n_challenges && problem == NULL; i++)
            if (z.challenges[i].status == KEEL_ACME_STATUS_INVALID)
                problem = z.challenges[i].error;
        char text[768], who[300];
        keel_acme_problem_text(problem, text, sizeof(text));
        fail(a, "%schallenge refused: %s", about(a, z.identifier, who, sizeof(who)),
             text[0] ? text : "the CA gave no reason");
        break;
    }
    default: {
        char who[300];
        fail(a, "%sthe authorization is %s", about(a, z.identifier, who, sizeof(who)), keel_acme_status_name(z.status));
        break;
    }
    }
    keel_acme_authz_free(&z);
}

static void
on_challenge(keel_acme_attempt_t *a, const keel_acme_reply_t *r)
{
    if (!ok_status(r)) {
        char why[1024];
        describe(a, r, why, sizeof(why));
        fail(a, "the CA did not take the %s answer: %s", a->answered, why);
        return;
    }
    /* Validation runs now; the authorization says when it is decided. */
    a->polls = 0;
    a->step = STEP_AUTHZ;
    poll_later(a, r);
}

static void
on_order_poll(keel_acme_attempt_t *a, const keel_acme_reply_t *r)
{
    char why[1024], err[256];
    if (a->step == STEP_FINALIZE && ok_status(r))
        a->finalized = true;
    if (!ok_status(r)) {
        describe(a, r, why, sizeof(why));
        fail(a, "%s: %s", a->step == STEP_FINALIZE ? "finalize refused" : "reading the order", why);
        return;
    }
    keel_acme_order_t o;
    if (keel_acme_order_parse(r->body, r->body_len, &o, err, sizeof(err)) != 0) {
        fail(a, "order: %s", err);
        return;
    }
    on_order_state(a, r, &o);
    keel_acme_order_free(&o);
}

static void
on_certificate(keel_acme_attempt_t *a, const keel_acme_reply_t *r)
{
    if (!ok_status(r)) {
        char why[1024];
        describe(a, r, why, sizeof(why));
        fail(a, "downloading the certificate: %s", why);
        return;
    }
    withdraw(a);
    a->step = STEP_DONE;
    a->hooks.issued(a->owner, r->body, r->body_len, a->key);
}

static void
on_reply(void *ctx, const keel_acme_reply_t *r)
{
    keel_acme_attempt_t *a = ctx;
    a->call = NULL; /* the session frees it after this returns */
    switch (a->step) {
    case STEP_NEW_ORDER:
        on_new_order(a, r);
        break;
    case STEP_AUTHZ:
        on_authz(a, r);
        break;
    case STEP_CHALLENGE:
        on_challenge(a, r);
        break;
    case STEP_ORDER:
    case STEP_FINALIZE:
        on_order_poll(a, r);
        break;
    case STEP_CERTIFICATE:
        on_certificate(a, r);
        break;
    case STEP_DONE:
        break;
    }
}

/* Sends payload (taken over; NULL for POST-as-GET) to url in step. */
static void
post(keel_acme_attempt_t *a, step_t step, const char *url, json_t *payload, const char *accept)
{
    a->step = step;
    a->call = keel_acme_session_post(a->env->session, url, payload, accept, on_reply, a);
    json_decref(payload);
    if (a->call == NULL)
        fail(a, "out of memory");
}

static void
next_authz(keel_acme_attempt_t *a)
{
    if (a->authz_index < a->n_authz) {
        post(a, STEP_AUTHZ, a->authz[a->authz_index], NULL, NULL);
        return;
    }
    /* every authorization is valid: the order becomes ready */
    a->polls = 0;
    post(a, STEP_ORDER, a->order_url, NULL, NULL);
}

static void
on_poll_due(keel_acme_timer_t *timer)
{
    keel_acme_attempt_t *a = (keel_acme_attempt_t *)((char *)timer - offsetof(keel_acme_attempt_t, poll_timer));
    if (a->step == STEP_AUTHZ)
        post(a, STEP_AUTHZ, a->authz[a->authz_index], NULL, NULL);
    else
        post(a, STEP_ORDER, a->order_url, NULL, NULL);
}

keel_acme_attempt_t *
keel_acme_attempt_start(const keel_acme_attempt_env_t *env, const char *const *names, size_t n,
                        const keel_acme_attempt_hooks_t *hooks, void *owner)
{
    keel_acme_attempt_t *a = calloc(1, sizeof(*a));
    if (a == NULL)
        return NULL;
    a->env = env;
    a->names = names;
    a->n_names = n;
    a->hooks = *hooks;
    a->owner = owner;
    a->poll_timer.cb = on_poll_due;
    a->started_ms = keel_now_ms();
    json_t *ids = json_array();
    for (size_t i = 0; ids != NULL && i < n; i++) {
        if (json_array_append_new(ids, json_pack("{s:s,s:s}", "type", "dns", "value", names[i])) != 0) {
            json_decref(ids);
            ids = NULL;
        }
    }
    json_t *payload = ids != NULL ? json_pack("{s:o}", "identifiers", ids) : NULL;
    if (payload == NULL) {
        free(a);
        return NULL;
    }
    a->step = STEP_NEW_ORDER;
    a->call = keel_acme_session_post(env->session, NULL, payload, NULL, on_reply, a);
    json_decref(payload);
    if (a->call == NULL) {
        free(a);
        return NULL;
    }
    return a;
}

void
keel_acme_attempt_free(keel_acme_attempt_t *a)
{
    if (a == NULL)
        return;
    if (a->call != NULL)
        keel_acme_session_cancel(a->env->session, a->call);
    keel_acme_timer_cancel(a->env->poller, &a->poll_timer);
    withdraw(a);
    for (size_t i = 0; i < a->n_authz; i++)
        free(a->authz[i]);
    free(a->authz);
    free(a->order_url);
    free(a->finalize_url);
    EVP_PKEY_free(a->key);
    free(a);
}
