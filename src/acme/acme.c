#include "acme/acme.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acme/attempt.h"
#include "acme/b64url.h"
#include "acme/challenges.h"
#include "acme/curl_api.h"
#include "acme/http.h"
#include "acme/keys.h"
#include "acme/managed.h"
#include "acme/names.h"
#include "acme/poller.h"
#include "acme/session.h"
#include "acme/store.h"

#define USER_AGENT "keel/" KEEL_VERSION " (ACME client)"

struct keel_acme_s {
    keel_acme_poller_t poller;
    bool poller_ready;
    bool curl_ready;
    keel_acme_http_t *http;
    keel_acme_session_t *session;
    keel_acme_challenges_t challenges;
    keel_acme_managed_env_t env;
    EVP_PKEY *account_key;
    keel_acme_managed_t **managed;
    size_t n_managed;
};

/* The account key in dir, made and kept (0600) on first use. */
static EVP_PKEY *
account_key(const char *dir, char *err, size_t errlen)
{
    char path[PATH_MAX], why[512];
    if (snprintf(path, sizeof(path), "%s/account.key", dir) >= (int)sizeof(path)) {
        snprintf(err, errlen, "%.400s: path too long", dir);
        return NULL;
    }
    size_t len = 0;
    bool missing = false;
    char *pem = keel_acme_store_read(path, &len, &missing, why, sizeof(why));
    if (pem != NULL) {
        EVP_PKEY *key = keel_acme_key_from_pem(pem, len, why, sizeof(why));
        OPENSSL_cleanse(pem, len);
        free(pem);
        if (key == NULL)
            snprintf(err, errlen, "%.250s: %.250s", path, why);
        return key;
    }
    if (!missing) {
        snprintf(err, errlen, "%s", why);
        return NULL;
    }
    EVP_PKEY *key = keel_acme_key_generate();
    pem = key != NULL ? keel_acme_key_to_pem(key, &len) : NULL;
    if (pem == NULL) {
        snprintf(err, errlen, "cannot generate an account key: %s", keel_acme_openssl_error(why, sizeof(why)));
        EVP_PKEY_free(key);
        return NULL;
    }
    int rc = keel_acme_store_write(path, pem, len, err, errlen);
    OPENSSL_cleanse(pem, len);
    free(pem);
    if (rc != 0) {
        EVP_PKEY_free(key);
        return NULL;
    }
    return key;
}

/* A managed certificate for every --acme-domain value. */
static int
add_certificates(keel_acme_t *a, const keel_acme_config_t *cfg, const char *ca_dir, char *err, size_t errlen)
{
    a->managed = calloc(cfg->n_domains, sizeof(*a->managed));
    if (a->managed == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < cfg->n_domains; i++) {
        char why[512], dir[PATH_MAX];
        size_t n = 0;
        char **names = keel_acme_names_parse(cfg->domains[i], &n, why, sizeof(why));
        if (names == NULL) {
            snprintf(err, errlen, "--acme-domain %s: %s", cfg->domains[i], why);
            return -1;
        }
        if (snprintf(dir, sizeof(dir), "%s/%s", ca_dir, names[0]) >= (int)sizeof(dir)) {
            snprintf(err, errlen, "--state-dir: path too long");
            keel_acme_names_free(names);
            return -1;
        }
        a->managed[i] = keel_acme_managed_create(&a->env, names, n, dir, why, sizeof(why));
        if (a->managed[i] == NULL) {
            snprintf(err, errlen, "--state-dir: %s", why);
            return -1;
        }
        a->n_managed++;
    }
    return 0;
}

/* A name may be on one certificate only. */
static int
check_unique(const keel_acme_config_t *cfg, char *err, size_t errlen)
{
    char ***all = calloc(cfg->n_domains, sizeof(*all));
    if (all == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < cfg->n_domains && rc == 0; i++) {
        size_t n;
        char why[512];
        all[i] = keel_acme_names_parse(cfg->domains[i], &n, why, sizeof(why));
        if (all[i] == NULL) {
            snprintf(err, errlen, "--acme-domain %s: %s", cfg->domains[i], why);
            rc = -1;
            break;
        }
        for (size_t j = 0; j < i && rc == 0; j++)
            for (char **x = all[i]; *x != NULL && rc == 0; x++)
                for (char **y = all[j]; *y != NULL && rc == 0; y++)
                    if (strcmp(*x, *y) == 0) {
                        snprintf(err, errlen, "--acme-domain: %s is named twice", *x);
                        rc = -1;
                    }
    }
    for (size_t i = 0; i < cfg->n_domains; i++)
        keel_acme_names_free(all[i]);
    free(all);
    return rc;
}

