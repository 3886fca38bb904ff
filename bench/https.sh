#!/usr/bin/env bash
# keel against nginx (TLS) + php-fpm over HTTPS, on the smallest PHP
# response (examples/hello), with the same number of PHP workers on both
# sides:
#   - HTTP/1.1 with keep-alive (wrk): TLS records on established connections,
#     and the same over each server's cleartext listener just before, so
#     the ratio HTTPS is to keep is measured in the same run (the last line
#     divides keel's TLS ratio by its cleartext ratio, round by round);
#   - HTTP/2 (h2load, multiplexed streams over a few connections);
#   - new TLS connections per second (openssl s_time -new: a full handshake
#     and one request per connection, no resumption), where nginx's
#     handshake path is strong.
#
#   bench/https.sh [--duration SECONDS] [--workers N] [--connections C]
#                  [--keel BIN] [--app DIR] [--rounds N] [--verbose]
#
# The servers run one at a time, in turns, --rounds times (default 3); each
# figure is the median over the rounds and each ratio the median of the
# per-round ratios, as in bench/hello.sh. Both sides get the same EC P-256
# certificate, TLS 1.2 and 1.3, the same TLS 1.2 suites, session tickets;
# nginx runs one worker process against keel's single-threaded front.
# Load generators run on the same machine and share its CPUs with the
# servers, both sides alike: compare the ratios, not the absolute figures.
# CPU per request (HTTP/1.1) and per new connection (handshake plus one
# request) is user + system time of each server's whole process tree over
# the run (lib/cpu.py): the work each side does, whatever the scheduler
# made of the shared CPUs.
#
# Exit status: 0 when both served every request without error; 1 otherwise;
# 2 for usage errors.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"
# shellcheck source=bench/lib/nginx_fpm.sh
source "$BENCH_DIR/lib/nginx_fpm.sh"

DURATION=8
WORKERS=4
CONNECTIONS=64
KEEL="build/keel"
APP="examples/hello"
ROUNDS=3
VERBOSE=0
THREADS=2      # wrk threads, one per core
H2_CLIENTS=16  # h2load connections
H2_STREAMS=10  # h2load concurrent streams per connection
HANDSHAKERS=2  # s_time processes at once

usage() {
    cat <<EOF
Usage: bench/https.sh [options]

Measures keel and nginx (TLS) + php-fpm, one after the other, over HTTPS:
wrk (HTTP/1.1, keep-alive), h2load (HTTP/2) and openssl s_time (new
connections per second), and prints the medians and keel's ratios.

Options:
  --duration SECONDS   length of each measured run (default: $DURATION)
  --workers N          PHP workers on both sides (default: $WORKERS)
  --connections C      wrk connections (default: $CONNECTIONS)
  --keel BIN           keel binary (default: $KEEL)
  --app DIR            document root with an index.php (default: $APP)
  --rounds N           rounds, servers in turns within each (default: $ROUNDS)
  --verbose            also print each tool's output
  -h, --help           show this help
EOF
}

set_option() {
    case "$1" in
    --duration) DURATION="$2" ;;
    --rounds) ROUNDS="$2" ;;
    --workers) WORKERS="$2" ;;
    --connections) CONNECTIONS="$2" ;;
    --keel) KEEL="$2" ;;
    --app) APP="$2" ;;
    *) return 1 ;;
    esac
}

bench_parse_options bench/https.sh "$@"
bench_check_run_options bench/https.sh

