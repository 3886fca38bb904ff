#include "common/config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *
keel_config_ini_value(const keel_config_t *cfg, const char *key)
{
    size_t n = strlen(key);
    const char *value = NULL;
    for (size_t i = 0; i < cfg->ini_count; i++)
        if (strncmp(cfg->ini[i], key, n) == 0 && cfg->ini[i][n] == '=')
            value = cfg->ini[i] + n + 1;
    return value;
}

unsigned
keel_config_total_workers(const keel_config_t *cfg)
{
    return cfg->worker_script ? cfg->workers + cfg->classic_workers : cfg->workers;
}

int
keel_config_slot_is_worker_mode(const keel_config_t *cfg, unsigned slot)
{
    return cfg->worker_script != NULL && slot < cfg->workers;
}

int
keel_config_has_tls_listener(const keel_config_t *cfg)
{
    for (size_t i = 0; i < cfg->listen_count; i++)
        if (cfg->listen[i].tls)
            return 1;
    return 0;
}

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* The TLS options against the listeners: what cannot work is refused
 * before anything is read or bound. */
int
keel_config_check_tls(const keel_config_t *cfg, char *err, size_t errlen)
{
    int tls = keel_config_has_tls_listener(cfg), cleartext_tcp = 0;
    for (size_t i = 0; i < cfg->listen_count; i++)
        cleartext_tcp |= !cfg->listen[i].tls && cfg->listen[i].family == KEEL_LISTEN_TCP;
    if (cfg->tls_cert_count != cfg->tls_key_count)
        return fail(err, errlen, "--tls-cert given %zu time%s and --tls-key %zu: give them in pairs",
                    cfg->tls_cert_count, cfg->tls_cert_count == 1 ? "" : "s", cfg->tls_key_count);
    if (cfg->tls_cert_count > 0 && !tls)
        return fail(err, errlen, "--tls-cert needs an https:// listener (--listen https://HOST:PORT)");
    if (tls && cfg->tls_cert_count == 0 && cfg->acme_domain_count == 0)
        return fail(err, errlen, "an https:// listener needs --tls-cert and --tls-key, or --acme-domain");
    if (cfg->redirect_https && !tls)
        return fail(err, errlen, "--redirect-https needs an https:// listener");
    if (cfg->acme_domain_count > 0 && !tls && !cleartext_tcp)
        return fail(err, errlen, "--acme-domain needs a TCP listener to answer the CA's challenges on");
    return 0;
}
