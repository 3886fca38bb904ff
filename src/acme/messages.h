/* The ACME server's JSON objects (RFC 8555 §7.1): directory, order,
 * authorization with its challenges, and problem documents. Parsing only;
 * everything arrives from the network, so each parser checks types and
 * bounds and is fuzzed (tests/fuzz/fuzz_acme_messages.c). Pure.
 *
 * A parsed object keeps its jansson tree; its string pointers borrow from
 * it and stay valid until the matching _free. */
#ifndef KEEL_ACME_MESSAGES_H
#define KEEL_ACME_MESSAGES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* More than this many authorizations or challenges is refused: an order
 * has one authorization per name (at most 100), an authorization a handful
 * of challenges. */
#define KEEL_ACME_MAX_AUTHZ      100
#define KEEL_ACME_MAX_CHALLENGES 16
/* Largest JSON document accepted from the server. */
#define KEEL_ACME_JSON_MAX (256 * 1024)

typedef enum {
    KEEL_ACME_STATUS_UNKNOWN,
    KEEL_ACME_STATUS_PENDING,
    KEEL_ACME_STATUS_READY,
    KEEL_ACME_STATUS_PROCESSING,
    KEEL_ACME_STATUS_VALID,
    KEEL_ACME_STATUS_INVALID,
    KEEL_ACME_STATUS_DEACTIVATED,
    KEEL_ACME_STATUS_EXPIRED,
    KEEL_ACME_STATUS_REVOKED,
} keel_acme_status_t;

/* The status a "status" string names; UNKNOWN for NULL or anything else. */
keel_acme_status_t keel_acme_status_parse(const char *s);
const char *keel_acme_status_name(keel_acme_status_t s);

typedef struct {
    json_t *root;
    const char *new_nonce;
    const char *new_account;
    const char *new_order;
    const char *terms_of_service;   /* meta.termsOfService, or NULL */
    bool external_account_required; /* meta.externalAccountRequired */
} keel_acme_directory_t;

typedef struct {
    json_t *root;
    keel_acme_status_t status;
    const char *finalize;
    const char *certificate; /* once valid; NULL before */
    size_t n_authorizations;
    const char *authorizations[KEEL_ACME_MAX_AUTHZ];
    const json_t *error; /* a problem document, or NULL */
} keel_acme_order_t;

typedef struct {
    const char *type; /* "http-01", "tls-alpn-01", ... */
    const char *url;
    const char *token; /* NULL unless a valid base64url token */
    keel_acme_status_t status;
    const json_t *error; /* a problem document, or NULL */
} keel_acme_challenge_t;

typedef struct {
    json_t *root;
    keel_acme_status_t status;
    const char *identifier; /* the DNS name */
    bool wildcard;
    size_t n_challenges;
    keel_acme_challenge_t challenges[KEEL_ACME_MAX_CHALLENGES];
} keel_acme_authz_t;

/* Each parser takes the response body, fills *out and returns 0, or
 * returns -1 with the reason in err (and nothing to free). */
int keel_acme_directory_parse(const char *body, size_t len, keel_acme_directory_t *out, char *err, size_t errlen);
void keel_acme_directory_free(keel_acme_directory_t *d);

int keel_acme_order_parse(const char *body, size_t len, keel_acme_order_t *out, char *err, size_t errlen);
void keel_acme_order_free(keel_acme_order_t *o);

int keel_acme_authz_parse(const char *body, size_t len, keel_acme_authz_t *out, char *err, size_t errlen);
void keel_acme_authz_free(keel_acme_authz_t *a);

/* The challenge of type in a, or NULL. */
const keel_acme_challenge_t *keel_acme_authz_challenge(const keel_acme_authz_t *a, const char *type);

/* A problem document (RFC 7807) as one line: its type without the ACME
 * prefix, its detail, and each subproblem's identifier and detail, e.g.
 * "unauthorized: Invalid response from ... (www.example.com: ...)". Writes
 * "" for NULL or a non-object; always NUL-terminates buf (cap > 0). */
void keel_acme_problem_text(const json_t *problem, char *buf, size_t cap);

/* The problem document in an error response's body, as a new reference, or
 * NULL when the body is not one. */
json_t *keel_acme_problem_parse(const char *body, size_t len);

/* Whether problem's type is urn:ietf:params:acme:error:<name>. */
bool keel_acme_problem_is(const json_t *problem, const char *name);

#endif
