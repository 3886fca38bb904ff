#include "common/options.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "common/units.h"

/* --help's layout: the option in the left column, its text wrapped in the
 * right one. */
#define KEEL_HELP_INDENT 27
#define KEEL_HELP_WIDTH  79

static int keel_option_set_config(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err,
                                  size_t errlen);
static int keel_option_set_workers(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err,
                                   size_t errlen);
static int keel_option_set_max_workers(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err,
                                       size_t errlen);
static int keel_option_set_front_controller(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err,
                                            size_t errlen);
static int keel_option_set_spool_dir(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err,
                                     size_t errlen);
static int keel_option_set_admin(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err,
                                 size_t errlen);
static int keel_option_set_no_php(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err,
                                  size_t errlen);
static int keel_option_set_env(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err,
                               size_t errlen);
static int keel_option_set_param(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err,
                                 size_t errlen);
static int keel_option_set_watch_ignore(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err,
                                        size_t errlen);
static int keel_option_set_symlinks(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err,
                                    size_t errlen);
static int keel_option_set_listen(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err,
                                  size_t errlen);
static int keel_option_set_repeated(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err,
                                    size_t errlen);
static int keel_option_set_max_header_size(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err,
                                           size_t errlen);
static int keel_option_set_access_log(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err,
                                      size_t errlen);
static int keel_option_set_access_log_format(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err,
                                             size_t errlen);
static int keel_option_set_trusted_proxy(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err,
                                         size_t errlen);
static int keel_option_set_compress(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err,
                                    size_t errlen);
static int keel_option_set_metrics(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err,
                                   size_t errlen);

#define KEEL_OPTION_FIELD(member)                                                                                      \
    .field = offsetof(keel_config_t, member), .field_size = sizeof(((keel_config_t *)0)->member)
#define KEEL_OPTION_EXPLICIT(member) .has_explicit = 1, .explicit_field = offsetof(keel_config_t, member)

