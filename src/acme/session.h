/* An ACME account's conversation with its CA (RFC 8555 §6-7.3): reads the
 * directory, keeps the anti-replay nonce, registers the account (or finds
 * it again: newAccount with a known key answers with its URL), and sends
 * signed requests one at a time, retrying those the CA refuses with
 * badNonce. Brought up on the first request and again after a failure. */
#ifndef KEEL_ACME_SESSION_H
#define KEEL_ACME_SESSION_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/http.h"
#include "acme/jwk.h"
#include "acme/poller.h"

typedef struct {
    /* Why there is no answer to use: the session could not come up (the
     * directory, the account), or the request could not be sent. NULL when
     * the CA answered, whatever the status. */
    const char *error;
    long status;
    const char *body;
    size_t body_len;
    const char *location;    /* absolute, or NULL */
    uint64_t retry_after_ms; /* 0 when absent */
    const json_t *problem;   /* the problem document of an error status, or NULL */
} keel_acme_reply_t;

typedef void (*keel_acme_reply_cb)(void *ctx, const keel_acme_reply_t *reply);

typedef struct keel_acme_session_s keel_acme_session_t;
typedef struct keel_acme_call_s keel_acme_call_t;

typedef struct {
    const char *directory_url;
    const char *email;     /* the account's contact, or NULL */
    EVP_PKEY *account_key; /* borrowed; outlives the session */
} keel_acme_session_config_t;

/* NULL (with the reason in err) for an unsupported key. */
keel_acme_session_t *keel_acme_session_create(keel_acme_http_t *http, keel_acme_poller_t *poller,
                                              const keel_acme_session_config_t *cfg, char *err, size_t errlen);

/* Abandons every request without calling back. */
void keel_acme_session_destroy(keel_acme_session_t *s);

/* Sends payload (NULL: a POST-as-GET) signed by the account to url; url
 * NULL means the directory's newOrder. accept may be NULL. cb runs once,
 * never from inside this call. Returns NULL only when out of memory. */
keel_acme_call_t *keel_acme_session_post(keel_acme_session_t *s, const char *url, const json_t *payload,
                                         const char *accept, keel_acme_reply_cb cb, void *ctx);

/* Abandons a call whose callback has not run; it never will. */
void keel_acme_session_cancel(keel_acme_session_t *s, keel_acme_call_t *call);

/* The account key's RFC 7638 thumbprint, for key authorizations. */
const char *keel_acme_session_thumbprint(const keel_acme_session_t *s);

#endif
