/*
 * keel's server configuration: a plain struct filled from the command line
 * by a pure parser (no I/O besides what the caller passes in), so every
 * option and every error message can be unit-tested and fuzzed.
 */
#ifndef KEEL_COMMON_CONFIG_H
#define KEEL_COMMON_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "common/cidr.h"
#include "common/listen_addr.h"

#define KEEL_MAX_INI_ENTRIES     256
#define KEEL_MAX_WORKERS         1024
#define KEEL_DEFAULT_ADMIN       "127.0.0.1:9180"
#define KEEL_MAX_NO_PHP          64
#define KEEL_MAX_TRUSTED_PROXIES 64
#define KEEL_MAX_ENV             128 /* --env entries */
#define KEEL_MAX_PARAMS          64  /* --param entries */
#define KEEL_MAX_WATCH_IGNORE    64  /* --watch-ignore entries */
#define KEEL_DEFAULT_LISTEN      "127.0.0.1:8080"
#define KEEL_MAX_LISTEN          16 /* --listen */
#define KEEL_MAX_TLS_PAIRS       16 /* --tls-cert/--tls-key */
#define KEEL_MAX_ACME_DOMAINS    16 /* --acme-domain */
#define KEEL_DEFAULT_STATE_DIR   "/var/lib/keel"
/* --max-header-size: libh2o parses no longer HTTP/1 head (H2O_MAX_REQLEN). */
#define KEEL_MIN_HEADER_SIZE_LIMIT 1024
#define KEEL_MAX_HEADER_SIZE_LIMIT (8192 + 4096 * 100)

/* --symlinks: which symlinks under the root are followed (front/route.h) */
typedef enum {
    KEEL_SYMLINKS_WITHIN_ROOT, /* those that resolve inside the root */
    KEEL_SYMLINKS_OWNER,       /* also those leading out, when each link and its target have one owner */
    KEEL_SYMLINKS_FOLLOW,      /* all */
} keel_symlinks_t;