const keel_option_t keel_options[] = {
    {
        .name = "--config",
        .arg = "FILE",
        .kind = KEEL_OPTION_SPECIAL,
        .set = keel_option_set_config,
        .help = "read options from FILE: one `name = value` per line, the names below without their dashes "
                "(`d = KEY=VALUE` for `-d`, `watch = true` for flags); the command line wins",
    },
    {
        .name = "--root",
        .arg = "DIR",
        .kind = KEEL_OPTION_PATH,
        KEEL_OPTION_FIELD(root),
        .path_rule = KEEL_PATH_NONEMPTY,
        .def = ".",
        .help = "document root, resolved (symlinks followed) by each generation as it starts; keel warns when it "
                "holds `composer.json`, `vendor/` or `.git`: a project rather than its public folder",
    },
    {
        .name = "--listen",
        .arg = "ADDRESS",
        .kind = KEEL_OPTION_SPECIAL,
        KEEL_OPTION_EXPLICIT(listen_explicit),
        .set = keel_option_set_listen,
        .def = KEEL_DEFAULT_LISTEN,
        .help = "where to serve (repeatable, up to 16): `HOST:PORT` or `http://HOST:PORT` cleartext, "
                "`https://HOST:PORT` TLS (see `--tls-cert`, `--acme-domain`), `unix:/PATH` a Unix socket for a "
                "proxy on the same machine; IPv6 in brackets (`[::1]:8080`); port 1 to 65535, `0` picks a free one. "
                "Under systemd socket activation the sockets passed in are used instead",
    },
    {
        .name = "--workers",
        .arg = "N|auto",
        .kind = KEEL_OPTION_SPECIAL,
        KEEL_OPTION_FIELD(workers),
        .min = 1,
        .max = KEEL_MAX_WORKERS,
        .set = keel_option_set_workers,
        .def = "4",
        .help = "PHP worker processes, {range} (with `--worker`: worker-mode ones); `auto`: the smaller of 2 per "
                "CPU and what the memory budget allows",
    },
    {
        .name = "--max-workers",
        .arg = "N|auto",
        .kind = KEEL_OPTION_SPECIAL,
        KEEL_OPTION_FIELD(max_workers),
        .min = 1,
        .max = KEEL_MAX_WORKERS,
        .set = keel_option_set_max_workers,
        .def_doc = "`--workers`",
        .help = "the most workers that pool grows to, {range}, when requests wait for one (never below `--workers`, "
                "never past what the memory budget allows at the time); `auto`: what the budget allows, at most 4 per "
                "CPU",
    },
    {
        .name = "--max-idle-time",
        .arg = "DURATION",
        .kind = KEEL_OPTION_DURATION,
        KEEL_OPTION_FIELD(max_idle_ms),
        .example = "10s",
        .def = "10s",
        .help = "a worker above `--workers` that stays idle this long exits, without a replacement; `0`: never",
    },
    {
        .name = "--allow-overcommit",
        .kind = KEEL_OPTION_FLAG,
        KEEL_OPTION_FIELD(allow_overcommit),
        .help = "start even when the pool cannot fit the memory limit",
    },
    {
        .name = "--pressure-recycle",
        .arg = "PERCENT",
        .kind = KEEL_OPTION_UINT,
        KEEL_OPTION_FIELD(pressure_recycle_pct),
        .min = 0,
        .max = 100,
        .def = "85",
        .help = "when the container's memory (usage less inactive file cache) reaches PERCENT ({range}) of its cgroup "
                "limit, recycle the worker that grew most, one at a time, its replacement once it has exited; `0`: off",
    },
    {
        .name = "--pressure-hold",
        .arg = "PERCENT",
        .kind = KEEL_OPTION_UINT,
        KEEL_OPTION_FIELD(pressure_hold_pct),
        .min = 0,
        .max = 100,
        .def = "90",
        .help = "at PERCENT ({range}) of the limit, measured as for `--pressure-recycle`, also start no worker beyond "
                "`--workers`, and let idle ones above it go; `0`: off",
    },
    {
        .name = "--pressure-shed",
        .arg = "PERCENT",
        .kind = KEEL_OPTION_UINT,
        KEEL_OPTION_FIELD(pressure_shed_pct),
        .min = 0,
        .max = 100,
        .def = "95",
        .help = "at PERCENT ({range}) of the limit, also answer new PHP requests with 503 and `Retry-After`, while "
                "static files and requests in flight go on; `0`: off",
    },
    {
        .name = "--worker",
        .arg = "SCRIPT",
        .kind = KEEL_OPTION_PATH,
        KEEL_OPTION_FIELD(worker_script),
        .path_rule = KEEL_PATH_NONEMPTY,
        .help = "worker mode: each worker runs SCRIPT once, which boots the application and loops on "
                "`keel_handle_request()`; it replaces the front controller and the root's `index.php` (FrankenPHP's "
                "convention: SCRIPT is `public/index.php`)",
    },
    {
        .name = "--classic-workers",
        .arg = "N",
        .kind = KEEL_OPTION_UINT,
        KEEL_OPTION_FIELD(classic_workers),
        .min = 1,
        .max = KEEL_MAX_WORKERS,
        .def = "1",
        .help = "with `--worker`: workers for the other `.php` files, {range}",
    },
    {
        .name = "--max-consecutive-failures",
        .arg = "N",
        .kind = KEEL_OPTION_UINT,
        KEEL_OPTION_FIELD(max_consecutive_failures),
        .min = 1,
        .max = 1000,
        .def = "5",
        .help = "worker-script boots that may fail in a row ({range}) before keel stops retrying",
    },
    {
        .name = "--front-priority",
        .arg = "N",
        .kind = KEEL_OPTION_UINT,
        KEEL_OPTION_FIELD(front_priority),
        KEEL_OPTION_EXPLICIT(front_priority_explicit),
        .min = 0,
        .max = 20,
        .def = "5",
        .help = "nice steps ({range}) the front raises itself above the PHP workers while it is busy (half a CPU or "
                "more), as nginx's `worker_priority`; needs `CAP_SYS_NICE` (root) or `RLIMIT_NICE`: without it the "
                "default is skipped with an info line, an explicit value stops keel (exit 2); `0`: never",
    },
    {
        .name = "-d",
        .arg = "KEY=VALUE",
        .kind = KEEL_OPTION_INI,
        .help = "a php.ini value for every worker, as `php -d` (repeatable)",
    },
    {
        .name = "--php-ini",
        .arg = "FILE",
        .kind = KEEL_OPTION_PATH,
        KEEL_OPTION_FIELD(php_ini),
        .path_rule = KEEL_PATH_ANY,
        .def_doc = "PHP's own",
        .help = "the php.ini to load; its `conf.d` still applies",
    },
    {
        .name = "--server-name",
        .arg = "NAME",
        .kind = KEEL_OPTION_STRING,
        KEEL_OPTION_FIELD(server_name),
        .def_doc = "the `Host` without its port",
        .help = "`SERVER_NAME` for PHP, as nginx's `server_name`",
    },
    {
        .name = "--clear-env",
        .kind = KEEL_OPTION_FLAG,
        KEEL_OPTION_FIELD(clear_env),
        .help = "PHP starts from an empty environment (PHP-FPM's `clear_env = yes`): only `--env` values (and, with "
                "`--user`, `USER` and `HOME`) reach `getenv()` and `$_SERVER`. Without it keel's environment does, "
                "as with PHP-FPM's `clear_env = no` and FrankenPHP",
    },
    {
        .name = "--env",
        .arg = "KEY=VALUE",
        .kind = KEEL_OPTION_SPECIAL,
        .set = keel_option_set_env,
        .help = "sets KEY in PHP's environment, as PHP-FPM's `env[KEY] = VALUE`; a VALUE of `$NAME` is keel's own "
                "`NAME` (repeatable)",
    },
    {
        .name = "--param",
        .arg = "KEY=VALUE",
        .kind = KEEL_OPTION_SPECIAL,
        .set = keel_option_set_param,
        .help = "adds KEY, with the fixed VALUE, to every request's `$_SERVER`, as nginx's `fastcgi_param` (`HTTPS=on` "
                "behind a proxy that ends TLS); it replaces a parameter keel sets of the same name, except those that "
                "name the script and the request (repeatable)",
    },
    {
        .name = "--no-php",
        .arg = "DIR",
        .kind = KEEL_OPTION_SPECIAL,
        .set = keel_option_set_no_php,
        .help = "no script runs under DIR (relative to the root, e.g. an uploads folder): its `.php` files get 403, "
                "and are still never sent as files (repeatable)",
    },
    {
        .name = "--symlinks",
        .arg = "within-root|owner|follow",
        .kind = KEEL_OPTION_SPECIAL,
        .set = keel_option_set_symlinks,
        .def = "within-root",
        .help = "which symlinks under the root are followed, as nginx's `disable_symlinks` and Apache's "
                "`SymLinksIfOwnerMatch`: `within-root`, those that resolve inside the root; `owner`, also those "
                "leading out of it when each link has its target's owner (Debian's `phpmyadmin` and `mediawiki`); "
                "`follow`, all. Dotfiles and PHP source stay refused wherever a link leads; each refusal is logged "
                "once per path",
    },
    {
        .name = "--front-controller",
        .arg = "PATH",
        .kind = KEEL_OPTION_SPECIAL,
        KEEL_OPTION_FIELD(front_controller),
        .set = keel_option_set_front_controller,
        .def = "index.php",
        .help = "script, relative to the root, for paths that match no file; `off` answers 404",
    },
    {
        .name = "--max-queue",
        .arg = "N",
        .kind = KEEL_OPTION_UINT,
        KEEL_OPTION_FIELD(max_queue),
        .min = 0,
        .max = 1000000,
        .def = "1024",
        .help = "requests ({range}) that may wait when every worker is busy; past it clients get 503 with "
                "`Retry-After`",
    },
    {
        .name = "--max-wait",
        .arg = "DURATION",
        .kind = KEEL_OPTION_DURATION,
        KEEL_OPTION_FIELD(max_wait_ms),
        .example = "30s",
        .def = "30s",
        .help = "how long a request may wait for a worker",
    },
    {
        .name = "--max-body",
        .arg = "SIZE",
        .kind = KEEL_OPTION_SIZE,
        KEEL_OPTION_FIELD(max_body),
        .example = "64M",
        .def = "32M",
        .help = "largest request body; larger gets 413 without reaching PHP",
    },
    {
        .name = "--max-header-size",
        .arg = "SIZE",
        .kind = KEEL_OPTION_SPECIAL,
        KEEL_OPTION_FIELD(max_header_size),
        .set = keel_option_set_max_header_size,
        .def = "32K",
        .help = "largest request head (request line and headers; HTTP/2: the decoded fields), 1K to 408K; larger "
                "gets 400 and, over HTTP/1, the connection closes",
    },
    {
        .name = "--body-timeout",
        .arg = "DURATION",
        .kind = KEEL_OPTION_DURATION,
        KEEL_OPTION_FIELD(body_timeout_ms),
        .example = "60s",
        .def = "60s",
        .help = "how long a request body may take to arrive, plus a second for every `--min-body-rate` bytes it "
                "has brought; past it the client gets 408 (HTTP/1: and the connection closes)",
    },
    {
        .name = "--min-body-rate",
        .arg = "SIZE",
        .kind = KEEL_OPTION_SIZE,
        KEEL_OPTION_FIELD(min_body_rate),
        .example = "1K",
        .def = "1K",
        .help = "bytes per second that extend `--body-timeout` while a body arrives; `0`: `--body-timeout` is the "
                "time for the whole body",
    },
    {
        .name = "--max-connections",
        .arg = "N",
        .kind = KEEL_OPTION_UINT,
        KEEL_OPTION_FIELD(max_connections),
        .min = 1,
        .max = 1000000,
        .def = "1024",
        .help = "client connections ({range}) open at once; beyond them keel stops accepting until one closes, "
                "and new ones wait in the listen queue",
    },
    {
        .name = "--spool-dir",
        .arg = "DIR|off",
        .kind = KEEL_OPTION_SPECIAL,
        KEEL_OPTION_FIELD(spool_dir),
        KEEL_OPTION_EXPLICIT(spool_dir_explicit),
        .set = keel_option_set_spool_dir,
        .def = "/var/tmp",
        .help = "responses past 1 MiB that a client reads slowly are buffered in unlinked files here, so the worker "
                "is free; `off`: memory only, the worker waits for the client",
    },
    {
        .name = "--spool-max",
        .arg = "SIZE",
        .kind = KEEL_OPTION_SIZE,
        KEEL_OPTION_FIELD(spool_max),
        .example = "64M",
        .def = "64M",
        .help = "most of one response buffered in `--spool-dir`; past it the front stops reading the worker until "
                "the client catches up (up to 1M: memory only)",
    },
    {
        .name = "--max-requests",
        .arg = "N",
        .kind = KEEL_OPTION_UINT,
        KEEL_OPTION_FIELD(max_requests),
        .min = 0,
        .max = KEEL_OPTION_UNBOUNDED,
        .def_doc = "off",
        .help = "recycle a worker after N requests",
    },
    {
        .name = "--max-requests-jitter",
        .arg = "N",
        .kind = KEEL_OPTION_UINT,
        KEEL_OPTION_FIELD(max_requests_jitter),
        .min = 0,
        .max = KEEL_OPTION_UNBOUNDED,
        .def = "0",
        .help = "each worker's `--max-requests` limit is drawn from [limit-N, limit], so workers do not restart "
                "together",
    },
    {
        .name = "--max-worker-memory",
        .arg = "SIZE",
        .kind = KEEL_OPTION_SIZE,
        KEEL_OPTION_FIELD(max_worker_memory),
        .example = "256M",
        .def_doc = "off",
        .help = "recycle a worker, after its request, once its private memory passes SIZE; its replacement starts "
                "first",
    },
    {
        .name = "--max-worker-memory-hard",
        .arg = "SIZE",
        .kind = KEEL_OPTION_SIZE,
        KEEL_OPTION_FIELD(max_worker_memory_hard),
        .example = "512M",
        .def_doc = "off",
        .help = "kill a worker at once past SIZE; its request gets 503",
    },
    {
        .name = "--ttl",
        .arg = "DURATION",
        .kind = KEEL_OPTION_DURATION,
        KEEL_OPTION_FIELD(ttl_ms),
        .example = "1h",
        .def_doc = "off",
        .help = "recycle workers older than DURATION",
    },
    {
        .name = "--idle-ttl",
        .arg = "DURATION",
        .kind = KEEL_OPTION_DURATION,
        KEEL_OPTION_FIELD(idle_ttl_ms),
        .example = "10m",
        .def_doc = "off",
        .help = "recycle workers idle longer than DURATION",
    },
    {
        .name = "--request-timeout",
        .arg = "DURATION",
        .kind = KEEL_OPTION_DURATION,
        KEEL_OPTION_FIELD(request_timeout_ms),
        .example = "60s",
        .def_doc = "off",
        .help = "a request running longer gets 504; its PHP backtrace is logged and its worker replaced",
    },
    {
        .name = "--slow-request",
        .arg = "DURATION",
        .kind = KEEL_OPTION_DURATION,
        KEEL_OPTION_FIELD(slow_request_ms),
        .example = "5s",
        .def_doc = "off",
        .help = "log the PHP backtrace of requests running longer, and let them go on",
    },
    {
        .name = "--retry-idempotent",
        .kind = KEEL_OPTION_FLAG,
        KEEL_OPTION_FIELD(retry_idempotent),
        .help = "retry once, on another worker, an idempotent request whose worker died before sending anything",
    },
    {
        .name = "--core-dir",
        .arg = "DIR",
        .kind = KEEL_OPTION_PATH,
        KEEL_OPTION_FIELD(core_dir),
        .path_rule = KEEL_PATH_ABSOLUTE_DIR,
        .def_doc = "off",
        .help = "let crashing workers dump core, into DIR only, keeping the newest 3",
    },
    {
        .name = "--watch",
        .kind = KEEL_OPTION_FLAG,
        KEEL_OPTION_FIELD(watch),
        .help = "reload when files under the root change, but for those under `--watch-ignore`, naming the file in "
                "the log (development; in production, reload on deploy: `keel reload`)",
    },
    {
        .name = "--watch-ignore",
        .arg = "DIR",
        .kind = KEEL_OPTION_SPECIAL,
        .set = keel_option_set_watch_ignore,
        .def_doc = "`storage`, `var`, `cache`, `tmp`, `temp`, `logs`, `log`, `uploads`, `sessions`, `node_modules`",
        .help = "with `--watch`: a directory not watched, where the application writes (a name, anywhere under the "
                "root, or a path relative to it with a `/`, as `public/media`); given, it replaces the default list "
                "(repeatable)",
    },
    {
        .name = "--warmup",
        .arg = "PATH",
        .kind = KEEL_OPTION_PATH,
        KEEL_OPTION_FIELD(warmup),
        .path_rule = KEEL_PATH_URL,
        .help = "a new generation serves only after `GET PATH` answered below 500 (at startup and on every reload)",
    },
    {
        .name = "--tls-cert",
        .arg = "FILE",
        .kind = KEEL_OPTION_SPECIAL,
        KEEL_OPTION_FIELD(tls_cert),
        .set = keel_option_set_repeated,
        .help = "a PEM certificate chain (leaf first) for the `https://` listeners; repeatable, each with its "
                "`--tls-key`, chosen by the name the client asks for (SNI), the first for clients that name none; "
                "reloaded by `keel reload` and SIGHUP",
    },
    {
        .name = "--tls-key",
        .arg = "FILE",
        .kind = KEEL_OPTION_SPECIAL,
        KEEL_OPTION_FIELD(tls_key),
        .set = keel_option_set_repeated,
        .help = "the PEM private key of the `--tls-cert` in the same position",
    },
    {
        .name = "--redirect-https",
        .kind = KEEL_OPTION_FLAG,
        KEEL_OPTION_FIELD(redirect_https),
        .help = "cleartext listeners answer 308 to the same URL on the first `https://` listener, except "
                "`/.well-known/acme-challenge/`",
    },
    {
        .name = "--hsts",
        .arg = "DURATION",
        .kind = KEEL_OPTION_DURATION,
        KEEL_OPTION_FIELD(hsts_ms),
        .example = "8760h",
        .def_doc = "off",
        .help = "add `Strict-Transport-Security: max-age=` DURATION (in seconds) to HTTPS responses",
    },
    {
        .name = "--acme-domain",
        .arg = "NAME[,NAME...]",
        .kind = KEEL_OPTION_SPECIAL,
        KEEL_OPTION_FIELD(acme_domain),
        .set = keel_option_set_repeated,
        .help = "obtain and renew a certificate for NAME (and the other names listed with it) from an ACME CA, "
                "answering HTTP-01 on the cleartext listeners and TLS-ALPN-01 on the `https://` ones; repeatable, one "
                "certificate each (see `docs/acme.md`)",
    },
    {
        .name = "--acme-directory",
        .arg = "URL",
        .kind = KEEL_OPTION_STRING,
        KEEL_OPTION_FIELD(acme_directory),
        .def_doc = "Let's Encrypt's",
        .help = "the ACME CA's directory URL",
    },
    {
        .name = "--acme-email",
        .arg = "ADDRESS",
        .kind = KEEL_OPTION_STRING,
        KEEL_OPTION_FIELD(acme_email),
        .def_doc = "none",
        .help = "the contact the CA's account is registered with",
    },
    {
        .name = "--acme-ca-root",
        .arg = "FILE",
        .kind = KEEL_OPTION_PATH,
        KEEL_OPTION_FIELD(acme_ca_root),
        .path_rule = KEEL_PATH_NONEMPTY,
        .def_doc = "the system's",
        .help = "the CA certificates (PEM) to trust for the ACME directory only: a private CA's",
    },
    {
        .name = "--state-dir",
        .arg = "DIR",
        .kind = KEEL_OPTION_PATH,
        KEEL_OPTION_FIELD(state_dir),
        .path_rule = KEEL_PATH_ABSOLUTE_DIR,
        .def = KEEL_DEFAULT_STATE_DIR,
        .help = "where the ACME account key and certificates are kept (created 0700, files 0600)",
    },
    {
        .name = "--admin",
        .arg = "HOST:PORT|off",
        .kind = KEEL_OPTION_SPECIAL,
        KEEL_OPTION_FIELD(admin),
        KEEL_OPTION_EXPLICIT(admin_explicit),
        .set = keel_option_set_admin,
        .def = KEEL_DEFAULT_ADMIN,
        .help = "admin listener: a live dashboard at `/`, `/status`, `/metrics`, `POST /reload`; one instance, one "
                "address: keel refuses to start (exit 2) when it cannot bind it, the default included, so that `keel "
                "reload` never reaches another instance; `off`: none (reload with SIGHUP)",
    },
    {
        .name = "--admin-token",
        .arg = "FILE",
        .kind = KEEL_OPTION_PATH,
        KEEL_OPTION_FIELD(admin_token_file),
        .path_rule = KEEL_PATH_NONEMPTY,
        .def_doc = "none",
        .help = "every admin request must send `Authorization: Bearer` and the token in FILE (give `keel reload` "
                "the same option; the dashboard's page takes it as `/#token=...`); required when `--admin` is "
                "reachable beyond loopback",
    },
    {
        .name = "--max-draining",
        .arg = "N",
        .kind = KEEL_OPTION_UINT,
        KEEL_OPTION_FIELD(max_draining),
        .min = 1,
        .max = 64,
        .def = "2",
        .help = "old generations ({range}) that may still finish their requests at once; a reload past it is "
                "refused with the reason",
    },
    {
        .name = "--shutdown-timeout",
        .arg = "DURATION",
        .kind = KEEL_OPTION_DURATION,
        KEEL_OPTION_FIELD(shutdown_timeout_ms),
        .example = "30s",
        .def = "30s",
        .help = "how long in-flight requests may finish on SIGTERM/SIGINT before workers are stopped",
    },
    {
        .name = "--drain-delay",
        .arg = "DURATION",
        .kind = KEEL_OPTION_DURATION,
        KEEL_OPTION_FIELD(drain_delay_ms),
        .example = "5s",
        .def = "0",
        .help = "on SIGTERM, readiness goes false at once and keel keeps serving this long (so a load balancer "
                "notices), then stops as `--shutdown-timeout` says",
    },
    {
        .name = "--health-path",
        .arg = "PATH",
        .kind = KEEL_OPTION_PATH,
        KEEL_OPTION_FIELD(health_path),
        .path_rule = KEEL_PATH_URL,
        .def_doc = "none",
        .help = "`GET PATH` on the public listeners answers readiness without PHP: 200 when a generation serves, 503 "
                "while starting, failing or stopping (as `/readyz` on the admin listener)",
    },
    {
        .name = "--metrics",
        .arg = "HOST:PORT|off",
        .kind = KEEL_OPTION_SPECIAL,
        KEEL_OPTION_FIELD(metrics),
        .set = keel_option_set_metrics,
        .def = "off",
        .help = "a read-only listener with `GET /metrics`, `/healthz` and `/readyz` only, no token, for Prometheus "
                "and probes on a pod network; the admin listener stays on loopback",
    },
    {
        .name = "--access-log",
        .arg = "PATH|-|off",
        .kind = KEEL_OPTION_SPECIAL,
        KEEL_OPTION_FIELD(access_log),
        .set = keel_option_set_access_log,
        .def = "off",
        .help = "log every request on the public listeners to PATH (`-`: stdout), written without blocking the "
                "server; reopened on SIGUSR1 (logrotate)",
    },
    {
        .name = "--access-log-format",
        .arg = "combined|json",
        .kind = KEEL_OPTION_SPECIAL,
        .set = keel_option_set_access_log_format,
        .def = "combined",
        .help = "`combined`: nginx's; `json`: one object per line, with the worker, its generation, the pool, the "
                "time waiting for a worker and in PHP, the Zend peak and the change of the worker's private memory",
    },
    {
        .name = "--trusted-proxy",
        .arg = "CIDR",
        .kind = KEEL_OPTION_SPECIAL,
        .set = keel_option_set_trusted_proxy,
        .help = "from these addresses (IPv4 or IPv6, repeatable; `unix:` for the clients of `unix:` listeners, as "
                "nginx's `set_real_ip_from unix:`), `X-Forwarded-For` or `Forwarded` names the client "
                "(`REMOTE_ADDR`, the access log) and `X-Forwarded-Proto`, `-Host`, `-Port` set `HTTPS`, "
                "`SERVER_NAME`, `SERVER_PORT`",
    },
    {
        .name = "--compress",
        .arg = "on|off",
        .kind = KEEL_OPTION_SPECIAL,
        KEEL_OPTION_FIELD(compress),
        .set = keel_option_set_compress,
        .def = "on",
        .help = "gzip responses of compressible types of 512 bytes or more for clients that accept it (static "
                "files and PHP), and serve a static file's `.gz` or `.br` sibling when there is one",
    },
    {
        .name = "--user",
        .arg = "USER",
        .kind = KEEL_OPTION_STRING,
        KEEL_OPTION_FIELD(user),
        .def_doc = "keel's own",
        .help = "run PHP (the zygote and its workers) as USER, a name or a uid, with USER's groups; the front binds "
                "its ports and stays root (see `docs/security.md`). Started as root without it, PHP runs as root and "
                "keel warns; `--user root` says that is meant",
    },
    {
        .name = "--group",
        .arg = "GROUP",
        .kind = KEEL_OPTION_STRING,
        KEEL_OPTION_FIELD(group),
        .def_doc = "USER's group",
        .help = "with `--user`: the group PHP runs as, a name or a gid",
    },
};

