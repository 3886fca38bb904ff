#include "common/config.h"

#include <stdio.h>
#include <string.h>

#include "common/units.h"

const char keel_serve_usage[] =
    "Usage: keel serve [options]\n"
    "\n"
    "Serve the PHP application under --root over HTTP.\n"
    "\n"
    "Options:\n"
    "  --config FILE            read options from FILE, one \"name = value\" per line with\n"
    "                           the names below (d = KEY=VALUE for -d); the command line wins\n"
    "  --root DIR               document root (default: .)\n"
    "  --listen HOST:PORT       address to serve HTTP on (default: 127.0.0.1:8080)\n"
    "  --workers N|auto         PHP worker processes (default: 4); auto: the smaller of\n"
    "                           2 per CPU and what the memory budget allows\n"
    "  --allow-overcommit       start even when the workers cannot fit the memory limit\n"
    "  --worker SCRIPT          worker mode: each worker runs SCRIPT once, which boots\n"
    "                           the app and loops on keel_handle_request(); it\n"
    "                           replaces the front controller\n"
    "  --classic-workers N      with --worker: workers for the other .php files\n"
    "                           (default: 1)\n"
    "  --front-priority N       nice steps the front raises itself above the PHP\n"
    "                           workers while it is busy, as nginx's worker_priority\n"
    "                           (0 to 20; default: 5, skipped when not permitted;\n"
    "                           given explicitly, it must be permitted)\n"
    "  --max-consecutive-failures N\n"
    "                           worker-script boots that may fail in a row before\n"
    "                           keel stops retrying (default: 5)\n"
    "  -d KEY=VALUE             set a php.ini value for every worker (repeatable), as php -d\n"
    "  --php-ini FILE           php.ini to load (default: PHP's own, with its conf.d)\n"
    "  --server-name NAME       SERVER_NAME for PHP, as nginx's server_name (default:\n"
    "                           the request's Host without its port)\n"
    "  --front-controller PATH  script that handles paths matching no file, relative to\n"
    "                           the root (default: index.php; \"off\" answers 404 instead)\n"
    "  --max-queue N            requests that may wait for a busy pool (default: 1024);\n"
    "                           past it clients get 503 with Retry-After\n"
    "  --max-wait DURATION      longest a request waits for a worker (default: 30s)\n"
    "  --max-body SIZE          largest request body accepted, else 413 (default: 32M)\n"
    "  --spool-dir DIR|off      responses past 1 MiB that a client reads slowly are\n"
    "                           buffered in unlinked files here, so the worker is free\n"
    "                           (default: /var/tmp; off: the worker waits for the client)\n"
    "  --max-requests N         recycle a worker after N requests (default: 0, off)\n"
    "  --max-requests-jitter N  draw each worker's limit from [N-jitter, N] so workers\n"
    "                           do not restart together (default: 0)\n"
    "  --max-worker-memory SIZE recycle a worker, after its request, once its private\n"
    "                           memory passes SIZE; its replacement starts first\n"
    "                           (default: 0, off)\n"
    "  --max-worker-memory-hard SIZE\n"
    "                           kill a worker at once past SIZE; its request gets 503\n"
    "                           (default: 0, off)\n"
    "  --ttl DURATION           recycle workers older than DURATION (default: 0, off)\n"
    "  --idle-ttl DURATION      recycle workers idle longer than DURATION (default: 0, off)\n"
    "  --request-timeout DURATION\n"
    "                           a request running longer gets 504; its worker logs a\n"
    "                           backtrace and is replaced (default: 0, off)\n"
    "  --slow-request DURATION  log a backtrace of requests running longer (default: off)\n"
    "  --warmup PATH            a new generation serves only after GET PATH answered\n"
    "                           below 500 (at startup and on every reload)\n"
    "  --watch                  reload when files under the root change (development;\n"
    "                           in production, reload on deploy: keel reload)\n"
    "  --retry-idempotent       retry once, on another worker, an idempotent request whose\n"
    "                           worker died before sending anything\n"
    "  --core-dir DIR           let crashing workers dump core, into DIR only (at most 3\n"
    "                           kept); without it core dumps are off\n"
    "  --admin HOST:PORT|off    admin listener for /status, /metrics and reload\n"
    "                           (default: 127.0.0.1:9180; skipped with a warning when\n"
    "                           that default is taken)\n"
    "  --shutdown-timeout DURATION\n"
    "                           on SIGTERM/SIGINT, how long in-flight requests may\n"
    "                           finish before workers are stopped (default: 30s)\n"
    "  -h, --help               show this help\n"
    "\n"
    "SIZE takes K, M or G (e.g. 64M); DURATION takes ms, s, m or h (e.g. 30s).\n";

