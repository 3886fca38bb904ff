#include "acme/challenges.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acme/alpn_cert.h"
#include "acme/b64url.h"

struct keel_acme_challenge_entry_s {
    keel_acme_challenge_kind_t kind;
    char *name;
    char *token;
    char *key_authorization;
    X509 *cert; /* TLS-ALPN-01 only */
    EVP_PKEY *key;
    keel_acme_challenge_entry_t *next;
};

static void
entry_free(keel_acme_challenge_entry_t *e)
{
    free(e->name);
    free(e->token);
    free(e->key_authorization);
    X509_free(e->cert);
    EVP_PKEY_free(e->key);
    free(e);
}

void
keel_acme_challenges_remove(keel_acme_challenges_t *t, const char *token)
{
    for (keel_acme_challenge_entry_t **l = &t->head; *l != NULL; l = &(*l)->next) {
        if (strcmp((*l)->token, token) == 0) {
            keel_acme_challenge_entry_t *e = *l;
            *l = e->next;
            entry_free(e);
            return;
        }
    }
}

void
keel_acme_challenges_clear(keel_acme_challenges_t *t)
{
    while (t->head != NULL) {
        keel_acme_challenge_entry_t *e = t->head;
        t->head = e->next;
        entry_free(e);
    }
}

int
keel_acme_challenges_add(keel_acme_challenges_t *t, keel_acme_challenge_kind_t kind, const char *name,
                         const char *token, const char *key_authorization)
{
    keel_acme_challenge_entry_t *e = calloc(1, sizeof(*e));
    if (e == NULL)
        return -1;
    e->kind = kind;
    e->name = strdup(name);
    e->token = strdup(token);
    e->key_authorization = strdup(key_authorization);
    if (e->name == NULL || e->token == NULL || e->key_authorization == NULL ||
        (kind == KEEL_ACME_TLS_ALPN01 && keel_acme_alpn_cert(name, key_authorization, &e->cert, &e->key) != 0)) {
        entry_free(e);
        return -1;
    }
    keel_acme_challenges_remove(t, token);
    e->next = t->head;
    t->head = e;
    return 0;
}

const char *
keel_acme_challenges_http01(const keel_acme_challenges_t *t, const char *token, size_t token_len)
{
    for (const keel_acme_challenge_entry_t *e = t->head; e != NULL; e = e->next)
        if (e->kind == KEEL_ACME_HTTP01 && strlen(e->token) == token_len && memcmp(e->token, token, token_len) == 0)
            return e->key_authorization;
    return NULL;
}

int
keel_acme_challenges_tls_alpn01(const keel_acme_challenges_t *t, const char *server_name, X509 **cert, EVP_PKEY **key)
{
    if (server_name == NULL)
        return -1;
    for (const keel_acme_challenge_entry_t *e = t->head; e != NULL; e = e->next) {
        if (e->kind == KEEL_ACME_TLS_ALPN01 && strcasecmp(e->name, server_name) == 0) {
            *cert = e->cert;
            *key = e->key;
            return 0;
        }
    }
    return -1;
}

bool
keel_acme_http01_token(const char *path, size_t len, const char **token, size_t *token_len)
{
    size_t plen = strlen(KEEL_ACME_HTTP01_PREFIX);
    if (len <= plen || memcmp(path, KEEL_ACME_HTTP01_PREFIX, plen) != 0)
        return false;
    if (!keel_b64url_is_token(path + plen, len - plen))
        return false;
    *token = path + plen;
    *token_len = len - plen;
    return true;
}