KEEL="$(bench_resolve_path "$KEEL")"
APP="$(cd "$(bench_resolve_path "$APP")" && pwd)"
[[ -f "$APP/index.php" ]] || bench_usage_error bench/https.sh "--app: no index.php in $APP"
[[ -x "$KEEL" ]] || bench_usage_error bench/https.sh "--keel: $KEEL is not an executable (make builds it)"
for tool in wrk h2load openssl nginx php-fpm8.2 timeout "$BENCH_PYTHON"; do
    command -v "$tool" >/dev/null || bench_die "$tool not found (scripts/install-deps.sh installs what the benchmark needs)"
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/keel-bench-https.XXXXXX")"
KEEL_PID=""
# shellcheck disable=SC2317  # only ever called through the trap
cleanup() {
    local status=$?
    trap '' INT TERM
    trap - EXIT
    bench_stop_tree "$KEEL_PID"
    stop_reference
    rm -rf -- "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'echo >&2; bench_log "interrupted"; exit 130' INT
trap 'exit 143' TERM

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" \
    -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost 2>/dev/null
export REF_TLS_CERT="$WORK/cert.pem" REF_TLS_KEY="$WORK/key.pem"
REF_TLS_CERT="$WORK/cert.pem"
REF_TLS_KEY="$WORK/key.pem"

FAILED=()
start_keel() {
    local port
    port="$(bench_free_port)"
    KEEL_PORT="$(bench_free_port)"
    "$KEEL" serve --root "$APP" --listen "127.0.0.1:$KEEL_PORT" --listen "https://127.0.0.1:$port" \
        --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem" --workers "$WORKERS" --admin off \
        -d opcache.enable=1 >"$WORK/keel.out" 2>"$WORK/keel.err" &
    KEEL_PID=$!
    local i
    for ((i = 0; i < 150; i++)); do
        if curl -sfk -o /dev/null "https://127.0.0.1:$port/"; then
            KEEL_TLS_PORT="$port"
            return 0
        fi
        bench_alive "$KEEL_PID" || break
        sleep 0.1
    done
    tail -n 20 "$WORK/keel.err" >&2
    return 1
}

declare -A RR  # "metric|server#round" -> value
# One wrk run on url: sets RR[$metric|NAME#ROUND] (req/s) and, per request,
# RR[${metric}cpu|...] (CPU of the PIDS' trees) and RR[${metric}p99|...].
wrk_run() {
    local name="$1" metric="$2" url="$3" tag="$1.r$ROUND.$2" rps p50 p99 req non2xx errs cpu0 cpu1
    shift 3
    timeout $((DURATION + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "$url" >/dev/null 2>&1 || true
    cpu0="$(bench_cpu "$@")" || bench_die "$name: could not read the CPU time of its processes"
    timeout $((DURATION + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION"s --latency "$url" >"$WORK/$tag.wrk" 2>&1 ||
        bench_die "$name: wrk failed: $(cat "$WORK/$tag.wrk")"
    cpu1="$(bench_cpu "$@")" || bench_die "$name: could not read the CPU time of its processes"
    read -r rps p50 p99 req non2xx errs < <("$BENCH_PYTHON" "$BENCH_LIB/wrk_parse.py" "$WORK/$tag.wrk")
    RR["$metric|$name#$ROUND"]="$rps"
    ((req > 0)) && RR["${metric}cpu|$name#$ROUND"]="$(((cpu1 - cpu0) / req))"
    RR["${metric}p99|$name#$ROUND"]="$p99"
    ((non2xx == 0 && errs == 0)) || FAILED+=("$name, wrk $url: $non2xx non-2xx answers, $errs socket errors")
    ((VERBOSE)) && cat "$WORK/$tag.wrk"
    return 0
}

measure() {
    local name="$1" port="$2" plain_port="$3" tag="$1.r$ROUND"
    shift 3
    local url="https://127.0.0.1:$port/"

    # the same server over cleartext first: the ratio HTTPS is to keep
    bench_log "$name: wrk, HTTP/1.1 keep-alive over cleartext (${DURATION}s, $CONNECTIONS connections)"
    wrk_run "$name" h1c "http://127.0.0.1:$plain_port/" "$@"
    bench_log "$name: wrk, HTTP/1.1 keep-alive over TLS (${DURATION}s, $CONNECTIONS connections)"
    wrk_run "$name" h1 "$url" "$@"

    bench_log "$name: h2load, HTTP/2 (${DURATION}s, $H2_CLIENTS connections x $H2_STREAMS streams)"
    timeout $((DURATION + 30)) h2load -c "$H2_CLIENTS" -m "$H2_STREAMS" -D "$DURATION" --warm-up-time 2 "$url" \
        >"$WORK/$tag.h2" 2>&1 || bench_die "$name: h2load failed: $(tail -5 "$WORK/$tag.h2")"
    RR["h2|$name#$ROUND"]="$(sed -n 's/^finished in [0-9.]*s, \([0-9.]*\) req\/s.*/\1/p' "$WORK/$tag.h2")"
    grep -q "^requests: .* 0 failed, 0 errored" "$WORK/$tag.h2" || FAILED+=("$name, h2load: $(grep '^requests:' "$WORK/$tag.h2")")
    grep -q "^status codes: [0-9]* 2xx, 0 3xx, 0 4xx, 0 5xx" "$WORK/$tag.h2" ||
        FAILED+=("$name, h2load: $(grep '^status codes:' "$WORK/$tag.h2")")
    grep -q "Application protocol: h2" "$WORK/$tag.h2" || FAILED+=("$name, h2load: h2 was not negotiated")

    bench_log "$name: openssl s_time -new, new connections (${DURATION}s, $HANDSHAKERS clients)"
    local i total=0 pids=()
    cpu0="$(bench_cpu "$@")" || bench_die "$name: could not read the CPU time of its processes"
    for ((i = 0; i < HANDSHAKERS; i++)); do
        timeout $((DURATION + 30)) openssl s_time -connect "127.0.0.1:$port" -new -time "$DURATION" -www / \
            >"$WORK/$tag.stime.$i" 2>&1 &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i" || true; done
    cpu1="$(bench_cpu "$@")" || bench_die "$name: could not read the CPU time of its processes"
    for ((i = 0; i < HANDSHAKERS; i++)); do
        local n
        n="$(sed -n 's/^\([0-9]*\) connections in [0-9.]* real seconds.*/\1/p' "$WORK/$tag.stime.$i" | head -1)"
        [[ -n "$n" ]] || bench_die "$name: s_time printed no count: $(cat "$WORK/$tag.stime.$i")"
        total=$((total + n))
    done
    RR["conn|$name#$ROUND"]="$(awk -v t="$total" -v d="$DURATION" 'BEGIN { printf "%.0f", t / d }')"
    ((total > 0)) && RR["conncpu|$name#$ROUND"]="$(((cpu1 - cpu0) / total))"

    if ((VERBOSE)); then
        cat "$WORK/$tag.h2" "$WORK/$tag".stime.*
    fi
    local pid
    for pid in "$@"; do
        bench_alive "$pid" || FAILED+=("$name: process $pid died during the run")
    done
}

REF="nginx+php-fpm"
LOADAVG="$(cut -d' ' -f1 /proc/loadavg)"
for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
    bench_log "round $ROUND of $ROUNDS"
    start_reference "$APP" "$WORKERS" || bench_die "the reference stack did not start"
    measure "$REF" "$REF_TLS_PORT" "$REF_PORT" "${REF_PIDS[@]}"
    stop_reference
    start_keel || bench_die "keel did not start"
    measure keel "$KEEL_TLS_PORT" "$KEEL_PORT" "$KEEL_PID"
    bench_stop_tree "$KEEL_PID"
    KEEL_PID=""
done

values() { local m="$1" s="$2" r out=(); for ((r = 1; r <= ROUNDS; r++)); do out+=("${RR["$m|$s#$r"]}"); done; echo "${out[*]}"; }
ratios() {
    local m="$1" r out=()
    for ((r = 1; r <= ROUNDS; r++)); do
        out+=("$(awk -v a="${RR["$m|keel#$r"]}" -v b="${RR["$m|$REF#$r"]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')")
    done
    echo "${out[*]}"
}

echo
echo "keel vs $REF over HTTPS: GET / on ${APP#"$REPO_ROOT"/}, $WORKERS PHP workers each, EC P-256 certificate"
echo "  servers one at a time, $ROUNDS rounds in turns; $(nproc) CPUs shared with the load generators;" \
    "load average before the run: $LOADAVG"
printf '%-28s %14s %14s %10s   %s\n' measure "$REF" keel keel/ref "per round"
# shellcheck disable=SC2046
for m in h1c h1 h2 conn h1cp99 h1p99 h1ccpu h1cpu conncpu; do
    case "$m" in
    h1c) label="HTTP/1.1 cleartext req/s" ;;
    h1cp99) label="HTTP/1.1 cleartext p99 ms" ;;
    h1ccpu) label="CPU us per cleartext request" ;;
    h1) label="HTTP/1.1 keep-alive req/s" ;;
    h2) label="HTTP/2 req/s" ;;
    conn) label="new TLS connections/s" ;;
    h1p99) label="HTTP/1.1 p99 latency ms" ;;
    h1cpu) label="CPU us per HTTP/1.1 request" ;;
    conncpu) label="CPU us per new connection" ;;
    esac
    r="$(ratios "$m")"
    printf '%-28s %14s %14s %9sx   %s\n' "$label" "$(bench_median $(values "$m" "$REF"))" \
        "$(bench_median $(values "$m" keel))" "$(bench_median $r)" "$r"
done
# The target: keel's HTTP/1.1 ratio over TLS against its ratio over
# cleartext, round by round (the same servers, minutes apart).
kept=()
for ((r = 1; r <= ROUNDS; r++)); do
    kept+=("$(awk -v kt="${RR["h1|keel#$r"]}" -v rt="${RR["h1|$REF#$r"]}" -v kc="${RR["h1c|keel#$r"]}" \
        -v rc="${RR["h1c|$REF#$r"]}" 'BEGIN { printf "%.2f", (rt > 0 && kc > 0 ? (kt / rt) / (kc / rc) : 0) }')")
done
printf '%-28s %14s %14s %9sx   %s
' "TLS ratio / cleartext ratio" "" "" "$(bench_median "${kept[@]}")" "${kept[*]}"
echo "  wrk -t$THREADS -c$CONNECTIONS; h2load -c $H2_CLIENTS -m $H2_STREAMS; $HANDSHAKERS x openssl s_time -new -www /"

if ((${#FAILED[@]})); then
    for reason in "${FAILED[@]}"; do echo "FAILED: $reason" >&2; done
    exit 1
fi
exit 0
