#include "acme/session.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme/jws.h"
#include "acme/messages.h"
#include "common/log.h"

/* A CA may refuse any nonce (RFC 8555 §6.5; pebble refuses 5% on purpose);
 * a request is re-signed with the fresh one this many times. */
#define BAD_NONCE_RETRIES 5

struct keel_acme_call_s {
    char *url; /* NULL: newOrder */
    json_t *payload;
    char *accept;
    bool as_account; /* signed with the JWK: newAccount */
    unsigned attempts;
    keel_acme_reply_cb cb;
    void *ctx;
    keel_acme_call_t *next;
};

typedef enum {
    IDLE,      /* nothing in flight */
    DIRECTORY, /* GET directory */
    NONCE,     /* HEAD newNonce */
    POSTING,   /* the queue's head */
} phase_t;

struct keel_acme_session_s {
    keel_acme_http_t *http;
    char *directory_url;
    char *email;
    EVP_PKEY *key;
    char thumbprint[KEEL_ACME_THUMBPRINT_LEN + 1];
    keel_acme_directory_t dir; /* dir.root NULL until read */
    char *nonce;
    char *kid; /* the account's URL once registered */
    bool account_logged;
    phase_t phase;
    keel_acme_poller_t *poller;
    keel_acme_timer_t fail_timer; /* a failure found while a caller is inside post() */
    char *fail_reason;
    keel_acme_http_req_t *req;
    keel_acme_call_t *queue; /* FIFO; the head is the one being sent */
};

static void pump(keel_acme_session_t *s);

static void
call_free(keel_acme_call_t *c)
{
    free(c->url);
    json_decref(c->payload);
    free(c->accept);
    free(c);
}

static keel_acme_call_t *
call_new(const char *url, const json_t *payload, const char *accept, keel_acme_reply_cb cb, void *ctx)
{
    keel_acme_call_t *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->url = url != NULL ? strdup(url) : NULL;
    c->accept = accept != NULL ? strdup(accept) : NULL;
    /* A deep copy: the caller's object may change before it is sent. */
    c->payload = payload != NULL ? json_deep_copy(payload) : NULL;
    c->cb = cb;
    c->ctx = ctx;
    if ((url != NULL && c->url == NULL) || (accept != NULL && c->accept == NULL) ||
        (payload != NULL && c->payload == NULL)) {
        call_free(c);
        return NULL;
    }
    return c;
}

static void
set_str(char **slot, const char *value)
{
    free(*slot);
    *slot = value != NULL ? strdup(value) : NULL;
}

/* Fails every queued call with reason and forgets what the CA said, so
 * the next call starts from the directory again. Callbacks may queue new
 * calls; those wait for the next pump. */
static void
fail_all(keel_acme_session_t *s, const char *reason)
{
    keel_acme_call_t *list = s->queue;
    s->queue = NULL;
    keel_acme_directory_free(&s->dir);
    set_str(&s->nonce, NULL);
    s->phase = IDLE;
    while (list != NULL) {
        keel_acme_call_t *c = list;
        list = c->next;
        keel_acme_reply_t reply = {.error = reason};
        if (c->cb != NULL)
            c->cb(c->ctx, &reply);
        call_free(c);
    }
}

/* Fails everything on the next run rather than now: pump runs inside
 * keel_acme_session_post, whose caller must not be called back. */
static void
fail_later(keel_acme_session_t *s, const char *reason)
{
    if (s->fail_reason == NULL)
        s->fail_reason = strdup(reason);
    keel_acme_timer_arm(s->poller, &s->fail_timer, 1);
}

static void
on_fail_due(keel_acme_timer_t *timer)
{
    keel_acme_session_t *s = (keel_acme_session_t *)((char *)timer - offsetof(keel_acme_session_t, fail_timer));
    char reason[512];
    snprintf(reason, sizeof(reason), "%s", s->fail_reason != NULL ? s->fail_reason : "out of memory");
    free(s->fail_reason);
    s->fail_reason = NULL;
    fail_all(s, reason);
    pump(s);
}