keel_acme_t *
keel_acme_create(const keel_acme_config_t *cfg, const keel_acme_hooks_t *hooks, void *owner, char *err, size_t errlen)
{
    if (cfg->n_domains == 0) {
        snprintf(err, errlen, "no --acme-domain");
        return NULL;
    }
    if ((cfg->challenges & (KEEL_ACME_CHALLENGE_HTTP01 | KEEL_ACME_CHALLENGE_TLS_ALPN01)) == 0) {
        snprintf(err, errlen, "--acme-domain needs a listener to answer the CA's challenges on");
        return NULL;
    }
    if (hooks->certificate == NULL) {
        snprintf(err, errlen, "no certificate callback");
        return NULL;
    }
    if (check_unique(cfg, err, errlen) != 0)
        return NULL;
    if (cfg->ca_root != NULL && access(cfg->ca_root, R_OK) != 0) {
        snprintf(err, errlen, "--acme-ca-root %s: %s", cfg->ca_root, strerror(errno));
        return NULL;
    }
    const char *directory = cfg->directory_url != NULL ? cfg->directory_url : KEEL_ACME_DEFAULT_DIRECTORY;
    if (strncmp(directory, "https://", 8) != 0) {
        snprintf(err, errlen, "--acme-directory %s: not an https:// URL", directory);
        return NULL;
    }
    keel_acme_t *a = calloc(1, sizeof(*a));
    if (a == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    char ca_name[128], ca_dir[PATH_MAX], why[512];
    keel_acme_store_ca_name(directory, ca_name, sizeof(ca_name));
    const char *state = cfg->state_dir != NULL ? cfg->state_dir : KEEL_ACME_DEFAULT_STATE_DIR;
    if (snprintf(ca_dir, sizeof(ca_dir), "%s/acme/%s", state, ca_name) >= (int)sizeof(ca_dir)) {
        snprintf(err, errlen, "--state-dir %s: path too long", state);
        goto fail;
    }
    if (keel_acme_store_mkdirs(ca_dir, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "--state-dir: %s", why);
        goto fail;
    }
    if ((a->account_key = account_key(ca_dir, why, sizeof(why))) == NULL) {
        snprintf(err, errlen, "--state-dir: %s", why);
        goto fail;
    }
    if (keel_curl_load(why, sizeof(why)) != 0) {
        snprintf(err, errlen, "acme: %s", why);
        goto fail;
    }
    if (keel_curl()->global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "cannot initialise libcurl");
        goto fail;
    }
    a->curl_ready = true;
    if (keel_acme_poller_init(&a->poller, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "acme: %s", why);
        goto fail;
    }
    a->poller_ready = true;
    if ((a->http = keel_acme_http_create(&a->poller, cfg->ca_root, USER_AGENT, why, sizeof(why))) == NULL) {
        snprintf(err, errlen, "acme: %s", why);
        goto fail;
    }
    keel_acme_session_config_t sc = {.directory_url = directory, .email = cfg->email, .account_key = a->account_key};
    if ((a->session = keel_acme_session_create(a->http, &a->poller, &sc, why, sizeof(why))) == NULL) {
        snprintf(err, errlen, "--state-dir: %s", why);
        goto fail;
    }
    a->env = (keel_acme_managed_env_t){
        .attempt =
            {
                .session = a->session,
                .poller = &a->poller,
                .challenges = &a->challenges,
                .challenge_types = cfg->challenges,
            },
        .backoff =
            {
                .first_ms = cfg->retry_first_ms ? cfg->retry_first_ms : KEEL_ACME_RETRY_FIRST_MS,
                .max_ms = cfg->retry_max_ms ? cfg->retry_max_ms : KEEL_ACME_RETRY_MAX_MS,
            },
        .certificate = hooks->certificate,
        .failed = hooks->failed,
        .owner = owner,
    };
    if (add_certificates(a, cfg, ca_dir, err, errlen) != 0)
        goto fail;
    return a;
fail:
    keel_acme_destroy(a);
    return NULL;
}

void
keel_acme_start(keel_acme_t *a)
{
    for (size_t i = 0; i < a->n_managed; i++)
        keel_acme_managed_start(a->managed[i]);
}

int
keel_acme_fd(const keel_acme_t *a)
{
    return a->poller.epoll_fd;
}

void
keel_acme_run(keel_acme_t *a)
{
    keel_acme_poller_run(&a->poller);
}

void
keel_acme_destroy(keel_acme_t *a)
{
    if (a == NULL)
        return;
    for (size_t i = 0; i < a->n_managed; i++)
        keel_acme_managed_destroy(a->managed[i]);
    free(a->managed);
    keel_acme_challenges_clear(&a->challenges);
    keel_acme_session_destroy(a->session);
    keel_acme_http_destroy(a->http);
    if (a->poller_ready)
        keel_acme_poller_dispose(&a->poller);
    if (a->curl_ready)
        keel_curl()->global_cleanup();
    EVP_PKEY_free(a->account_key);
    free(a);
}

const char *
keel_acme_http01_response(const keel_acme_t *a, const char *token, size_t token_len)
{
    if (!keel_b64url_is_token(token, token_len))
        return NULL;
    return keel_acme_challenges_http01(&a->challenges, token, token_len);
}

int
keel_acme_tls_alpn01(const keel_acme_t *a, const char *server_name, X509 **cert, EVP_PKEY **key)
{
    return keel_acme_challenges_tls_alpn01(&a->challenges, server_name, cert, key);
}