typedef struct {
    const char *root;                      /* document root as given */
    const char *front_controller;          /* path under root, "" when disabled */
    const char *php_ini;                   /* php.ini to load, NULL for PHP's own */
    const char *ini[KEEL_MAX_INI_ENTRIES]; /* "key=value" from -d, in order */
    size_t ini_count;
    unsigned workers;              /* worker-mode workers with --worker, else classic ones; 0: auto */
    unsigned max_workers;          /* the ceiling of that pool; 0: --workers (a fixed pool) */
    int max_workers_auto;          /* --max-workers auto: what the budget allows, capped by CPUs */
    uint64_t max_idle_ms;          /* a worker above --workers idle this long leaves; 0: never */
    int allow_overcommit;          /* start even if the pool cannot fit the memory limit */
    unsigned pressure_recycle_pct; /* memory pressure steps, % of the limit; 0: off */
    unsigned pressure_hold_pct;
    unsigned pressure_shed_pct;
    const char *worker_script;         /* --worker: the script that boots the app once */
    unsigned classic_workers;          /* with --worker: workers for other .php files */
    unsigned max_consecutive_failures; /* worker-script boots that may fail in a row */
    unsigned front_priority;           /* nice steps the front runs above the workers */
    int front_priority_explicit;       /* --front-priority was given: failing to take it is an error */
    /* recycling, all off when 0 */
    uint64_t max_requests;
    uint64_t max_requests_jitter;
    uint64_t max_worker_memory;      /* bytes of private memory: graceful */
    uint64_t max_worker_memory_hard; /* bytes of private memory: kill */
    uint64_t ttl_ms;
    uint64_t idle_ttl_ms;
    const char *server_name;     /* --server-name: SERVER_NAME, else from Host */
    uint64_t request_timeout_ms; /* end a request's worker past this: 504 (0: off) */
    uint64_t slow_request_ms;    /* log a backtrace of requests past this (0: off) */
    int spool_dir_explicit;      /* --spool-dir was given: failing to use it is an error */
    const char *spool_dir;       /* where responses beyond 1 MiB are buffered; NULL: in memory only */
    const char *warmup;          /* --warmup PATH: a request a new generation must answer before it serves */
    int watch;                   /* --watch: reload when files under the root change */
    const char *watch_ignore[KEEL_MAX_WATCH_IGNORE]; /* --watch-ignore: directories not watched (names or paths) */
    size_t watch_ignore_count;                       /* 0: the defaults (front/watch.h) */
    int retry_idempotent;                            /* retry once a request whose worker died before answering */
    const char *core_dir;                            /* where workers may dump core; NULL: no core dumps */
    const char *admin;                               /* admin listener "host:port", or NULL when off */
    int admin_explicit;                              /* --admin was given: failing to bind it is an error */
    uint64_t max_queue;                              /* requests waiting for a worker */
    uint64_t max_wait_ms;                            /* how long one may wait */
    uint64_t max_body;                               /* bytes of request body accepted */
    uint64_t max_header_size;                        /* bytes of a request head (line and headers) */
    uint64_t body_timeout_ms;                        /* a request body's time, before --min-body-rate extends it */
    uint64_t min_body_rate;                          /* bytes per second that extend body_timeout_ms; 0: a total */
    unsigned max_connections;                        /* client connections open at once; accepting waits beyond */
    uint64_t shutdown_timeout_ms;                    /* grace for in-flight requests on SIGTERM */
    uint64_t spool_max;                              /* bytes one response may buffer in --spool-dir */

    keel_symlinks_t symlinks; /* --symlinks */

    /* where no script runs */
    const char *no_php[KEEL_MAX_NO_PHP]; /* --no-php: root-relative directories, as given */
    size_t no_php_count;

    /* PHP's environment and parameters (as PHP-FPM's clear_env and env[],
     * nginx's fastcgi_param) */
    int clear_env;                 /* --clear-env: PHP starts from an empty environment */
    const char *env[KEEL_MAX_ENV]; /* --env: "KEY=VALUE" for PHP's environment, in order */
    size_t env_count;
    const char *params[KEEL_MAX_PARAMS]; /* --param: "KEY=VALUE" added to every request's $_SERVER */
    size_t param_count;

    /* the admin listener */
    const char *admin_token_file; /* --admin-token: the bearer token's file, or NULL */
    unsigned max_draining;        /* generations that may drain at once; a reload past it is refused */
    const char *user;             /* --user: who PHP runs as (name or uid), NULL: keel's own user */
    const char *group;            /* --group: its group, NULL: the user's */

    /* listeners (--listen, repeatable; KEEL_DEFAULT_LISTEN when none is given) */
    keel_listen_addr_t listen[KEEL_MAX_LISTEN];
    size_t listen_count;
    int listen_explicit; /* a --listen was given: the default is replaced, not added to */

    /* TLS and automatic certificates (front/tls.h, docs/acme.md) */
    const char *tls_cert[KEEL_MAX_TLS_PAIRS]; /* --tls-cert, paired with --tls-key by order */
    size_t tls_cert_count;
    const char *tls_key[KEEL_MAX_TLS_PAIRS];
    size_t tls_key_count;
    int redirect_https;                             /* cleartext listeners answer 308 to https:// */
    uint64_t hsts_ms;                               /* Strict-Transport-Security max-age; 0: none */
    const char *acme_domain[KEEL_MAX_ACME_DOMAINS]; /* --acme-domain: one certificate each */
    size_t acme_domain_count;
    const char *acme_directory; /* NULL: the client's default (Let's Encrypt) */
    const char *acme_email;
    const char *acme_ca_root;
    const char *state_dir;

    /* operating it: access log, proxies, probes, compression */
    const char *access_log;                                /* a file, "-" for stdout, NULL: off */
    int access_log_json;                                   /* --access-log-format json, else nginx's combined */
    keel_cidr_t trusted_proxies[KEEL_MAX_TRUSTED_PROXIES]; /* --trusted-proxy */
    size_t trusted_proxy_count;
    bool trusted_unix_peers; /* --trusted-proxy unix: */
    const char *health_path; /* --health-path: readiness on the public listener, NULL: none */
    uint64_t drain_delay_ms; /* --drain-delay: serving on after SIGTERM, not ready */
    int compress;            /* --compress on (gzip) */
    const char *metrics;     /* --metrics: read-only listener "host:port", NULL: off */
} keel_config_t;

/* Whether any listener is https://. */
int keel_config_has_tls_listener(const keel_config_t *cfg);

/* The TLS options against the listeners (pairs of --tls-cert and
 * --tls-key, an https:// listener for them, something to answer ACME
 * challenges on). Returns 0, or -1 with one line in err. */
int keel_config_check_tls(const keel_config_t *cfg, char *err, size_t errlen);

/* Worker slots: with --worker, slots [0, workers) run the worker script
 * and [workers, workers + classic_workers) serve other .php files;
 * without it every slot is classic. */
unsigned keel_config_total_workers(const keel_config_t *cfg);
int keel_config_slot_is_worker_mode(const keel_config_t *cfg, unsigned slot);

/* The value the last -d option gives `key` ("opcache.enable"), or NULL
 * when no -d sets it. */
const char *keel_config_ini_value(const keel_config_t *cfg, const char *key);

#endif