static void
on_directory(void *ctx, const keel_acme_http_response_t *resp)
{
    keel_acme_session_t *s = ctx;
    s->req = NULL;
    s->phase = IDLE;
    char err[256], reason[512];
    if (resp->error != NULL) {
        snprintf(reason, sizeof(reason), "directory %s: %s", s->directory_url, resp->error);
        fail_all(s, reason);
    } else if (resp->status != 200) {
        snprintf(reason, sizeof(reason), "directory %s: HTTP status %ld", s->directory_url, resp->status);
        fail_all(s, reason);
    } else if (keel_acme_directory_parse(resp->body, resp->body_len, &s->dir, err, sizeof(err)) != 0) {
        snprintf(reason, sizeof(reason), "directory %s: %s", s->directory_url, err);
        fail_all(s, reason);
    } else if (s->dir.external_account_required) {
        snprintf(reason, sizeof(reason),
                 "directory %s: the CA requires external account binding, which keel does not do", s->directory_url);
        fail_all(s, reason);
    } else {
        set_str(&s->nonce, resp->replay_nonce);
    }
    pump(s);
}

static void
on_nonce(void *ctx, const keel_acme_http_response_t *resp)
{
    keel_acme_session_t *s = ctx;
    s->req = NULL;
    s->phase = IDLE;
    char reason[512];
    if (resp->error != NULL || resp->replay_nonce == NULL) {
        snprintf(reason, sizeof(reason), "newNonce: %s",
                 resp->error != NULL ? resp->error : "no Replay-Nonce in the answer");
        fail_all(s, reason);
    } else {
        set_str(&s->nonce, resp->replay_nonce);
    }
    pump(s);
}

/* The account call's answer: the account's URL, or the reason every call
 * waiting for it fails. */
static void
on_account(keel_acme_session_t *s, const keel_acme_reply_t *reply)
{
    char reason[768];
    if (reply->error == NULL && (reply->status == 200 || reply->status == 201) && reply->location != NULL) {
        set_str(&s->kid, reply->location);
        if (!s->account_logged) {
            keel_info("acme: account %s (%s)", s->kid, reply->status == 201 ? "registered" : "already registered");
            if (reply->status == 201 && s->dir.terms_of_service != NULL)
                keel_info("acme: agreed to the CA's terms of service: %s", s->dir.terms_of_service);
            s->account_logged = true;
        }
        return;
    }
    char text[512] = "";
    keel_acme_problem_text(reply->problem, text, sizeof(text));
    if (reply->error != NULL)
        snprintf(reason, sizeof(reason), "account: %s", reply->error);
    else
        snprintf(reason, sizeof(reason), "account refused (HTTP %ld)%s%s", reply->status, text[0] ? ": " : "", text);
    fail_all(s, reason);
}

static void
on_post(void *ctx, const keel_acme_http_response_t *resp)
{
    keel_acme_session_t *s = ctx;
    s->req = NULL;
    s->phase = IDLE;
    keel_acme_call_t *c = s->queue;
    if (resp->replay_nonce != NULL)
        set_str(&s->nonce, resp->replay_nonce);
    json_t *problem = NULL;
    if (resp->error == NULL && resp->status >= 400)
        problem = keel_acme_problem_parse(resp->body, resp->body_len);
    if (problem != NULL && keel_acme_problem_is(problem, "badNonce") && c->attempts < BAD_NONCE_RETRIES) {
        /* sent again with the nonce this answer carried (or a new one) */
        json_decref(problem);
        pump(s);
        return;
    }
    if (problem != NULL && keel_acme_problem_is(problem, "accountDoesNotExist"))
        set_str(&s->kid, NULL); /* the CA forgot the account: register again next time */
    s->queue = c->next;
    keel_acme_reply_t reply = {
        .error = resp->error,
        .status = resp->status,
        .body = resp->body,
        .body_len = resp->body_len,
        .location = resp->location,
        .retry_after_ms = resp->retry_after_ms,
        .problem = problem,
    };
    if (c->as_account)
        on_account(s, &reply);
    else if (c->cb != NULL)
        c->cb(c->ctx, &reply);
    json_decref(problem);
    call_free(c);
    pump(s);
}

static void
send_head(keel_acme_session_t *s)
{
    keel_acme_call_t *c = s->queue;
    const char *url = c->as_account ? s->dir.new_account : c->url != NULL ? c->url : s->dir.new_order;
    char *body = keel_acme_jws(s->key, c->as_account ? NULL : s->kid, s->nonce, url, c->payload);
    set_str(&s->nonce, NULL); /* each nonce is good for one request */
    c->attempts++;
    if (body != NULL)
        s->req = keel_acme_http_request(s->http, "POST", url, body, strlen(body), "application/jose+json", c->accept,
                                        on_post, s);
    free(body);
    if (s->req == NULL) {
        fail_later(s, "cannot send a request (out of memory?)");
        return;
    }
    s->phase = POSTING;
}

