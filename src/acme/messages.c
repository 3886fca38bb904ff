#include "acme/messages.h"

#include <stdio.h>
#include <string.h>

#include "acme/b64url.h"

#define ACME_ERROR_PREFIX "urn:ietf:params:acme:error:"

static const char *const status_names[] = {
    [KEEL_ACME_STATUS_UNKNOWN] = "unknown",
    [KEEL_ACME_STATUS_PENDING] = "pending",
    [KEEL_ACME_STATUS_READY] = "ready",
    [KEEL_ACME_STATUS_PROCESSING] = "processing",
    [KEEL_ACME_STATUS_VALID] = "valid",
    [KEEL_ACME_STATUS_INVALID] = "invalid",
    [KEEL_ACME_STATUS_DEACTIVATED] = "deactivated",
    [KEEL_ACME_STATUS_EXPIRED] = "expired",
    [KEEL_ACME_STATUS_REVOKED] = "revoked",
};

keel_acme_status_t
keel_acme_status_parse(const char *s)
{
    if (s == NULL)
        return KEEL_ACME_STATUS_UNKNOWN;
    for (size_t i = 1; i < sizeof(status_names) / sizeof(status_names[0]); i++)
        if (strcmp(s, status_names[i]) == 0)
            return (keel_acme_status_t)i;
    return KEEL_ACME_STATUS_UNKNOWN;
}

const char *
keel_acme_status_name(keel_acme_status_t s)
{
    if ((size_t)s >= sizeof(status_names) / sizeof(status_names[0]))
        return status_names[0];
    return status_names[s];
}

/* The body as a JSON object, or NULL with the reason. */
static json_t *
load_object(const char *body, size_t len, char *err, size_t errlen)
{
    if (len > KEEL_ACME_JSON_MAX) {
        snprintf(err, errlen, "response of %zu bytes is too large", len);
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        snprintf(err, errlen, "malformed JSON: %s (line %d)", jerr.text, jerr.line);
        return NULL;
    }
    if (!json_is_object(root)) {
        snprintf(err, errlen, "JSON response is not an object");
        json_decref(root);
        return NULL;
    }
    return root;
}

/* A member that must be a non-empty string without control characters
 * (it becomes a URL or a log line); NULL otherwise. */
static const char *
string_member(const json_t *obj, const char *name)
{
    const json_t *v = json_object_get(obj, name);
    if (!json_is_string(v) || json_string_length(v) == 0)
        return NULL;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (strlen(s) != n) /* an embedded NUL */
        return NULL;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return NULL;
    return s;
}

static const json_t *
problem_member(const json_t *obj)
{
    const json_t *e = json_object_get(obj, "error");
    return json_is_object(e) ? e : NULL;
}

int
keel_acme_directory_parse(const char *body, size_t len, keel_acme_directory_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    json_t *root = load_object(body, len, err, errlen);
    if (root == NULL)
        return -1;
    out->new_nonce = string_member(root, "newNonce");
    out->new_account = string_member(root, "newAccount");
    out->new_order = string_member(root, "newOrder");
    if (out->new_nonce == NULL || out->new_account == NULL || out->new_order == NULL) {
        snprintf(err, errlen, "directory lacks newNonce, newAccount or newOrder");
        json_decref(root);
        memset(out, 0, sizeof(*out));
        return -1;
    }
    const json_t *meta = json_object_get(root, "meta");
    if (json_is_object(meta)) {
        out->terms_of_service = string_member(meta, "termsOfService");
        out->external_account_required = json_is_true(json_object_get(meta, "externalAccountRequired"));
    }
    out->root = root;
    return 0;
}

void
keel_acme_directory_free(keel_acme_directory_t *d)
{
    json_decref(d->root);
    memset(d, 0, sizeof(*d));
}

int
keel_acme_order_parse(const char *body, size_t len, keel_acme_order_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    json_t *root = load_object(body, len, err, errlen);
    if (root == NULL)
        return -1;
    out->status = keel_acme_status_parse(json_string_value(json_object_get(root, "status")));
    out->finalize = string_member(root, "finalize");
    out->certificate = string_member(root, "certificate");
    out->error = problem_member(root);
    const json_t *authz = json_object_get(root, "authorizations");
    const char *why = NULL;
    if (out->status == KEEL_ACME_STATUS_UNKNOWN)
        why = "order has no known status";
    else if (out->finalize == NULL)
        why = "order has no finalize URL";
    else if (!json_is_array(authz) || json_array_size(authz) == 0)
        why = "order has no authorizations";
    else if (json_array_size(authz) > KEEL_ACME_MAX_AUTHZ)
        why = "order has too many authorizations";
    for (size_t i = 0; why == NULL && i < json_array_size(authz); i++) {
        const json_t *v = json_array_get(authz, i);
        if (!json_is_string(v) || json_string_length(v) == 0 || strlen(json_string_value(v)) != json_string_length(v))
            why = "order has an authorization that is not a URL";
        else
            out->authorizations[out->n_authorizations++] = json_string_value(v);
    }
    if (why != NULL) {
        snprintf(err, errlen, "%s", why);
        json_decref(root);
        memset(out, 0, sizeof(*out));
        return -1;
    }
    out->root = root;
    return 0;
}

void
keel_acme_order_free(keel_acme_order_t *o)
{
    json_decref(o->root);
    memset(o, 0, sizeof(*o));
}