void
keel_config_defaults(keel_config_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->root = ".";
    cfg->listen = "127.0.0.1:8080";
    cfg->front_controller = "index.php";
    cfg->php_ini = NULL;
    cfg->workers = 4;
    cfg->worker_script = NULL;
    cfg->classic_workers = 1;
    cfg->max_consecutive_failures = 5;
    cfg->front_priority = 5;
    cfg->admin = KEEL_DEFAULT_ADMIN;
    cfg->spool_dir = "/var/tmp";
    cfg->admin_explicit = 0;
    cfg->max_queue = 1024;
    cfg->max_wait_ms = 30 * 1000;
    cfg->max_body = 32u << 20;
    cfg->shutdown_timeout_ms = 30 * 1000;
}

/* Accepts "--name value" and "--name=value"; returns the value or NULL when
 * argv[*i] is not this option. Sets *missing when the value is absent. */
static const char *
option_value(const char *name, int argc, char *const *argv, int *i, int *missing)
{
    const char *arg = argv[*i];
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0)
        return NULL;
    if (arg[n] == '=')
        return arg + n + 1;
    if (arg[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

static keel_config_result_t
fail(char *errbuf, size_t errlen, const char *fmt, const char *a, const char *b)
{
    snprintf(errbuf, errlen, fmt, a, b);
    /* The message quotes what the user typed: keep it one line, so a
     * control character cannot forge a second log line. */
    for (char *p = errbuf; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return KEEL_CONFIG_ERROR;
}

static int
valid_ini_entry(const char *kv)
{
    const char *eq = strchr(kv, '=');
    /* PHP's ini scanner would take a newline as the start of another
     * entry; refuse it so one -d cannot smuggle in several. */
    return eq != NULL && eq != kv && strchr(kv, '\n') == NULL && strchr(kv, '\r') == NULL;
}

keel_config_result_t
keel_config_parse_serve(keel_config_t *cfg, int argc, char *const *argv, char *errbuf, size_t errlen)
{
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i], *v;
        int missing = 0;
        uint64_t n;

        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)
            return KEEL_CONFIG_HELP;
        if (strcmp(arg, "--allow-overcommit") == 0) {
            cfg->allow_overcommit = 1;
            continue;
        }
        if (strcmp(arg, "--watch") == 0) {
            cfg->watch = 1;
            continue;
        }
        if (strcmp(arg, "--retry-idempotent") == 0) {
            cfg->retry_idempotent = 1;
            continue;
        }

        if (strcmp(arg, "-d") == 0 || strncmp(arg, "-d", 2) == 0) {
            if (arg[2] != '\0')
                v = arg + 2;
            else if (i + 1 < argc)
                v = argv[++i];
            else
                return fail(errbuf, errlen, "option -d needs KEY=VALUE%s%s", "", "");
            if (!valid_ini_entry(v))
                return fail(errbuf, errlen, "option -d: expected KEY=VALUE, got '%s'%s", v, "");
            if (cfg->ini_count == KEEL_MAX_INI_ENTRIES)
                return fail(errbuf, errlen, "option -d: too many entries (at most 256)%s%s", "", "");
            cfg->ini[cfg->ini_count++] = v;
            continue;
        }

#define OPTION(name)                                                                                                   \
    ((v = option_value(name, argc, argv, &i, &missing)) != NULL ||                                                     \
     (missing ? (fail(errbuf, errlen, "option %s needs a value%s", name, ""), 1) : 0))
#define CHECK_MISSING()                                                                                                \
    if (missing)                                                                                                       \
        return KEEL_CONFIG_ERROR;

        if (OPTION("--root")) {
            CHECK_MISSING();
            if (*v == '\0')
                return fail(errbuf, errlen, "option --root: empty path%s%s", "", "");
            cfg->root = v;
        } else if (OPTION("--listen")) {
            CHECK_MISSING();
            cfg->listen = v;
        } else if (OPTION("--workers")) {
            CHECK_MISSING();
            if (strcmp(v, "auto") == 0)
                cfg->workers = 0;
            else if (keel_parse_uint(v, 1, KEEL_MAX_WORKERS, &n) != 0)
                return fail(errbuf, errlen, "option --workers: expected auto or a number from 1 to 1024, got '%s'%s", v,
                            "");
            else
                cfg->workers = (unsigned)n;
        } else if (OPTION("--worker")) {
            CHECK_MISSING();
            if (*v == '\0')
                return fail(errbuf, errlen, "option --worker: empty path%s%s", "", "");
            cfg->worker_script = v;
        } else if (OPTION("--classic-workers")) {
            CHECK_MISSING();
            if (keel_parse_uint(v, 1, KEEL_MAX_WORKERS, &n) != 0)
                return fail(errbuf, errlen, "option --classic-workers: expected a number from 1 to 1024, got '%s'%s", v,
                            "");
            cfg->classic_workers = (unsigned)n;
        } else if (OPTION("--front-priority")) {
            CHECK_MISSING();
            if (keel_parse_uint(v, 0, 20, &n) != 0)
                return fail(errbuf, errlen, "option --front-priority: expected a number from 0 to 20, got '%s'%s", v,
                            "");
            cfg->front_priority = (unsigned)n;
            cfg->front_priority_explicit = 1;
        } else if (OPTION("--max-consecutive-failures")) {
            CHECK_MISSING();
            if (keel_parse_uint(v, 1, 1000, &n) != 0)
                return fail(errbuf, errlen,
                            "option --max-consecutive-failures: expected a number from 1 to 1000, got '%s'%s", v, "");
            cfg->max_consecutive_failures = (unsigned)n;
        } else if (OPTION("--max-requests")) {
            CHECK_MISSING();
            if (keel_parse_uint(v, 0, UINT32_MAX, &cfg->max_requests) != 0)
                return fail(errbuf, errlen, "option --max-requests: expected a number, got '%s'%s", v, "");
        } else if (OPTION("--max-requests-jitter")) {
            CHECK_MISSING();
            if (keel_parse_uint(v, 0, UINT32_MAX, &cfg->max_requests_jitter) != 0)
                return fail(errbuf, errlen, "option --max-requests-jitter: expected a number, got '%s'%s", v, "");
        } else if (OPTION("--max-worker-memory")) {
            CHECK_MISSING();
            if (keel_parse_size(v, &cfg->max_worker_memory) != 0)
                return fail(errbuf, errlen, "option --max-worker-memory: expected a size like 256M, got '%s'%s", v, "");
        } else if (OPTION("--max-worker-memory-hard")) {
            CHECK_MISSING();
            if (keel_parse_size(v, &cfg->max_worker_memory_hard) != 0)
                return fail(errbuf, errlen, "option --max-worker-memory-hard: expected a size like 512M, got '%s'%s", v,
                            "");
        } else if (OPTION("--ttl")) {
            CHECK_MISSING();
            if (keel_parse_duration_ms(v, &cfg->ttl_ms) != 0)
                return fail(errbuf, errlen, "option --ttl: expected a duration like 1h, got '%s'%s", v, "");
        } else if (OPTION("--idle-ttl")) {
            CHECK_MISSING();
            if (keel_parse_duration_ms(v, &cfg->idle_ttl_ms) != 0)
                return fail(errbuf, errlen, "option --idle-ttl: expected a duration like 10m, got '%s'%s", v, "");
        } else if (OPTION("--admin")) {
            CHECK_MISSING();
            if (*v == '\0')
                return fail(errbuf, errlen, "option --admin: expected HOST:PORT or off%s%s", "", "");
            cfg->admin = strcmp(v, "off") == 0 ? NULL : v;
            cfg->admin_explicit = 1;
        } else if (OPTION("--spool-dir")) {
            CHECK_MISSING();
            if (strcmp(v, "off") == 0)
                cfg->spool_dir = NULL;
            else if (*v != '/')
                return fail(errbuf, errlen, "option --spool-dir: expected an absolute directory or off, got '%s'%s", v,
                            "");
            else
                cfg->spool_dir = v;
            cfg->spool_dir_explicit = 1;
        } else if (OPTION("--warmup")) {
            CHECK_MISSING();
            if (*v != '/')
                return fail(errbuf, errlen, "option --warmup: expected a path starting with /, got '%s'%s", v, "");
            cfg->warmup = v;
        } else if (OPTION("--request-timeout")) {
            CHECK_MISSING();
            if (keel_parse_duration_ms(v, &cfg->request_timeout_ms) != 0)
                return fail(errbuf, errlen, "option --request-timeout: expected a duration like 60s, got '%s'%s", v,
                            "");
        } else if (OPTION("--slow-request")) {
            CHECK_MISSING();
            if (keel_parse_duration_ms(v, &cfg->slow_request_ms) != 0)
                return fail(errbuf, errlen, "option --slow-request: expected a duration like 5s, got '%s'%s", v, "");
        } else if (OPTION("--core-dir")) {
            CHECK_MISSING();
            if (*v != '/')
                return fail(errbuf, errlen, "option --core-dir: expected an absolute directory, got '%s'%s", v, "");
            cfg->core_dir = v;
        } else if (OPTION("--server-name")) {
            CHECK_MISSING();
            cfg->server_name = v;
        } else if (OPTION("--config")) {
            CHECK_MISSING(); /* read by keel_config_load before the rest */
        } else if (OPTION("--php-ini")) {
            CHECK_MISSING();
            cfg->php_ini = v;
        } else if (OPTION("--front-controller")) {
            CHECK_MISSING();
            cfg->front_controller = strcmp(v, "off") == 0 ? "" : v;
        } else if (OPTION("--max-queue")) {
            CHECK_MISSING();
            if (keel_parse_uint(v, 0, 1000000, &n) != 0)
                return fail(errbuf, errlen, "option --max-queue: expected a number from 0 to 1000000, got '%s'%s", v,
                            "");
            cfg->max_queue = n;
        } else if (OPTION("--max-wait")) {
            CHECK_MISSING();
            if (keel_parse_duration_ms(v, &cfg->max_wait_ms) != 0)
                return fail(errbuf, errlen, "option --max-wait: expected a duration like 30s, got '%s'%s", v, "");
        } else if (OPTION("--max-body")) {
            CHECK_MISSING();
            if (keel_parse_size(v, &cfg->max_body) != 0)
                return fail(errbuf, errlen, "option --max-body: expected a size like 64M, got '%s'%s", v, "");
        } else if (OPTION("--shutdown-timeout")) {
            CHECK_MISSING();
            if (keel_parse_duration_ms(v, &cfg->shutdown_timeout_ms) != 0)
                return fail(errbuf, errlen, "option --shutdown-timeout: expected a duration like 30s, got '%s'%s", v,
                            "");
        } else {
            if (missing)
                return KEEL_CONFIG_ERROR;
            return fail(errbuf, errlen, "unknown option '%s' (see keel serve --help)%s", arg, "");
        }
#undef OPTION
#undef CHECK_MISSING
    }
    if (cfg->max_worker_memory_hard && cfg->max_worker_memory > cfg->max_worker_memory_hard)
        return fail(errbuf, errlen, "--max-worker-memory is above --max-worker-memory-hard%s%s", "", "");
    if (cfg->worker_script && cfg->workers + cfg->classic_workers > KEEL_MAX_WORKERS)
        return fail(errbuf, errlen, "--workers plus --classic-workers exceeds %s%s", "1024", "");
    return KEEL_CONFIG_OK;
}

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