/* Starts whatever the head of the queue needs next; one request at a time. */
static void
pump(keel_acme_session_t *s)
{
    if (s->phase != IDLE || s->queue == NULL || s->fail_timer.armed)
        return;
    if (s->dir.root == NULL) {
        s->req = keel_acme_http_request(s->http, "GET", s->directory_url, NULL, 0, NULL, "application/json",
                                        on_directory, s);
        if (s->req == NULL) {
            fail_later(s, "cannot send a request (out of memory?)");
            return;
        }
        s->phase = DIRECTORY;
        return;
    }
    if (s->nonce == NULL) {
        s->req = keel_acme_http_request(s->http, "HEAD", s->dir.new_nonce, NULL, 0, NULL, NULL, on_nonce, s);
        if (s->req == NULL) {
            fail_later(s, "cannot send a request (out of memory?)");
            return;
        }
        s->phase = NONCE;
        return;
    }
    if (s->kid == NULL && !s->queue->as_account) {
        /* register first: the account call goes before everything */
        keel_acme_call_t *acct = NULL;
        json_t *payload = json_object();
        json_t *contact = s->email != NULL ? json_array() : NULL;
        char mailto[320];
        if (payload != NULL && json_object_set_new(payload, "termsOfServiceAgreed", json_true()) == 0 &&
            (s->email == NULL ||
             (contact != NULL && snprintf(mailto, sizeof(mailto), "mailto:%s", s->email) < (int)sizeof(mailto) &&
              json_array_append_new(contact, json_string(mailto)) == 0 &&
              json_object_set(payload, "contact", contact) == 0)))
            acct = call_new(NULL, payload, NULL, NULL, NULL);
        json_decref(contact);
        json_decref(payload);
        if (acct == NULL) {
            fail_later(s, "cannot build the account request");
            return;
        }
        acct->as_account = true;
        acct->next = s->queue;
        s->queue = acct;
    }
    send_head(s);
}

keel_acme_call_t *
keel_acme_session_post(keel_acme_session_t *s, const char *url, const json_t *payload, const char *accept,
                       keel_acme_reply_cb cb, void *ctx)
{
    keel_acme_call_t *c = call_new(url, payload, accept, cb, ctx);
    if (c == NULL)
        return NULL;
    keel_acme_call_t **l = &s->queue;
    while (*l != NULL)
        l = &(*l)->next;
    *l = c;
    pump(s);
    return c;
}

void
keel_acme_session_cancel(keel_acme_session_t *s, keel_acme_call_t *call)
{
    if (call == NULL)
        return;
    if (call == s->queue && s->phase == POSTING) {
        /* its request is in flight: abandon it; the nonce it used is spent */
        keel_acme_http_cancel(s->http, s->req);
        s->req = NULL;
        s->phase = IDLE;
    }
    for (keel_acme_call_t **l = &s->queue; *l != NULL; l = &(*l)->next) {
        if (*l == call) {
            *l = call->next;
            call_free(call);
            break;
        }
    }
    pump(s);
}

const char *
keel_acme_session_thumbprint(const keel_acme_session_t *s)
{
    return s->thumbprint;
}

keel_acme_session_t *
keel_acme_session_create(keel_acme_http_t *http, keel_acme_poller_t *poller, const keel_acme_session_config_t *cfg,
                         char *err, size_t errlen)
{
    keel_acme_session_t *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->http = http;
    s->poller = poller;
    s->fail_timer.cb = on_fail_due;
    s->key = cfg->account_key;
    s->directory_url = strdup(cfg->directory_url);
    s->email = cfg->email != NULL ? strdup(cfg->email) : NULL;
    if (s->directory_url == NULL || (cfg->email != NULL && s->email == NULL)) {
        snprintf(err, errlen, "out of memory");
        keel_acme_session_destroy(s);
        return NULL;
    }
    if (keel_acme_jwk_thumbprint(s->key, s->thumbprint) != 0) {
        snprintf(err, errlen, "the account key is neither ECDSA P-256 nor RSA of 2048 bits or more");
        keel_acme_session_destroy(s);
        return NULL;
    }
    return s;
}

void
keel_acme_session_destroy(keel_acme_session_t *s)
{
    if (s == NULL)
        return;
    if (s->req != NULL)
        keel_acme_http_cancel(s->http, s->req);
    keel_acme_timer_cancel(s->poller, &s->fail_timer);
    free(s->fail_reason);
    while (s->queue != NULL) {
        keel_acme_call_t *c = s->queue;
        s->queue = c->next;
        call_free(c);
    }
    keel_acme_directory_free(&s->dir);
    free(s->nonce);
    free(s->kid);
    free(s->directory_url);
    free(s->email);
    free(s);
}