int
keel_acme_authz_parse(const char *body, size_t len, keel_acme_authz_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    json_t *root = load_object(body, len, err, errlen);
    if (root == NULL)
        return -1;
    out->status = keel_acme_status_parse(json_string_value(json_object_get(root, "status")));
    const json_t *ident = json_object_get(root, "identifier");
    const json_t *chs = json_object_get(root, "challenges");
    const char *why = NULL;
    if (out->status == KEEL_ACME_STATUS_UNKNOWN)
        why = "authorization has no known status";
    else if (!json_is_object(ident) || string_member(ident, "type") == NULL ||
             strcmp(string_member(ident, "type"), "dns") != 0 || string_member(ident, "value") == NULL)
        why = "authorization is not for a DNS name";
    else if (!json_is_array(chs))
        why = "authorization has no challenges";
    else if (json_array_size(chs) > KEEL_ACME_MAX_CHALLENGES)
        why = "authorization has too many challenges";
    for (size_t i = 0; why == NULL && i < json_array_size(chs); i++) {
        const json_t *c = json_array_get(chs, i);
        keel_acme_challenge_t *ch = &out->challenges[out->n_challenges];
        if (!json_is_object(c) || (ch->type = string_member(c, "type")) == NULL ||
            (ch->url = string_member(c, "url")) == NULL) {
            why = "authorization has a challenge without type or URL";
            break;
        }
        ch->status = keel_acme_status_parse(json_string_value(json_object_get(c, "status")));
        const char *token = string_member(c, "token");
        if (token != NULL && keel_b64url_is_token(token, strlen(token)))
            ch->token = token;
        ch->error = problem_member(c);
        out->n_challenges++;
    }
    if (why != NULL) {
        snprintf(err, errlen, "%s", why);
        json_decref(root);
        memset(out, 0, sizeof(*out));
        return -1;
    }
    out->identifier = string_member(ident, "value");
    out->wildcard = json_is_true(json_object_get(root, "wildcard"));
    out->root = root;
    return 0;
}

void
keel_acme_authz_free(keel_acme_authz_t *a)
{
    json_decref(a->root);
    memset(a, 0, sizeof(*a));
}

const keel_acme_challenge_t *
keel_acme_authz_challenge(const keel_acme_authz_t *a, const char *type)
{
    for (size_t i = 0; i < a->n_challenges; i++)
        if (strcmp(a->challenges[i].type, type) == 0)
            return &a->challenges[i];
    return NULL;
}

/* Appends to buf at *len, truncating; keeps the terminator. */
static void
append(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
    if (*len + 1 >= cap)
        return;
    if (n > cap - 1 - *len)
        n = cap - 1 - *len;
    memcpy(buf + *len, s, n);
    *len += n;
    buf[*len] = '\0';
}

static void
append_str(char *buf, size_t cap, size_t *len, const char *s)
{
    append(buf, cap, len, s, strlen(s));
}

/* "type: detail" of one problem (the type without the ACME prefix). */
static void
append_problem(char *buf, size_t cap, size_t *len, const json_t *p)
{
    const char *type = string_member(p, "type");
    const char *detail = string_member(p, "detail");
    if (type != NULL) {
        if (strncmp(type, ACME_ERROR_PREFIX, strlen(ACME_ERROR_PREFIX)) == 0)
            type += strlen(ACME_ERROR_PREFIX);
        append_str(buf, cap, len, type);
    }
    if (detail != NULL) {
        if (type != NULL)
            append_str(buf, cap, len, ": ");
        append_str(buf, cap, len, detail);
    }
    if (type == NULL && detail == NULL)
        append_str(buf, cap, len, "unexplained problem");
}

void
keel_acme_problem_text(const json_t *problem, char *buf, size_t cap)
{
    size_t len = 0;
    if (cap == 0)
        return;
    buf[0] = '\0';
    if (!json_is_object(problem))
        return;
    append_problem(buf, cap, &len, problem);
    const json_t *subs = json_object_get(problem, "subproblems");
    size_t n = json_is_array(subs) ? json_array_size(subs) : 0;
    bool opened = false;
    for (size_t i = 0; i < n; i++) {
        const json_t *sp = json_array_get(subs, i);
        if (!json_is_object(sp))
            continue;
        append_str(buf, cap, &len, opened ? "; " : " (");
        opened = true;
        const json_t *ident = json_object_get(sp, "identifier");
        const char *value = json_is_object(ident) ? string_member(ident, "value") : NULL;
        if (value != NULL) {
            append_str(buf, cap, &len, value);
            append_str(buf, cap, &len, " ");
        }
        append_problem(buf, cap, &len, sp);
    }
    if (opened)
        append_str(buf, cap, &len, ")");
}

json_t *
keel_acme_problem_parse(const char *body, size_t len)
{
    char err[16];
    json_t *root = load_object(body, len, err, sizeof(err));
    if (root == NULL)
        return NULL;
    if (string_member(root, "type") == NULL && string_member(root, "detail") == NULL) {
        json_decref(root);
        return NULL;
    }
    return root;
}

bool
keel_acme_problem_is(const json_t *problem, const char *name)
{
    const char *type = json_is_object(problem) ? string_member(problem, "type") : NULL;
    size_t plen = strlen(ACME_ERROR_PREFIX);
    return type != NULL && strncmp(type, ACME_ERROR_PREFIX, plen) == 0 && strcmp(type + plen, name) == 0;
}