#undef KEEL_OPTION_FIELD
#undef KEEL_OPTION_EXPLICIT

const size_t keel_options_count = sizeof(keel_options) / sizeof(keel_options[0]);

int
keel_option_error(char *err, size_t errlen, const char *fmt, ...)
{
    if (errlen == 0)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    for (char *p = err; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return -1;
}

const keel_option_t *
keel_option_match(const char *arg, const char **value)
{
    for (size_t i = 0; i < keel_options_count; i++) {
        const keel_option_t *opt = &keel_options[i];
        size_t n = strlen(opt->name);
        if (strncmp(arg, opt->name, n) != 0)
            continue;
        if (arg[n] == '\0') {
            *value = NULL;
            return opt;
        }
        if (opt->kind == KEEL_OPTION_FLAG)
            continue;
        /* "-dKEY=VALUE" as php -d takes it; long options take "=value" */
        if (opt->name[1] != '-') {
            *value = arg + n;
            return opt;
        }
        if (arg[n] == '=') {
            *value = arg + n + 1;
            return opt;
        }
    }
    return NULL;
}

const keel_option_t *
keel_option_find(const char *name)
{
    for (size_t i = 0; i < keel_options_count; i++) {
        const char *bare = keel_options[i].name;
        while (*bare == '-')
            bare++;
        if (strcmp(name, bare) == 0)
            return &keel_options[i];
    }
    return NULL;
}

static void *
keel_option_field(const keel_option_t *opt, keel_config_t *cfg)
{
    return (char *)cfg + opt->field;
}

static int
keel_valid_ini_entry(const char *kv)
{
    const char *eq = strchr(kv, '=');
    /* PHP's ini scanner would take a newline as the start of another
     * entry; refuse it so one -d cannot smuggle in several. */
    return eq != NULL && eq != kv && strchr(kv, '\n') == NULL && strchr(kv, '\r') == NULL;
}

static int
keel_option_set_path(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err, size_t errlen)
{
    switch (opt->path_rule) {
    case KEEL_PATH_ANY:
        break;
    case KEEL_PATH_NONEMPTY:
        if (*value == '\0')
            return keel_option_error(err, errlen, "option %s: empty path", opt->name);
        break;
    case KEEL_PATH_ABSOLUTE_DIR:
        if (*value != '/')
            return keel_option_error(err, errlen, "option %s: expected an absolute directory, got '%s'", opt->name,
                                     value);
        break;
    case KEEL_PATH_URL:
        if (*value != '/')
            return keel_option_error(err, errlen, "option %s: expected a path starting with /, got '%s'", opt->name,
                                     value);
        break;
    }
    *(const char **)keel_option_field(opt, cfg) = value;
    return 0;
}

int
keel_option_set(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err, size_t errlen)
{
    uint64_t n;
    switch (opt->kind) {
    case KEEL_OPTION_FLAG:
        *(int *)keel_option_field(opt, cfg) = 1;
        return 0;
    case KEEL_OPTION_UINT:
        if (keel_parse_uint(value, opt->min, opt->max, &n) != 0) {
            if (opt->max == KEEL_OPTION_UNBOUNDED)
                return keel_option_error(err, errlen, "option %s: expected a number, got '%s'", opt->name, value);
            return keel_option_error(err, errlen,
                                     "option %s: expected a number from %" PRIu64 " to %" PRIu64 ", got '%s'",
                                     opt->name, opt->min, opt->max, value);
        }
        if (opt->field_size == sizeof(unsigned))
            *(unsigned *)keel_option_field(opt, cfg) = (unsigned)n;
        else
            *(uint64_t *)keel_option_field(opt, cfg) = n;
        return 0;
    case KEEL_OPTION_SIZE:
        if (keel_parse_size(value, &n) != 0)
            return keel_option_error(err, errlen, "option %s: expected a size like %s, got '%s'", opt->name,
                                     opt->example, value);
        *(uint64_t *)keel_option_field(opt, cfg) = n;
        return 0;
    case KEEL_OPTION_DURATION:
        if (keel_parse_duration_ms(value, &n) != 0)
            return keel_option_error(err, errlen, "option %s: expected a duration like %s, got '%s'", opt->name,
                                     opt->example, value);
        *(uint64_t *)keel_option_field(opt, cfg) = n;
        return 0;
    case KEEL_OPTION_PATH:
        return keel_option_set_path(opt, cfg, value, err, errlen);
    case KEEL_OPTION_STRING:
        *(const char **)keel_option_field(opt, cfg) = value;
        return 0;
    case KEEL_OPTION_INI:
        if (!keel_valid_ini_entry(value))
            return keel_option_error(err, errlen, "option %s: expected %s, got '%s'", opt->name, opt->arg, value);
        if (cfg->ini_count == KEEL_MAX_INI_ENTRIES)
            return keel_option_error(err, errlen, "option %s: too many entries (at most %d)", opt->name,
                                     KEEL_MAX_INI_ENTRIES);
        cfg->ini[cfg->ini_count++] = value;
        return 0;
    case KEEL_OPTION_SPECIAL:
        return opt->set(opt, cfg, value, err, errlen);
    }
    return keel_option_error(err, errlen, "option %s: unknown kind", opt->name);
}

/* --config is read by keel_config_load before the rest; here it only
 * needs its value. */
static int
keel_option_set_config(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err, size_t errlen)
{
    (void)opt, (void)cfg, (void)value, (void)err, (void)errlen;
    return 0;
}

/* "auto" is 0: the front sizes the pool from the CPUs and the memory budget. */
static int
keel_option_set_workers(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err, size_t errlen)
{
    uint64_t n;
    if (strcmp(value, "auto") == 0)
        n = 0;
    else if (keel_parse_uint(value, opt->min, opt->max, &n) != 0)
        return keel_option_error(err, errlen,
                                 "option %s: expected auto or a number from %" PRIu64 " to %" PRIu64 ", got '%s'",
                                 opt->name, opt->min, opt->max, value);
    cfg->workers = (unsigned)n;
    return 0;
}

/* "auto" sets its own flag; a number clears it. */
static int
keel_option_set_max_workers(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err, size_t errlen)
{
    uint64_t n;
    if (strcmp(value, "auto") == 0) {
        cfg->max_workers = 0;
        cfg->max_workers_auto = 1;
        return 0;
    }
    if (keel_parse_uint(value, opt->min, opt->max, &n) != 0)
        return keel_option_error(err, errlen,
                                 "option %s: expected auto or a number from %" PRIu64 " to %" PRIu64 ", got '%s'",
                                 opt->name, opt->min, opt->max, value);
    cfg->max_workers = (unsigned)n;
    cfg->max_workers_auto = 0;
    return 0;
}

/* "off" is "": the router answers 404 for paths that match no file. */
static int
keel_option_set_front_controller(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err,
                                 size_t errlen)
{
    (void)opt, (void)err, (void)errlen;
    cfg->front_controller = strcmp(value, "off") == 0 ? "" : value;
    return 0;
}

static int
keel_option_set_spool_dir(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err, size_t errlen)
{
    if (strcmp(value, "off") == 0)
        cfg->spool_dir = NULL;
    else if (*value != '/')
        return keel_option_error(err, errlen, "option %s: expected an absolute directory or off, got '%s'", opt->name,
                                 value);
    else
        cfg->spool_dir = value;
    return 0;
}

static int
keel_option_set_admin(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err, size_t errlen)
{
    if (*value == '\0')
        return keel_option_error(err, errlen, "option %s: expected HOST:PORT or off", opt->name);
    if (strcmp(value, "off") == 0) {
        cfg->admin = NULL;
        return 0;
    }
    keel_listen_addr_t addr;
    if (keel_listen_addr_parse(value, strlen(value), 0, opt->name, &addr, err, errlen) != 0)
        return -1; /* err is written */
    cfg->admin = value;
    return 0;
}

/* Repeatable: the first one given replaces the default. */
static int
keel_option_set_listen(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err, size_t errlen)
{
    if (!cfg->listen_explicit)
        cfg->listen_count = 0;
    if (cfg->listen_count == KEEL_MAX_LISTEN)
        return keel_option_error(err, errlen, "option %s: too many listeners (at most %d)", opt->name, KEEL_MAX_LISTEN);
    if (keel_listen_addr_parse(value, strlen(value), KEEL_LISTEN_ALLOW_SCHEME | KEEL_LISTEN_ALLOW_UNIX, opt->name,
                               &cfg->listen[cfg->listen_count], err, errlen) != 0)
        return -1; /* err is written */
    cfg->listen_count++;
    return 0;
}

/* A repeatable option whose values are kept as given, in order: its field
 * is an array of strings, and its count follows it. */
static int
keel_option_set_repeated(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err, size_t errlen)
{
    const char **list = (const char **)keel_option_field(opt, cfg);
    size_t cap = opt->field_size / sizeof(const char *);
    size_t *count = (size_t *)(list + cap);
    if (*value == '\0')
        return keel_option_error(err, errlen, "option %s: empty value", opt->name);
    if (*count == cap)
        return keel_option_error(err, errlen, "option %s: too many (at most %zu)", opt->name, cap);
    list[(*count)++] = value;
    return 0;
}

/* Root-relative, as the router compares it with request paths: no empty,
 * "." or ".." segment (slashes at either end are ignored). */
static int
keel_option_set_no_php(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err, size_t errlen)
{
    const char *p = value;
    int segments = 0;
    while (*p) {
        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return keel_option_error(err, errlen, "option %s: expected a directory under the root, got '%s'", opt->name,
                                     value);
        segments++;
        p += n;
    }
    if (segments == 0)
        return keel_option_error(err, errlen, "option %s: expected a directory under the root, got '%s'", opt->name,
                                 value);
    if (cfg->no_php_count == KEEL_MAX_NO_PHP)
        return keel_option_error(err, errlen, "option %s: too many entries (at most %d)", opt->name, KEEL_MAX_NO_PHP);
    cfg->no_php[cfg->no_php_count++] = value;
    return 0;
}

static int
keel_option_set_symlinks(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err, size_t errlen)
{
    if (strcmp(value, "within-root") == 0)
        cfg->symlinks = KEEL_SYMLINKS_WITHIN_ROOT;
    else if (strcmp(value, "owner") == 0)
        cfg->symlinks = KEEL_SYMLINKS_OWNER;
    else if (strcmp(value, "follow") == 0)
        cfg->symlinks = KEEL_SYMLINKS_FOLLOW;
    else
        return keel_option_error(err, errlen, "option %s: expected within-root, owner or follow, got '%s'", opt->name,
                                 value);
    return 0;
}

static int
keel_option_set_watch_ignore(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err, size_t errlen)
{
    const char *p = value;
    while (*p == '/')
        p++;
    if (*p == '\0' || strstr(value, "..") != NULL)
        return keel_option_error(err, errlen, "option %s: expected a directory under the root, got '%s'", opt->name,
                                 value);
    if (cfg->watch_ignore_count == KEEL_MAX_WATCH_IGNORE)
        return keel_option_error(err, errlen, "option %s: too many entries (at most %d)", opt->name,
                                 KEEL_MAX_WATCH_IGNORE);
    cfg->watch_ignore[cfg->watch_ignore_count++] = value;
    return 0;
}

/* "KEY=VALUE" with a KEY of something and no '=' in it (the first '='
 * ends it); nothing may hold a NUL, which argv cannot carry anyway. */
static int
keel_key_value_ok(const char *value)
{
    const char *eq = strchr(value, '=');
    return eq != NULL && eq != value;
}

static int
keel_option_set_env(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err, size_t errlen)
{
    if (!keel_key_value_ok(value))
        return keel_option_error(err, errlen, "option %s: expected KEY=VALUE, got '%s'", opt->name, value);
    if (cfg->env_count == KEEL_MAX_ENV)
        return keel_option_error(err, errlen, "option %s: too many entries (at most %d)", opt->name, KEEL_MAX_ENV);
    cfg->env[cfg->env_count++] = value;
    return 0;
}

/* The parameters that say which script runs and what the request is:
 * keel's routing and framing depend on them, so --param cannot replace
 * them (nor request headers, HTTP_*, which come from the client). */
static const char *const keel_request_params[] = {
    "SCRIPT_FILENAME", "SCRIPT_NAME",  "PATH_INFO",    "DOCUMENT_ROOT",  "DOCUMENT_URI", "REQUEST_URI",
    "REQUEST_METHOD",  "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH", "PHP_SELF",
};

static int
keel_option_set_param(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err, size_t errlen)
{
    if (!keel_key_value_ok(value))
        return keel_option_error(err, errlen, "option %s: expected KEY=VALUE, got '%s'", opt->name, value);
    size_t klen = (size_t)(strchr(value, '=') - value);
    if (klen >= 5 && strncmp(value, "HTTP_", 5) == 0)
        return keel_option_error(err, errlen, "option %s: %.*s would pose as a request header", opt->name, (int)klen,
                                 value);
    for (size_t i = 0; i < sizeof(keel_request_params) / sizeof(keel_request_params[0]); i++)
        if (strlen(keel_request_params[i]) == klen && strncmp(value, keel_request_params[i], klen) == 0)
            return keel_option_error(err, errlen, "option %s: %s names the script or the request; keel sets it",
                                     opt->name, keel_request_params[i]);
    if (cfg->param_count == KEEL_MAX_PARAMS)
        return keel_option_error(err, errlen, "option %s: too many entries (at most %d)", opt->name, KEEL_MAX_PARAMS);
    cfg->params[cfg->param_count++] = value;
    return 0;
}

/* A size, within what libh2o can parse (KEEL_MAX_HEADER_SIZE_LIMIT). */
static int
keel_option_set_max_header_size(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err,
                                size_t errlen)
{
    uint64_t n;
    if (keel_parse_size(value, &n) != 0 || n < KEEL_MIN_HEADER_SIZE_LIMIT || n > KEEL_MAX_HEADER_SIZE_LIMIT)
        return keel_option_error(err, errlen, "option %s: expected a size from 1K to 408K, got '%s'", opt->name, value);
    cfg->max_header_size = n;
    return 0;
}

static int
keel_option_set_access_log(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err, size_t errlen)
{
    if (*value == '\0')
        return keel_option_error(err, errlen, "option %s: expected a file, - or off", opt->name);
    cfg->access_log = strcmp(value, "off") == 0 ? NULL : value;
    return 0;
}

static int
keel_option_set_access_log_format(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err,
                                  size_t errlen)
{
    if (strcmp(value, "combined") == 0)
        cfg->access_log_json = 0;
    else if (strcmp(value, "json") == 0)
        cfg->access_log_json = 1;
    else
        return keel_option_error(err, errlen, "option %s: expected combined or json, got '%s'", opt->name, value);
    return 0;
}

static int
keel_option_set_trusted_proxy(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err, size_t errlen)
{
    keel_cidr_t c;
    if (strcmp(value, "unix:") == 0) {
        cfg->trusted_unix_peers = true;
        return 0;
    }
    if (keel_cidr_parse(value, strlen(value), &c) != 0)
        return keel_option_error(err, errlen,
                                 "option %s: expected an address or a range like 10.0.0.0/8 or fd00::/8 (no bits set "
                                 "past the prefix), or unix:, got '%s'",
                                 opt->name, value);
    if (cfg->trusted_proxy_count == KEEL_MAX_TRUSTED_PROXIES)
        return keel_option_error(err, errlen, "option %s: too many entries (at most %d)", opt->name,
                                 KEEL_MAX_TRUSTED_PROXIES);
    cfg->trusted_proxies[cfg->trusted_proxy_count++] = c;
    return 0;
}

static int
keel_option_set_compress(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err, size_t errlen)
{
    if (strcmp(value, "on") == 0)
        cfg->compress = 1;
    else if (strcmp(value, "off") == 0)
        cfg->compress = 0;
    else
        return keel_option_error(err, errlen, "option %s: expected on or off, got '%s'", opt->name, value);
    return 0;
}

static int
keel_option_set_metrics(const keel_option_t *opt, keel_config_t *cfg, const char *value, char *err, size_t errlen)
{
    if (*value == '\0')
        return keel_option_error(err, errlen, "option %s: expected HOST:PORT or off", opt->name);
    if (strcmp(value, "off") == 0) {
        cfg->metrics = NULL;
        return 0;
    }
    /* as --admin: HOST:PORT only, the port in range, refused before anything binds */
    keel_listen_addr_t addr;
    if (keel_listen_addr_parse(value, strlen(value), 0, opt->name, &addr, err, errlen) != 0)
        return -1; /* err is written */
    cfg->metrics = value;
    return 0;
}

/*
 * Rendering. Text goes through a keel_text_t: into a Markdown cell ('|'
 * escaped, backticks kept), or into --help's right column (backticks
 * dropped, words wrapped at KEEL_HELP_WIDTH).
 */
typedef struct {
    FILE *out;
    int markdown;  /* a Markdown cell rather than --help */
    int in_code;   /* help: inside a `code` span, whose spaces do not break */
    size_t col;    /* help: the cursor's column */
    char word[64]; /* help: the word being gathered; a longer one goes out in pieces */
    size_t word_len;
} keel_text_t;

static void
keel_text_end_word(keel_text_t *t)
{
    if (t->word_len == 0)
        return;
    if (t->col > KEEL_HELP_INDENT && t->col + 1 + t->word_len > KEEL_HELP_WIDTH) {
        fprintf(t->out, "\n%*s", KEEL_HELP_INDENT, "");
        t->col = KEEL_HELP_INDENT;
    }
    if (t->col > KEEL_HELP_INDENT) {
        fputc(' ', t->out);
        t->col++;
    }
    fwrite(t->word, 1, t->word_len, t->out);
    t->col += t->word_len;
    t->word_len = 0;
}

/* Emits c; a space breaks the line only when breakable (help). */
static void
keel_text_emit(keel_text_t *t, char c, int breakable)
{
    if (t->markdown) {
        if (c == '|')
            fputc('\\', t->out);
        fputc(c, t->out);
        return;
    }
    if (c == '`') {
        t->in_code = !t->in_code;
        return;
    }
    if (c == ' ' && breakable && !t->in_code) {
        keel_text_end_word(t);
        return;
    }
    if (t->word_len == sizeof(t->word))
        keel_text_end_word(t);
    t->word[t->word_len++] = c;
}

static void
keel_text_putc(keel_text_t *t, char c)
{
    keel_text_emit(t, c, 1);
}

static void
keel_text_puts(keel_text_t *t, const char *s)
{
    while (*s)
        keel_text_putc(t, *s++);
}

/* An option's help with "{range}" replaced by its bounds. */
static void
keel_text_help(keel_text_t *t, const keel_option_t *opt)
{
    static const char range[] = "{range}";
    for (const char *s = opt->help; *s;) {
        if (strncmp(s, range, sizeof(range) - 1) == 0) {
            char bounds[64];
            snprintf(bounds, sizeof(bounds), "%" PRIu64 " to %" PRIu64, opt->min, opt->max);
            /* "1 to 1024" reads as one item: kept on one line */
            for (const char *b = bounds; *b; b++)
                keel_text_emit(t, *b, 0);
            s += sizeof(range) - 1;
        } else {
            keel_text_putc(t, *s++);
        }
    }
}

/* Under the options, in --help and in README.md alike (backticks are the
 * README's). */
const char keel_units_help[] = "SIZE takes `K`, `M` or `G` (`64M`; a bare number is bytes); DURATION takes `ms`, "
                               "`s`, `m` or `h` (`30s`; a bare number is seconds), on the command line and in a "
                               "config file alike.";

void
keel_serve_usage(FILE *out)
{
    fputs("Usage: keel serve [options]\n"
          "\n"
          "Serve the PHP application under --root over HTTP.\n"
          "\n"
          "Options:\n",
          out);
    for (size_t i = 0; i < keel_options_count; i++) {
        const keel_option_t *opt = &keel_options[i];
        int n = fprintf(out, "  %s%s%s", opt->name, opt->arg ? " " : "", opt->arg ? opt->arg : "");
        /* a synopsis too wide for the left column gets a line of its own */
        if (n < 0 || n >= KEEL_HELP_INDENT)
            fprintf(out, "\n%*s", KEEL_HELP_INDENT, "");
        else
            fprintf(out, "%*s", KEEL_HELP_INDENT - n, "");
        keel_text_t t = {.out = out, .col = KEEL_HELP_INDENT};
        keel_text_help(&t, opt);
        if (opt->def_doc != NULL || opt->def != NULL) {
            keel_text_puts(&t, " (default: ");
            keel_text_puts(&t, opt->def_doc != NULL ? opt->def_doc : opt->def);
            keel_text_putc(&t, ')');
        }
        keel_text_end_word(&t);
        fputc('\n', out);
    }
    fprintf(out, "  %-*s%s\n", KEEL_HELP_INDENT - 2, "-h, --help", "show this help");
    /* wrapped as the help column is, from the left margin */
    fputc('\n', out);
    size_t col = 0;
    for (const char *u = keel_units_help; *u;) {
        const char *end = strchr(u, ' ');
        size_t n = end ? (size_t)(end - u) : strlen(u), ticks = 0;
        for (size_t i = 0; i < n; i++)
            ticks += u[i] == '`';
        if (col > 0 && col + 1 + n - ticks > KEEL_HELP_WIDTH) {
            fputc('\n', out);
            col = 0;
        } else if (col > 0) {
            fputc(' ', out);
            col++;
        }
        for (size_t i = 0; i < n; i++)
            if (u[i] != '`')
                fputc(u[i], out);
        col += n - ticks;
        u += n;
        while (*u == ' ')
            u++;
    }
    fputc('\n', out);
}

void
keel_options_markdown(FILE *out)
{
    fputs("| option | default | meaning |\n"
          "|---|---|---|\n",
          out);
    for (size_t i = 0; i < keel_options_count; i++) {
        const keel_option_t *opt = &keel_options[i];
        keel_text_t t = {.out = out, .markdown = 1};
        fputs("| `", out);
        keel_text_puts(&t, opt->name);
        if (opt->arg != NULL) {
            keel_text_putc(&t, ' ');
            keel_text_puts(&t, opt->arg);
        }
        fputs("` |", out);
        if (opt->def_doc != NULL) {
            fputc(' ', out);
            keel_text_puts(&t, opt->def_doc);
        } else if (opt->def != NULL) {
            fputs(" `", out);
            keel_text_puts(&t, opt->def);
            fputc('`', out);
        }
        fputs(" | ", out);
        keel_text_help(&t, opt);
        fputs(" |\n", out);
    }
    fprintf(out, "\n%s\n", keel_units_help);
}

/* --- parsing --- */

/* keel_option_set_repeated finds each list's count right after it. */
_Static_assert(offsetof(keel_config_t, tls_cert_count) ==
                   offsetof(keel_config_t, tls_cert) + KEEL_MAX_TLS_PAIRS * sizeof(const char *),
               "tls_cert_count follows tls_cert");
_Static_assert(offsetof(keel_config_t, tls_key_count) ==
                   offsetof(keel_config_t, tls_key) + KEEL_MAX_TLS_PAIRS * sizeof(const char *),
               "tls_key_count follows tls_key");
_Static_assert(offsetof(keel_config_t, acme_domain_count) ==
                   offsetof(keel_config_t, acme_domain) + KEEL_MAX_ACME_DOMAINS * sizeof(const char *),
               "acme_domain_count follows acme_domain");

void
keel_config_defaults(keel_config_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    /* Through the parser, so a documented default is the one in force
     * (tests/unit/common/test_options.c checks that each one parses). */
    for (size_t i = 0; i < keel_options_count; i++)
        if (keel_options[i].def != NULL)
            keel_option_set(&keel_options[i], cfg, keel_options[i].def, NULL, 0);
}

keel_config_result_t
keel_config_parse_serve(keel_config_t *cfg, int argc, char *const *argv, char *errbuf, size_t errlen)
{
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i], *value;

        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)
            return KEEL_CONFIG_HELP;
        const keel_option_t *opt = keel_option_match(arg, &value);
        if (opt == NULL) {
            keel_option_error(errbuf, errlen, "unknown option '%s' (see keel serve --help)", arg);
            return KEEL_CONFIG_ERROR;
        }
        if (opt->kind != KEEL_OPTION_FLAG && value == NULL) {
            if (i + 1 >= argc) {
                /* -d names the shape of its value, the others just ask for one */
                keel_option_error(errbuf, errlen, "option %s needs %s", opt->name,
                                  opt->kind == KEEL_OPTION_INI ? opt->arg : "a value");
                return KEEL_CONFIG_ERROR;
            }
            value = argv[++i];
        }
        if (keel_option_set(opt, cfg, value, errbuf, errlen) != 0)
            return KEEL_CONFIG_ERROR;
        if (opt->has_explicit)
            *(int *)((char *)cfg + opt->explicit_field) = 1;
    }
    if (cfg->max_worker_memory_hard && cfg->max_worker_memory > cfg->max_worker_memory_hard) {
        keel_option_error(errbuf, errlen, "--max-worker-memory is above --max-worker-memory-hard");
        return KEEL_CONFIG_ERROR;
    }
    if (cfg->worker_script && cfg->workers + cfg->classic_workers > KEEL_MAX_WORKERS) {
        keel_option_error(errbuf, errlen, "--workers plus --classic-workers exceeds %d", KEEL_MAX_WORKERS);
        return KEEL_CONFIG_ERROR;
    }
    if (cfg->worker_script && cfg->max_workers + cfg->classic_workers > KEEL_MAX_WORKERS) {
        keel_option_error(errbuf, errlen, "--max-workers plus --classic-workers exceeds %d", KEEL_MAX_WORKERS);
        return KEEL_CONFIG_ERROR;
    }
    return KEEL_CONFIG_OK;
}
