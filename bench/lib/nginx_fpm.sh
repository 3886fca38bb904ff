#!/usr/bin/env bash
# The reference stack keel is measured against: nginx in front of php-fpm,
# both configured from scratch in a private temp dir, so the system's own
# nginx/php-fpm services, configs, logs and sockets are never touched.
#
# As a library (bench scripts, differential tests):
#     source bench/lib/nginx_fpm.sh
#     start_reference APP_DIR WORKERS [PORT]   # sets REF_PORT, REF_PIDS, REF_DIR
#     ...                                      # http://127.0.0.1:$REF_PORT/
#     stop_reference                           # idempotent; call it from a trap
# start_reference returns non-zero (after cleaning up and showing the
# servers' logs) when the stack does not come up.
#
# As a command, for tests written in other languages:
#     bench/lib/nginx_fpm.sh APP_DIR [WORKERS] [PORT]
# prints the port on stdout once http://127.0.0.1:PORT/ answers 200, then
# keeps serving until it gets SIGTERM or SIGINT, and cleans up.
#
# The configuration is deliberately the common one, not a tuned one:
#   - php-fpm: one pool, pm = static with WORKERS children (keel also runs
#     a fixed number of workers), a unix socket, OPcache on.
#   - nginx: worker_processes 1, the counterpart of keel's single-threaded
#     front; client keep-alive on; the usual try_files front-controller
#     block; no access log and no gzip (unless told, below).
#   - nginx opens a new unix-socket connection to php-fpm per request (no
#     upstream keepalive). That is the stock setup, and with php-fpm it is
#     also the safe one: a php-fpm child serves one connection at a time,
#     so idle kept-alive connections pin children and can stall requests
#     queued behind them.
#
# Settings callers may override through the environment:
#   REF_NGINX (default nginx), REF_FPM (default php-fpm8.2)
#   REF_NGINX_PRIORITY: nginx's worker_priority (a nice value, e.g. -5),
#     to measure nginx arranged as keel's front is by default
#     (--front-priority 5: the front five nice steps above the PHP
#     workers). Unset by default: the stock configuration has none.
#   REF_FPM_ENV: environment variables for the PHP scripts, one NAME=VALUE
#     per line (php-fpm clears its children's environment; each line
#     becomes an env[NAME] entry of the pool). Empty by default.
#   REF_TLS_CERT, REF_TLS_KEY: a certificate chain and its key; when both
#     are set, nginx also listens with TLS (and HTTP/2) on REF_TLS_PORT,
#     configured as keel's https:// listener is: TLS 1.2 and 1.3, keel's
#     TLS 1.2 suites, session tickets.
#   REF_FPM_PM: the pool's process manager lines instead of
#     "pm = static" with WORKERS children, one setting per line (e.g.
#     $'pm = dynamic\npm.max_children = 16\npm.start_servers = 2\n...'),
#     for the benchmarks of pools that grow. Empty by default.
#   REF_NGINX_ACCESS_LOG: a file for nginx's access log in its `combined`
#     format. Unset by default: no access log.
#   REF_NGINX_GZIP: set (to anything) for gzip on, at keel's settings
#     (level 1, from 512 bytes, the usual text types, Vary). Unset by
#     default: no gzip.

# shellcheck source=bench/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

REF_NGINX="${REF_NGINX:-nginx}"
REF_FPM="${REF_FPM:-php-fpm8.2}"
REF_FPM_ENV="${REF_FPM_ENV:-}"
REF_FPM_PM="${REF_FPM_PM:-}"
REF_NGINX_PRIORITY="${REF_NGINX_PRIORITY:-}"
REF_TLS_CERT="${REF_TLS_CERT:-}"
REF_TLS_KEY="${REF_TLS_KEY:-}"
REF_TLS_PORT=""
REF_NGINX_ACCESS_LOG="${REF_NGINX_ACCESS_LOG:-}"
REF_NGINX_GZIP="${REF_NGINX_GZIP:-}"
REF_DIR=""
REF_PORT=""
REF_PIDS=()
REF_NGINX_PID=""
REF_FPM_PID=""

# Shows the end of the stack's logs, for when it failed to start or serve.
reference_logs() {
    local f
    [[ -n "$REF_DIR" ]] || return 0
    for f in php-fpm.out php-fpm.log nginx.out error.log; do
        if [[ -s "$REF_DIR/$f" ]]; then
            printf -- '--- %s (last 20 lines) ---\n' "$f" >&2
            tail -n 20 "$REF_DIR/$f" >&2
        fi
    done
}

