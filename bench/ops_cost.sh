#!/usr/bin/env bash
# What the access log and compression cost, keel's against nginx's own, in
# the same run:
#
#   bench/ops_cost.sh [--part all|log|compress] [--duration SECONDS]
#                     [--workers N] [--connections C] [--keel BIN]
#                     [--rounds N] [--verbose]
#
# - log: GET / of examples/hello (the smallest PHP answer, where a log
#   line weighs most): keel without a log, with --access-log FILE
#   (combined) and with --access-log-format json; nginx + php-fpm without
#   and with `access_log FILE combined`.
# - compress: GET / of bench/compress-app (13 KB of HTML) with
#   Accept-Encoding: gzip: keel --compress off and on; nginx + php-fpm
#   without and with gzip at the same settings (level 1, from 512 bytes).
#
# How:
#   - Each server is started, warmed up, measured and stopped alone,
#     --rounds times in turns (default 3); req/s is the median over the
#     rounds, a cost the median of the ratios within each round (one
#     round's runs are back to back, so a drifting shared machine cancels
#     out of each ratio).
#   - CPU per request: user + system time of the server's whole process
#     tree (keel's writer thread, php-fpm's children included) over the
#     measured run, divided by the requests served; and of its front alone
#     (keel's front process with its writer thread; nginx's master and
#     worker), where the log and the compressor run: on a busy machine the
#     steadiest figure of what a feature costs.
#   - Logs go to files on disk under $TMPDIR (/tmp by default); every
#     request must be in the log at the end, or the run fails.
#   - Before the compress part measures, each server must answer gzip (or
#     not, as configured) and the decoded body must be the plain one.
#
# Exit status: 0 when every run served every request with a 2xx and no
# socket error and logged each; 1 otherwise; 2 for usage errors.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"
# shellcheck source=bench/lib/nginx_fpm.sh
source "$BENCH_DIR/lib/nginx_fpm.sh"

PART=all
DURATION=10
WORKERS=4
CONNECTIONS=64
KEEL="build/keel"
ROUNDS=3
VERBOSE=0
WARMUP=2
THREADS=2

usage() {
    cat <<EOF
Usage: bench/ops_cost.sh [options]

Measures with wrk what keel's access log and compression cost, and what
nginx's cost nginx + php-fpm, in the same run; prints req/s, p50/p99, CPU
per request and each feature's req/s ratio against the same server
without it.

Options:
  --part all|log|compress  what to measure (default: $PART)
  --duration SECONDS   length of each measured run (default: $DURATION)
  --workers N          PHP workers, keel's and php-fpm's (default: $WORKERS)
  --connections C      wrk connections (default: $CONNECTIONS)
  --keel BIN           keel binary (default: $KEEL)
  --rounds N           measure each N times, in turns (default: $ROUNDS)
  --verbose            also print wrk's full output
  -h, --help           show this help
EOF
}

set_option() {
    case "$1" in
    --part) PART="$2" ;;
    --duration) DURATION="$2" ;;
    --rounds) ROUNDS="$2" ;;
    --workers) WORKERS="$2" ;;
    --connections) CONNECTIONS="$2" ;;
    --keel) KEEL="$2" ;;
    *) return 1 ;;
    esac
}

bench_parse_options bench/ops_cost.sh "$@"
bench_check_run_options bench/ops_cost.sh
case "$PART" in
all | log | compress) ;;
*) bench_usage_error bench/ops_cost.sh "--part: expected all, log or compress, got '$PART'" ;;
esac
((CONNECTIONS >= THREADS)) || THREADS="$CONNECTIONS"