stop_reference() {
    # nginx first, so no request reaches a php-fpm that is going away.
    bench_stop_tree "$REF_NGINX_PID"
    bench_stop_tree "$REF_FPM_PID"
    REF_NGINX_PID=""
    REF_FPM_PID=""
    REF_PIDS=()
    REF_PORT=""
    REF_TLS_PORT=""
    if [[ -n "$REF_DIR" && -d "$REF_DIR" ]]; then
        rm -rf -- "$REF_DIR"
    fi
    REF_DIR=""
}

# Writes the php-fpm and nginx configurations into $REF_DIR.
_reference_write_configs() {
    local app="$1" workers="$2" port="$3" user_lines="" nginx_user="" env_lines="" kv tls_lines=""
    local access_log="off" gzip_lines=""
    [[ -n "$REF_NGINX_ACCESS_LOG" ]] && access_log="$REF_NGINX_ACCESS_LOG combined"
    if [[ -n "$REF_NGINX_GZIP" ]]; then
        gzip_lines="gzip on; gzip_comp_level 1; gzip_min_length 512; gzip_vary on; gzip_proxied any;
    gzip_types text/css text/plain text/xml application/json application/javascript application/xml image/svg+xml;"
    fi
    if [[ -n "$REF_TLS_PORT" ]]; then
        tls_lines="listen 127.0.0.1:$REF_TLS_PORT ssl http2;
        ssl_certificate $REF_TLS_CERT;
        ssl_certificate_key $REF_TLS_KEY;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;
        ssl_session_tickets on;"
    fi

    # php-fpm refuses to run pools as root unless told to (-R) and given
    # user = root explicitly. When not root, user/group must be absent:
    # processes run as whoever started them.
    if ((EUID == 0)); then
        user_lines=$'user = root\ngroup = root'
        # nginx's workers would otherwise switch to "nobody", which cannot
        # enter the 0700 temp dir holding the php-fpm socket. They get no
        # more than php-fpm itself already has.
        nginx_user="user root root;"
    fi

    while IFS= read -r kv; do
        [[ "$kv" == *=* ]] || continue
        env_lines+="env[${kv%%=*}] = \"${kv#*=}\""$'\n'
    done <<<"$REF_FPM_ENV"
    # A fixed pool of WORKERS children, like keel's --workers, unless told.
    local pm_lines=$'pm = static\npm.max_children = '"$workers"
    if [[ -n "$REF_FPM_PM" ]]; then
        pm_lines="$REF_FPM_PM"
    fi

    cat >"$REF_DIR/php-fpm.conf" <<CONF
; Generated by bench/lib/nginx_fpm.sh for a benchmark run.
[global]
pid = $REF_DIR/php-fpm.pid
error_log = $REF_DIR/php-fpm.log
daemonize = no

[bench]
$user_lines
listen = $REF_DIR/php-fpm.sock
listen.mode = 0600
$pm_lines
$env_lines
CONF

    cat >"$REF_DIR/nginx.conf" <<CONF
# Generated by bench/lib/nginx_fpm.sh for a benchmark run.
$nginx_user
daemon off;
master_process on;
# One worker: the counterpart of keel's single-threaded front.
worker_processes 1;
${REF_NGINX_PRIORITY:+worker_priority $REF_NGINX_PRIORITY;}
pid $REF_DIR/nginx.pid;
lock_file $REF_DIR/nginx.lock;
error_log $REF_DIR/error.log warn;

events {
    worker_connections 1024;
}

http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log $access_log;
    $gzip_lines
    sendfile on;
    # Debian's build points these at /var/lib/nginx; keep them private.
    client_body_temp_path $REF_DIR/client_body;
    proxy_temp_path $REF_DIR/proxy;
    fastcgi_temp_path $REF_DIR/fastcgi;
    uwsgi_temp_path $REF_DIR/uwsgi;
    scgi_temp_path $REF_DIR/scgi;

    # Client keep-alive on. The request cap is raised from 1000 so that
    # wrk's connections are not closed and reopened during a run; keel
    # does not cap requests per connection either.
    keepalive_timeout 65;
    keepalive_requests 100000;

    server {
        listen 127.0.0.1:$port;
        $tls_lines
        server_name localhost;
        root $app;
        index index.php;

        location / {
            try_files \$uri \$uri/ /index.php?\$query_string;
        }

        location ~ \.php\$ {
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
            fastcgi_pass unix:$REF_DIR/php-fpm.sock;
        }
    }
}
CONF
}

# start_reference APP_DIR WORKERS [PORT]
start_reference() {
    local app="${1:-}" workers="${2:-}" port="${3:-}" i
    if [[ -z "$app" || ! -d "$app" ]]; then
        bench_log "start_reference: app dir '$app' does not exist"
        return 1
    fi
    if ! [[ "$workers" =~ ^[1-9][0-9]*$ ]]; then
        bench_log "start_reference: workers must be a positive number, got '$workers'"
        return 1
    fi
    local tool
    for tool in "$REF_NGINX" "$REF_FPM"; do
        command -v "$tool" >/dev/null || { bench_log "start_reference: $tool not found"; return 1; }
    done
    if [[ -n "$REF_DIR" ]]; then
        bench_log "start_reference: a reference is already running (port $REF_PORT)"
        return 1
    fi
    app="$(cd "$app" && pwd)"
    [[ -n "$port" ]] || port="$(bench_free_port)" || return 1
    if [[ -n "$REF_TLS_CERT" && -n "$REF_TLS_KEY" ]]; then
        REF_TLS_PORT="$(bench_free_port)" || return 1
    fi

    REF_DIR="$(mktemp -d "${TMPDIR:-/tmp}/keel-ref.XXXXXX")" || return 1
    # A unix socket path must fit in sun_path (108 bytes with the NUL).
    if ((${#REF_DIR} + 13 > 107)); then
        bench_log "start_reference: temp dir path too long for a unix socket: $REF_DIR (set TMPDIR shorter)"
        stop_reference
        return 1
    fi
    _reference_write_configs "$app" "$workers" "$port"

    local fpm_args=(--nodaemonize --fpm-config "$REF_DIR/php-fpm.conf" -d opcache.enable=1)
    ((EUID == 0)) && fpm_args+=(--allow-to-run-as-root)
    "$REF_FPM" "${fpm_args[@]}" >"$REF_DIR/php-fpm.out" 2>&1 &
    REF_FPM_PID=$!

    # nginx could start before the socket exists, but its first requests
    # would then get 502; wait for php-fpm to listen instead.
    for ((i = 0; i < 100; i++)); do
        [[ -S "$REF_DIR/php-fpm.sock" ]] && break
        bench_alive "$REF_FPM_PID" || break
        sleep 0.1
    done
    if ! [[ -S "$REF_DIR/php-fpm.sock" ]]; then
        bench_log "start_reference: php-fpm did not create its socket"
        reference_logs
        stop_reference
        return 1
    fi

    # -e: the log used before nginx.conf is read, which Debian's build
    # would otherwise send to its compiled-in default.
    "$REF_NGINX" -p "$REF_DIR/" -c "$REF_DIR/nginx.conf" -e "$REF_DIR/error.log" >"$REF_DIR/nginx.out" 2>&1 &
    REF_NGINX_PID=$!

    if ! bench_wait_http "http://127.0.0.1:$port/" "$REF_NGINX_PID" 100; then
        bench_log "start_reference: nginx+php-fpm did not answer 200 on http://127.0.0.1:$port/"
        reference_logs
        stop_reference
        return 1
    fi
    REF_PORT="$port"
    # shellcheck disable=SC2034  # read by the scripts that source this file
    REF_PIDS=("$REF_NGINX_PID" "$REF_FPM_PID")
    return 0
}

# Run as a command: serve until told to stop.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    set -euo pipefail
    if (($# < 1 || $# > 3)); then
        echo "usage: $0 APP_DIR [WORKERS (default 4)] [PORT (default: a free one)]" >&2
        exit 2
    fi
    trap stop_reference EXIT
    trap 'exit 0' TERM INT
    start_reference "$1" "${2:-4}" "${3:-}"
    echo "$REF_PORT"
    # Returns when a signal arrives (the trap then exits) or nginx dies.
    wait "$REF_NGINX_PID" || true
    bench_log "nginx exited on its own"
    reference_logs
    exit 1
fi