[[ "$KEEL" == /* ]] || KEEL="$PWD/$KEEL"
[[ -x "$KEEL" && -f "$KEEL" ]] || bench_die "no keel binary at $KEEL (run make)"
for tool in wrk timeout curl gzip php nginx php-fpm8.2 "$BENCH_PYTHON"; do
    command -v "$tool" >/dev/null || bench_die "$tool not found (scripts/install-deps.sh installs it)"
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/keel-bench-ops.XXXXXX")"
KEEL_PID=""
WRK_PID=""
# shellcheck disable=SC2317  # only ever called through the trap
cleanup() {
    local status=$?
    trap '' INT TERM
    trap - EXIT
    bench_stop_tree "$WRK_PID"
    bench_stop_tree "$KEEL_PID"
    stop_reference
    rm -rf -- "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'echo >&2; bench_log "interrupted"; exit 130' INT
trap 'exit 143' TERM

FAILED=()
declare -A RR_RPS RR_P50 RR_P99 RR_CPU RR_FRONT R_RPS R_P50 R_P99 R_CPU R_FRONT BODY_BYTES
SRV_PIDS=()
FRONT_CPU=() # cpu.py's arguments for the front alone
PORT=""

# Each part's app and servers; a server named "X+feature" is measured
# against "X", the same server without the feature.
part_app() {
    if [[ "$1" == log ]]; then echo "$REPO_ROOT/examples/hello"; else echo "$BENCH_DIR/compress-app"; fi
}
part_variants() {
    case "$1" in
    log) echo "keel keel+combined keel+json nginx nginx+combined" ;;
    compress) echo "keel keel+gzip nginx nginx+gzip" ;;
    esac
}

start_server() { # PART NAME: sets PORT and SRV_PIDS (the trees to measure)
    local part="$1" name="$2" app
    app="$(part_app "$part")"
    rm -f "$WORK/access.log"
    case "$name" in
    keel*)
        local args=(--access-log off)
        case "$name" in
        keel+combined) args=(--access-log "$WORK/access.log") ;;
        keel+json) args=(--access-log "$WORK/access.log" --access-log-format json) ;;
        esac
        if [[ "$part" == compress ]]; then
            if [[ "$name" == keel+gzip ]]; then args+=(--compress on); else args+=(--compress off); fi
        fi
        PORT="$(bench_free_port)"
        "$KEEL" serve --root "$app" --listen "127.0.0.1:$PORT" --workers "$WORKERS" --admin off \
            -d opcache.enable=1 "${args[@]}" >"$WORK/keel.out" 2>"$WORK/keel.err" &
        KEEL_PID=$!
        bench_wait_http "http://127.0.0.1:$PORT/" "$KEEL_PID" 150 || {
            tail -n 20 "$WORK/keel.err" >&2
            bench_die "$name: keel did not answer 200 on /"
        }
        SRV_PIDS=("$KEEL_PID")
        FRONT_CPU=(--alone "$KEEL_PID")
        ;;
    nginx*)
        REF_NGINX_ACCESS_LOG=""
        REF_NGINX_GZIP=""
        [[ "$name" == nginx+combined ]] && REF_NGINX_ACCESS_LOG="$WORK/access.log"
        [[ "$name" == nginx+gzip ]] && REF_NGINX_GZIP=1
        start_reference "$app" "$WORKERS" || bench_die "$name: nginx + php-fpm did not start"
        PORT="$REF_PORT"
        SRV_PIDS=("${REF_PIDS[@]}")
        FRONT_CPU=("$REF_NGINX_PID")
        ;;
    esac
}

stop_server() {
    bench_stop_tree "$KEEL_PID" # stopping writes what is left of keel's log
    KEEL_PID=""
    stop_reference
}

# The compress part's servers must answer gzip or not as configured, and
# the decoded body must be the page itself.
check_encoding() { # NAME KEY
    local want=identity got
    [[ "$1" == *+gzip ]] && want=gzip
    curl -sS -H 'Accept-Encoding: gzip' -D "$WORK/headers" -o "$WORK/body.raw" "http://127.0.0.1:$PORT/" ||
        bench_die "$1: curl failed"
    got="$(tr -d '\r' <"$WORK/headers" | awk -F': *' 'tolower($1) == "content-encoding" { print tolower($2) }')"
    [[ "${got:-identity}" == "$want" ]] || FAILED+=("$1: Content-Encoding '${got:-none}', expected $want")
    if [[ "$want" == gzip ]]; then
        gzip -dc <"$WORK/body.raw" >"$WORK/body" || FAILED+=("$1: the body is not gzip")
    else
        cp "$WORK/body.raw" "$WORK/body"
    fi
    cmp -s "$WORK/page" "$WORK/body" || FAILED+=("$1: the decoded body is not the page")
    BODY_BYTES[$2]="$(wc -c <"$WORK/body.raw")"
}

run_wrk() { # DURATION OUT [HEADER]
    local header_args=()
    [[ -n "${3:-}" ]] && header_args=(-H "$3")
    timeout "$(($1 + 30))" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$1"s --latency "${header_args[@]}" \
        "http://127.0.0.1:$PORT/" >"$2" 2>&1 &
    WRK_PID=$!
    local status=0
    wait "$WRK_PID" || status=$?
    WRK_PID=""
    ((status == 0)) || { cat "$2" >&2; bench_die "wrk failed (exit status $status)"; }
}

measure() { # PART NAME
    local part="$1" name="$2" key="$1/$2" tag cpu_before cpu_after front_before front_after
    local rps p50 p99 req non2xx errs hdr="" lines
    tag="$part.${name//+/_}.r$ROUND"
    [[ "$part" == compress ]] && hdr="Accept-Encoding: gzip"
    start_server "$part" "$name"
    [[ "$part" == compress ]] && check_encoding "$name" "$key"
    bench_log "$key: warming up (${WARMUP}s)"
    run_wrk "$WARMUP" "$WORK/$tag.warmup" "$hdr"
    bench_log "$key: measuring (${DURATION}s, $CONNECTIONS connections)"
    cpu_before="$(bench_cpu "${SRV_PIDS[@]}")"
    front_before="$(bench_cpu "${FRONT_CPU[@]}")"
    run_wrk "$DURATION" "$WORK/$tag.wrk" "$hdr"
    cpu_after="$(bench_cpu "${SRV_PIDS[@]}")"
    front_after="$(bench_cpu "${FRONT_CPU[@]}")"
    read -r rps p50 p99 req non2xx errs < <("$BENCH_PYTHON" "$BENCH_LIB/wrk_parse.py" "$WORK/$tag.wrk") ||
        bench_die "$key: could not read wrk's output"
    stop_server
    RR_RPS[$key#$ROUND]="$rps"
    RR_P50[$key#$ROUND]="$p50"
    RR_P99[$key#$ROUND]="$p99"
    if ((req > 0)); then
        RR_CPU[$key#$ROUND]="$(((cpu_after - cpu_before) / req))"
        RR_FRONT[$key#$ROUND]="$(awk -v a="$front_before" -v b="$front_after" -v n="$req" 'BEGIN { printf "%.1f", (b - a) / n }')"
    fi
    R_RPS[$key]="$rps"
    ((non2xx == 0)) || FAILED+=("$key: $non2xx non-2xx answers")
    ((errs == 0)) || FAILED+=("$key: $errs socket errors")
    if [[ "$name" == *+combined || "$name" == *+json ]]; then
        # the start-up probe, the warm-up and the measured run
        lines="$(wc -l <"$WORK/access.log")"
        ((lines >= req)) || FAILED+=("$key: $lines lines logged for at least $req requests")
        ((VERBOSE)) && { echo "--- $key: last line ---"; tail -n 1 "$WORK/access.log"; }
    fi
    ((VERBOSE)) && { echo "--- $key: wrk ---"; cat "$WORK/$tag.wrk"; }
    return 0
}

PARTS=(log compress)
[[ "$PART" == all ]] || PARTS=("$PART")
php "$(part_app compress)/index.php" >"$WORK/page"
LOADAVG="$(cut -d' ' -f1 /proc/loadavg)"
for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
    bench_log "round $ROUND of $ROUNDS"
    for part in "${PARTS[@]}"; do
        for v in $(part_variants "$part"); do
            measure "$part" "$v"
        done
    done
done
bench_take_medians "$ROUNDS"
for key in "${!R_RPS[@]}"; do
    # shellcheck disable=SC2046 # the values are words
    R_FRONT[$key]="$(bench_median $(bench_round_values RR_FRONT "$key" "$ROUNDS") || echo "?")"
done

echo
echo "$WORKERS PHP workers each, wrk -t$THREADS -c$CONNECTIONS, ${DURATION}s x $ROUNDS rounds," \
    "load average $LOADAVG at the start"
for part in "${PARTS[@]}"; do
    echo
    if [[ "$part" == log ]]; then
        echo "access log: GET / of examples/hello"
    else
        echo "compression: GET / of bench/compress-app ($(wc -c <"$WORK/page") bytes of HTML), Accept-Encoding: gzip"
    fi
    printf '%-15s %9s %7s %7s %10s %10s %10s  %s\n' server req/s "p50 ms" "p99 ms" "CPU us/req" "front us" \
        "body bytes" "req/s with the feature / without (per round); front CPU/req likewise"
    for v in $(part_variants "$part"); do
        key="$part/$v"
        ratio="-"
        if [[ "$v" == *+* ]]; then
            ratios="$(bench_round_ratios RR_RPS "$key" "$part/${v%%+*}" "$ROUNDS")"
            # shellcheck disable=SC2086 # the ratios are words
            ratio="$(awk -v r="$(bench_median $ratios)" 'BEGIN { printf "%.3f (%+.1f%%)", r, (r - 1) * 100 }') ($ratios)"
            fratios="$(bench_round_ratios RR_FRONT "$key" "$part/${v%%+*}" "$ROUNDS")"
            # shellcheck disable=SC2086 # the ratios are words
            ratio+="; $(awk -v r="$(bench_median $fratios)" 'BEGIN { printf "%.3f", r }') ($fratios)"
        fi
        printf '%-15s %9s %7s %7s %10s %10s %10s  %s\n' "$v" "${R_RPS[$key]}" "${R_P50[$key]}" "${R_P99[$key]}" \
            "${R_CPU[$key]}" "${R_FRONT[$key]}" "${BODY_BYTES[$key]:--}" "$ratio"
    done
done

if ((${#FAILED[@]})); then
    printf 'FAILED: %s\n' "${FAILED[@]}" >&2
    exit 1
fi
