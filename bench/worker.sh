#!/usr/bin/env bash
# keel's worker mode against nginx + php-fpm: throughput, tail latency and
# memory, each server measured alone, with the same number of PHP workers.
#
#   bench/worker.sh [--duration SECONDS] [--workers N] [--connections C]
#                   [--keel BIN] [--part all|symfony|hello] [--rounds N]
#                   [--verbose]
#
# Two parts:
#   a) symfony: a small Symfony 5.4 app built from Debian's packages
#      (bench/symfony-app: MicroKernelTrait kernel, one route, a Twig
#      template, prod environment, debug off), GET /hello/keel, served by
#        - nginx + php-fpm running public/index.php (a full kernel boot per
#          request, as in production PHP-FPM setups),
#        - keel classic on the same public/index.php,
#        - keel worker mode: --worker public/worker.php (the kernel boots
#          once per worker and handles every request after that).
#      Targets (reported, not asserted): keel worker >= 5x nginx+php-fpm,
#      keel classic >= 1x nginx+php-fpm, in req/s.
#   b) hello: the smallest response. nginx + php-fpm and keel classic on
#      examples/hello, keel worker mode on bench/hello-worker/worker.php,
#      which answers the same body. Targets: keel worker >= 4.5x
#      nginx+php-fpm in req/s, and keel worker-mode memory per worker no
#      higher than keel classic's.
#
# How it measures (as bench/hello.sh does):
#   - Every server gets --workers PHP workers (php-fpm pm = static), the
#     distro php.ini with OPcache on, one front-end event loop (nginx
#     worker_processes 1). keel in worker mode also runs its small classic
#     pool (--classic-workers, default and minimum 1) for other .php files;
#     it gets no traffic here, but its process is in the PSS total.
#   - The Symfony cache (container, router, Twig) lives in a temp dir made
#     by this script (APP_VAR_DIR, also passed to php-fpm's pool), is built
#     and warmed by bench/symfony-app/bin/warmup.php before any server
#     starts, and is shared by all three servers.
#   - First every server is started alone and its answers are checked
#     against nginx+php-fpm's (status 200 and identical bodies, for several
#     URLs, repeated so that worker mode serves different requests from the
#     same booted processes). A server that answers differently is not
#     measured. Then each server is started alone again, warmed up with wrk
#     for 2 s, measured with wrk -t2 -cC -dD --latency, its PSS sampled in
#     the middle of the run and once idle after it, its answer checked
#     again after the run, and stopped. That is one round; there are
#     --rounds of them (default 3), each measuring every server once in
#     turn. req/s and latency are the medians over the rounds, and each
#     ratio is the median of the ratios taken within a round, so drift of
#     a shared machine's speed between runs does not decide a verdict.
#   - CPU per request: user + system time of the server's whole process
#     tree over the measured run (lib/cpu.py) over the requests served.
#   - Memory: PSS summed over the whole process tree (lib/pss.py), and PSS
#     of the PHP worker processes divided by their count ("MB/worker";
#     lib/worker_pss.py). For keel in worker mode MB/worker counts the
#     --workers busy worker-mode processes, not the idle classic one.
#   - The machine may be shared: the load average before the run and before
#     each measurement is printed next to the figures.
#
# Exit status: 0 when every server answered 200 with the expected bodies
# and served every measured request with a 2xx/3xx and no socket error,
# with no server process dying; 1 otherwise; 2 for usage errors. Missing a
# target never fails the script.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"
# shellcheck source=bench/lib/nginx_fpm.sh
source "$BENCH_DIR/lib/nginx_fpm.sh"

DURATION=10
WORKERS=4
CONNECTIONS=64
KEEL="build/keel"
PART="all"
ROUNDS=3
VERBOSE=0
WARMUP=2  # seconds of wrk before each measured run
THREADS=2 # wrk threads: one per core of the target machine
PHP_CLI="${PHP_CLI:-php}"

SF_APP="$BENCH_DIR/symfony-app"
SF_ROOT="$SF_APP/public"
SF_WORKER="$SF_ROOT/worker.php"
SF_URL_PATH="/hello/keel"
# Checked before measuring; the measured path first. Several names, so a
# worker that kept one request's state into the next answers wrongly.
SF_CHECK_PATHS=("$SF_URL_PATH" /hello/alice / /hello/bob "$SF_URL_PATH")
HELLO_APP="$REPO_ROOT/examples/hello"
HELLO_WORKER_ROOT="$BENCH_DIR/hello-worker"
HELLO_WORKER="$HELLO_WORKER_ROOT/worker.php"
HELLO_URL_PATH="/"
HELLO_CHECK_PATHS=(/ /)

usage() {
    cat <<EOF
Usage: bench/worker.sh [options]

Measures keel's worker mode, keel's classic mode and nginx + php-fpm (one
at a time) with wrk on a Symfony app and on a hello-world script, and
prints req/s, p99 latency, PSS and the ratios against the targets.

Options:
  --duration SECONDS   length of each measured run (default: $DURATION)
  --workers N          PHP workers on every server (default: $WORKERS)
  --connections C      wrk connections (default: $CONNECTIONS)
  --keel BIN           keel binary (default: $KEEL)
  --part PART          all, symfony or hello (default: $PART)
  --rounds N           measure every server N times, in turns (default: $ROUNDS);
                       req/s and latency are the medians, ratios the median
                       of the ratios within each round
  --verbose            also print wrk's full output and per-process PSS
  -h, --help           show this help
EOF
}

usage_error() { bench_usage_error bench/worker.sh "$*"; }

# set_option NAME VALUE: one valued option (see bench_parse_options).
set_option() {
    case "$1" in
    --duration) DURATION="$2" ;;
    --workers) WORKERS="$2" ;;
    --connections) CONNECTIONS="$2" ;;
    --keel) KEEL="$2" ;;
    --part) PART="$2" ;;
    --rounds) ROUNDS="$2" ;;
    *) return 1 ;;
    esac
}

bench_parse_options bench/worker.sh "$@"
bench_check_run_options bench/worker.sh

[[ "$PART" =~ ^(all|symfony|hello)$ ]] || usage_error "--part: expected all, symfony or hello, got '$PART'"
((CONNECTIONS >= THREADS)) || THREADS="$CONNECTIONS"

KEEL="$(bench_resolve_path "$KEEL")"
[[ -x "$KEEL" && -f "$KEEL" ]] || bench_die "keel not found at $KEEL (run make)"
for tool in wrk nginx php-fpm8.2 timeout "$PHP_CLI" "$BENCH_PYTHON"; do
    command -v "$tool" >/dev/null || bench_die "$tool not found (scripts/install-deps.sh installs what the benchmark needs)"
done
[[ -f "$SF_WORKER" && -f "$HELLO_WORKER" && -f "$HELLO_APP/index.php" ]] ||
    bench_die "bench/symfony-app, bench/hello-worker or examples/hello is incomplete"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/keel-wbench.XXXXXX")"
WRK_PID=""
KEEL_PID=""
# The Symfony app's cache and logs: read by the kernel from the environment
# (keel's workers inherit it; php-fpm gets it through its pool config).
export APP_VAR_DIR="$WORK/symfony-var"
# shellcheck disable=SC2034  # read by lib/nginx_fpm.sh (start_reference)
REF_FPM_ENV="APP_VAR_DIR=$APP_VAR_DIR"

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

# A private copy of the binary: the run takes minutes, and a rebuild of
# KEEL meanwhile (make in a tree being worked on) must not change what the
# later servers run. keel links nothing from its build dir.
KEEL_SRC="$KEEL"
cp -- "$KEEL_SRC" "$WORK/keel"
KEEL="$WORK/keel"
KEEL_ID="$KEEL_SRC ($(date -u -r "$KEEL_SRC" '+%Y-%m-%d %H:%M:%S UTC'), sha256 $(sha256sum "$KEEL" | cut -c1-12))"

FAILED=() # one line per reason the run did not go cleanly
NOTES=()  # keel log lines worth reporting (warnings, errors, restarts)

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# ------------------------------------------------------------- servers --
#
# Servers are named PART/KIND, KIND one of fpm, classic, worker.

REF="nginx+php-fpm"
label() {
    case "${1#*/}" in
    fpm) echo "$REF" ;;
    classic) echo "keel classic" ;;
    worker) echo "keel worker" ;;
    esac
}

KEEL_LOG=""

# wait_ready URL PID SECONDS: bench_wait_http with a deadline in seconds
# rather than a number of tries (each try may take its 2 s timeout when a
# server accepts connections but does not answer).
wait_ready() {
    local end=$((SECONDS + $3))
    while ((SECONDS < end)); do
        bench_wait_http "$1" "$2" 1 && return 0
        bench_alive "$2" || return 1
        sleep 0.1
    done
    return 1
}

keel_logs() {
    local f
    for f in "$KEEL_LOG.err" "$KEEL_LOG.out"; do
        if [[ -s "$f" ]]; then
            printf -- '--- %s (last 20 lines) ---\n' "${f#"$WORK"/}" >&2
            tail -n 20 "$f" >&2
        fi
    done
}

# start_server NAME: starts it on a free port and waits for a 200 on its
# first check path. Sets SRV_PORT, SRV_PIDS (roots of its process tree),
# SRV_COMM (name of its PHP worker processes), SRV_BUSIEST (worker_pss.py
# --busiest argument or empty). Returns 1, with logs shown, on failure.
start_server() {
    local name="$1" part="${1%/*}" kind="${1#*/}" root args=() check
    if [[ "$part" == symfony ]]; then check="$SF_URL_PATH"; else check="$HELLO_URL_PATH"; fi
    SRV_BUSIEST=""
    if [[ "$kind" == fpm ]]; then
        if [[ "$part" == symfony ]]; then root="$SF_ROOT"; else root="$HELLO_APP"; fi
        start_reference "$root" "$WORKERS" || return 1
        SRV_PORT="$REF_PORT"
        SRV_PIDS=("${REF_PIDS[@]}")
        SRV_COMM="$(basename "$REF_FPM")"
        SRV_COMM="${SRV_COMM:0:15}"
        return 0
    fi
    case "$name" in
    symfony/classic) root="$SF_ROOT" ;;
    symfony/worker)
        root="$SF_ROOT"
        args=(--worker "$SF_WORKER")
        ;;
    hello/classic) root="$HELLO_APP" ;;
    hello/worker)
        root="$HELLO_WORKER_ROOT"
        args=(--worker "$HELLO_WORKER")
        ;;
    esac
    [[ "$kind" == worker ]] && SRV_BUSIEST="$WORKERS"
    SRV_COMM="keel: worker"
    SRV_PORT="$(bench_free_port)"
    KEEL_LOG="$WORK/keel.${part}.${kind}.$((++KEEL_STARTS))"
    # -d opcache.enable=1 mirrors what php-fpm is given (both have it on
    # in the distro conf.d anyway).
    "$KEEL" serve --root "$root" --listen "127.0.0.1:$SRV_PORT" --admin off --workers "$WORKERS" "${args[@]}" \
        -d opcache.enable=1 >"$KEEL_LOG.out" 2>"$KEEL_LOG.err" &
    KEEL_PID=$!
    SRV_PIDS=("$KEEL_PID")
    if wait_ready "http://127.0.0.1:$SRV_PORT$check" "$KEEL_PID" 20; then
        return 0
    fi
    if bench_alive "$KEEL_PID"; then
        bench_log "$(label "$name") runs but did not answer 200 on http://127.0.0.1:$SRV_PORT$check:"
        "$BENCH_PYTHON" "$BENCH_LIB/http_get.py" "http://127.0.0.1:$SRV_PORT$check" --quiet || true
    else
        bench_log "$(label "$name") exited during start-up"
    fi
    keel_logs
    stop_server "$name"
    return 1
}
KEEL_STARTS=0

# stop_server NAME: stops it; for keel, collects the log lines that are
# not plain info (and PHP messages) into NOTES.
stop_server() {
    local name="$1" line n=0
    if [[ "${name#*/}" == fpm ]]; then
        stop_reference
        return 0
    fi
    bench_stop_tree "$KEEL_PID"
    KEEL_PID=""
    if [[ -s "$KEEL_LOG.err" ]]; then
        while IFS= read -r line; do
            if ((++n <= 10)); then
                NOTES+=("$(label "$name") (${KEEL_LOG##*/}): $line")
            fi
        done < <(grep -E -v '^[^ ]+ info ' "$KEEL_LOG.err" || true; grep -E '^[^ ]+ info .*PHP message' "$KEEL_LOG.err" || true)
        ((n > 10)) && NOTES+=("$(label "$name") (${KEEL_LOG##*/}): ... $((n - 10)) more such lines")
    fi
    return 0
}

# ------------------------------------------------------------ checking --

show_body() {
    printf '  %-14s %s\n' "$1:" "$("$BENCH_PYTHON" -c \
        'import sys; print(repr(open(sys.argv[1], "rb").read()[:400]))' "$2")"
}

# check_answers NAME PATH...: GETs each path once from the running server;
# the bodies of the fpm kind become the expected ones, the others must be
# identical. Returns 1 (with the reason in FAILED) on any difference.
check_answers() {
    local name="$1" part="${1%/*}" kind="${1#*/}" path i=0 ok=0 body expected
    shift
    for path in "$@"; do
        i=$((i + 1))
        body="$WORK/body.${part}.${kind}.$i"
        expected="$WORK/body.${part}.fpm.$i"
        if ! "$BENCH_PYTHON" "$BENCH_LIB/http_get.py" "http://127.0.0.1:$SRV_PORT$path" >"$body"; then
            FAILED+=("$(label "$name") did not answer 200 on $path")
            ok=1
            continue
        fi
        [[ "$kind" == fpm ]] && continue
        if ! cmp -s "$expected" "$body"; then
            {
                echo "ERROR: $(label "$name") and $REF answer $path with different bodies:"
                show_body "$REF" "$expected"
                show_body "$(label "$name")" "$body"
            } >&2
            FAILED+=("$(label "$name")'s body for $path differs from $REF's")
            ok=1
        fi
    done
    return "$ok"
}

declare -A STATE # NAME -> ok | broken

# verify NAME PATH...: start alone, check, stop.
verify() {
    local name="$1"
    shift
    bench_log "$(label "$name") ($name): checking answers"
    if ! start_server "$name"; then
        FAILED+=("$(label "$name") ($name) did not start and answer 200")
        STATE[$name]=broken
        return 0
    fi
    # fpm's bodies are the reference: fetched first, never compared.
    local rounds=1
    # Worker mode: a few rounds, so each booted process serves several
    # different requests in a row.
    [[ "${name#*/}" == worker ]] && rounds=3
    local r ok=1 paths=()
    for ((r = 0; r < rounds; r++)); do paths+=("$@"); done
    if [[ "${name#*/}" == worker ]]; then
        # the reference bodies are indexed per path position; repeat them
        local n=$# i j
        for ((r = 1; r < rounds; r++)); do
            for ((j = 1; j <= n; j++)); do
                i=$((r * n + j))
                cp "$WORK/body.${name%/*}.fpm.$j" "$WORK/body.${name%/*}.fpm.$i" 2>/dev/null || true
            done
        done
    fi
    check_answers "$name" "${paths[@]}" && ok=0
    if ((ok == 0)); then
        STATE[$name]=ok
        if [[ "${name#*/}" == fpm ]]; then
            bench_log "$(label "$name"): ${#paths[@]} answers, all 200 (the expected bodies)" \
                "($(wc -c <"$WORK/body.${name%/*}.fpm.1") bytes for ${1})"
        else
            bench_log "$(label "$name"): ${#paths[@]} answers, all 200 and identical to $REF's"
        fi
    else
        STATE[$name]=broken
        [[ "${name#*/}" != fpm ]] && keel_logs
    fi
    stop_server "$name"
}

# ------------------------------------------------------------ measuring --

run_wrk() { # SECONDS OUTFILE URL
    timeout "$(($1 + 30))" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$1"s --latency "$3" >"$2" 2>&1 &
    WRK_PID=$!
}

finish_wrk() {
    local out="$1" status=0
    wait "$WRK_PID" || status=$?
    WRK_PID=""
    if ((status != 0)); then
        cat "$out" >&2
        bench_die "wrk failed (exit status $status)"
    fi
}

# RR_*: one value per round, keyed "name#round"
declare -A RR_RPS RR_P50 RR_P99 RR_CPU
declare -A R_CPU R_RPS R_P50 R_P99 R_NON2XX R_ERR R_PSS_LOAD R_PSS_IDLE R_PROCS R_PERW R_NW R_LOAD # R_NW: workers counted in R_PERW

# measure NAME URL_PATH: starts the server alone, warms it up, measures,
# checks its answer again, stops it.
measure() {
    local name="$1" path="$2" tag="${1//\//.}.r$ROUND"
    local url mem procs rps p50 p99 req non2xx errs nw perw pid cpu_before cpu_after
    if ! start_server "$name"; then
        FAILED+=("$(label "$name") ($name) did not start a second time")
        return 0
    fi
    url="http://127.0.0.1:$SRV_PORT$path"
    bench_log "$(label "$name") ($name): warming up (${WARMUP}s)"
    run_wrk "$WARMUP" "$WORK/$tag.warmup" "$url"
    finish_wrk "$WORK/$tag.warmup"

    R_LOAD[$name]="$(cut -d' ' -f1 /proc/loadavg)"
    bench_log "$(label "$name") ($name): measuring ${DURATION}s on $path, load average $(loadavg)"
    cpu_before="$(bench_cpu "${SRV_PIDS[@]}")" || bench_die "$name: could not read the CPU time of its processes"
    run_wrk "$DURATION" "$WORK/$tag.wrk" "$url"
    sleep "$(awk -v d="$DURATION" 'BEGIN { print d / 2 }')"
    bench_alive "$WRK_PID" || bench_log "$name: wrk ended before the under-load memory sample"
    read -r mem procs < <(bench_pss --detail "${SRV_PIDS[@]}" 2>"$WORK/$tag.pss_load") ||
        bench_die "$name: could not read the PSS of its processes"
    R_PSS_LOAD[$name]="$mem"
    R_PROCS[$name]="$procs"
    if read -r _ nw perw < <("$BENCH_PYTHON" "$BENCH_LIB/worker_pss.py" --detail --comm "$SRV_COMM" \
        ${SRV_BUSIEST:+--busiest "$SRV_BUSIEST"} "${SRV_PIDS[@]}" 2>"$WORK/$tag.pss_workers"); then
        R_PERW[$name]="$perw"
        R_NW[$name]="$nw"
    else
        R_PERW[$name]="?"
        R_NW[$name]="?"
        cat "$WORK/$tag.pss_workers" >&2
    fi
    finish_wrk "$WORK/$tag.wrk"
    cpu_after="$(bench_cpu "${SRV_PIDS[@]}")" || bench_die "$name: could not read the CPU time of its processes"

    sleep 1
    read -r mem procs < <(bench_pss "${SRV_PIDS[@]}" 2>"$WORK/$tag.pss_idle") ||
        bench_die "$name: could not read the PSS of its processes"
    R_PSS_IDLE[$name]="$mem"

    if ! read -r rps p50 p99 req non2xx errs < <("$BENCH_PYTHON" "$BENCH_LIB/wrk_parse.py" "$WORK/$tag.wrk"); then
        cat "$WORK/$tag.wrk" >&2
        bench_die "$name: could not read wrk's output"
    fi
    R_RPS[$name]="$rps"
    R_P50[$name]="$p50"
    R_P99[$name]="$p99"
    RR_RPS[$name#$ROUND]="$rps"
    RR_P50[$name#$ROUND]="$p50"
    RR_P99[$name#$ROUND]="$p99"
    ((req > 0)) && RR_CPU[$name#$ROUND]="$(((cpu_after - cpu_before) / req))"
    R_NON2XX[$name]="$non2xx"
    R_ERR[$name]="$errs"

    # Still the same answer after thousands of requests through the same
    # processes (worker mode keeps them booted).
    if [[ "${name#*/}" != fpm ]]; then
        local after="$WORK/body.after.$tag"
        if ! "$BENCH_PYTHON" "$BENCH_LIB/http_get.py" "$url" >"$after"; then
            FAILED+=("$(label "$name") ($name) did not answer 200 on $path after the run")
        elif ! cmp -s "$WORK/body.${name%/*}.fpm.1" "$after"; then
            {
                echo "ERROR: after the run, $(label "$name") answers $path differently:"
                show_body "$REF" "$WORK/body.${name%/*}.fpm.1"
                show_body "$(label "$name")" "$after"
            } >&2
            FAILED+=("$(label "$name") ($name): body for $path differs from $REF's after the run")
        fi
    fi

    if ((VERBOSE)); then
        echo "--- $name: wrk ---"
        cat "$WORK/$tag.wrk"
        echo "--- $name: PSS per process under load (pid, kB, name) ---"
        cat "$WORK/$tag.pss_load"
        echo "--- $name: PHP workers counted for MB/worker (pid, kB, CPU ticks) ---"
        cat "$WORK/$tag.pss_workers"
    fi
    for pid in "${SRV_PIDS[@]}"; do
        bench_alive "$pid" || FAILED+=("$(label "$name") ($name): process $pid died during the run")
    done
    ((non2xx > 0)) && FAILED+=("$(label "$name") ($name) answered $non2xx of $req requests with a non-2xx/3xx status")
    ((errs > 0)) && FAILED+=("$(label "$name") ($name): $errs socket errors (connect/read/write/timeout, see --verbose)")
    stop_server "$name"
}

# ----------------------------------------------------------------- main --

LOAD_BEFORE="$(loadavg)"
OTHER_SHARERS="$(bench_pss --sharers "$KEEL_SRC" "$(command -v nginx)" "$(command -v php-fpm8.2)" \
    /usr/lib/libphp /usr/lib/php/ 2>/dev/null || echo "?")"

PARTS=()
[[ "$PART" == all || "$PART" == symfony ]] && PARTS+=(symfony)
[[ "$PART" == all || "$PART" == hello ]] && PARTS+=(hello)

if [[ " ${PARTS[*]} " == *" symfony "* ]]; then
    bench_log "symfony: building and warming the prod cache in $APP_VAR_DIR"
    mkdir -p "$APP_VAR_DIR"
    if ! "$PHP_CLI" "$SF_APP/bin/warmup.php" "$SF_URL_PATH" >"$WORK/warmup.out" 2>"$WORK/warmup.err"; then
        cat "$WORK/warmup.out" "$WORK/warmup.err" >&2
        bench_die "the Symfony app does not boot (bench/symfony-app/bin/warmup.php failed)"
    fi
fi

for part in "${PARTS[@]}"; do
    if [[ "$part" == symfony ]]; then paths=("${SF_CHECK_PATHS[@]}"); else paths=("${HELLO_CHECK_PATHS[@]}"); fi
    verify "$part/fpm" "${paths[@]}"
    if [[ "${STATE[$part/fpm]}" != ok ]]; then
        bench_log "$part: the reference does not work; nothing to compare keel with"
        continue
    fi
    verify "$part/classic" "${paths[@]}"
    verify "$part/worker" "${paths[@]}"
done

# Each round measures every server once, back to back, so a slow drift of
# the machine's speed cancels out of the ratios taken within a round.
for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
    ((ROUNDS > 1)) && bench_log "round $ROUND of $ROUNDS"
    for part in "${PARTS[@]}"; do
        if [[ "$part" == symfony ]]; then path="$SF_URL_PATH"; else path="$HELLO_URL_PATH"; fi
        for kind in fpm classic worker; do
            if [[ "${STATE[$part/$kind]:-}" == ok ]]; then
                measure "$part/$kind" "$path"
            fi
        done
    done
done

bench_take_medians "$ROUNDS"

# -------------------------------------------------------------- report --

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "?") printf "%.2fx", a / b; else print "n/a" }'; }
# verdict VALUE OP TARGET: "met" / "NOT met" / "n/a"
verdict() {
    awk -v a="$1" -v op="$2" -v t="$3" 'BEGIN {
        if (a == "" || a == "?" || a == "n/a") { print "n/a"; exit }
        ok = (op == ">=") ? (a + 0 >= t + 0) : (a + 0 <= t + 0)
        print ok ? "met" : "NOT met" }'
}

print_table() {
    local part="$1" kind name
    printf '  %-14s %10s %8s %8s %10s %12s %12s %12s %6s %8s %9s %6s\n' \
        server req/s p50_ms p99_ms cpu_us/req PSS_load_MB PSS_idle_MB "MB/worker(n)" procs non-2xx sock_err load1
    for kind in fpm classic worker; do
        name="$part/$kind"
        if [[ -n "${R_RPS[$name]:-}" ]]; then
            printf '  %-14s %10s %8s %8s %10s %12s %12s %12s %6s %8s %9s %6s\n' "$(label "$name")" \
                "${R_RPS[$name]}" "${R_P50[$name]}" "${R_P99[$name]}" "${R_CPU[$name]}" \
                "${R_PSS_LOAD[$name]}" "${R_PSS_IDLE[$name]}" "${R_PERW[$name]} (${R_NW[$name]})" \
                "${R_PROCS[$name]}" "${R_NON2XX[$name]}" "${R_ERR[$name]}" "${R_LOAD[$name]}"
        elif [[ -n "${STATE[$name]:-}" ]]; then
            printf '  %-14s not measured: it does not work (see above)\n' "$(label "$name")"
        fi
    done
}

# rps_ratio_line PART KIND TARGET (- for none): the median of the rounds' ratios
rps_ratio_line() {
    local part="$1" kind="$2" target="$3" r rounds
    rounds="$(bench_round_ratios RR_RPS "$part/$kind" "$part/fpm" "$ROUNDS")"
    [[ -n "$rounds" ]] || return 0
    # shellcheck disable=SC2086 # one word per round
    r="$(bench_median $rounds)"
    r="$(awk -v r="$r" 'BEGIN { printf "%.2f", r }')"
    if [[ "$target" == - ]]; then
        printf '  %-13s / %s req/s: %5sx   (no target; by round: %s)\n' "$(label "$part/$kind")" "$REF" "$r" "$rounds"
    else
        printf '  %-13s / %s req/s: %5sx   (target >= %sx: %s; by round: %s)\n' "$(label "$part/$kind")" "$REF" \
            "$r" "$target" "$(verdict "$r" '>=' "$target")" "$rounds"
    fi
}

other_ratios() {
    local part="$1" kind="$2"
    local n="$part/$kind" f="$part/fpm"
    [[ -n "${R_RPS[$n]:-}" && -n "${R_RPS[$f]:-}" ]] || return 0
    printf '  %-13s / %s p99: %s, CPU/request: %s, PSS under load: %s, PSS idle: %s, MB/worker: %s\n' \
        "$(label "$n")" "$REF" "$(ratio "${R_P99[$n]}" "${R_P99[$f]}")" "$(ratio "${R_CPU[$n]}" "${R_CPU[$f]}")" "$(ratio "${R_PSS_LOAD[$n]}" "${R_PSS_LOAD[$f]}")" \
        "$(ratio "${R_PSS_IDLE[$n]}" "${R_PSS_IDLE[$f]}")" "$(ratio "${R_PERW[$n]}" "${R_PERW[$f]}")"
}

echo
echo "keel worker mode vs keel classic vs $REF"
echo "  keel: $KEEL_ID"
echo "  $WORKERS PHP workers each (php-fpm pm = static; keel worker mode adds its 1-process classic pool," \
    "idle here), OPcache on, nginx worker_processes 1${REF_NGINX_PRIORITY:+, worker_priority $REF_NGINX_PRIORITY}"
echo "  keel's front: 5 nice steps above its workers while busy (--front-priority, default), when the kernel allows it"
echo "  wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency after a ${WARMUP}s warm-up; servers run one at a time;" \
    "$(nproc) CPUs shared with wrk"
echo "  load average before the run: $LOAD_BEFORE (load1 column: at the start of each measured run);" \
    "$OTHER_SHARERS other processes mapped nginx/php-fpm/keel/PHP files (they lower the PSS figures)"
echo "  MB/worker: PSS of the PHP worker processes / their count (keel worker mode: the $WORKERS worker-mode processes)"

if [[ " ${PARTS[*]} " == *" symfony "* ]]; then
    echo
    echo "a) Symfony $(sed -n 's/.*Rendered by Symfony \([0-9.]*\).*/\1/p' "$WORK/body.symfony.fpm.1" 2>/dev/null | head -1) app" \
        "(bench/symfony-app, prod, debug off, Twig), GET $SF_URL_PATH"
    echo "   $REF and keel classic: public/index.php; keel worker: --worker public/worker.php"
    print_table symfony
    echo
    rps_ratio_line symfony worker 5
    rps_ratio_line symfony classic 1
    other_ratios symfony worker
    other_ratios symfony classic
fi

if [[ " ${PARTS[*]} " == *" hello "* ]]; then
    echo
    echo "b) hello world, GET $HELLO_URL_PATH: $REF and keel classic on examples/hello," \
        "keel worker on bench/hello-worker/worker.php"
    print_table hello
    echo
    rps_ratio_line hello worker 4.5
    rps_ratio_line hello classic -
    other_ratios hello worker
    other_ratios hello classic
    if [[ -n "${R_PERW[hello/worker]:-}" && -n "${R_PERW[hello/classic]:-}" ]]; then
        printf '  memory per worker, keel worker vs keel classic: %s MB vs %s MB (target worker <= classic: %s)\n' \
            "${R_PERW[hello/worker]}" "${R_PERW[hello/classic]}" \
            "$(awk -v a="${R_PERW[hello/worker]}" -v b="${R_PERW[hello/classic]}" \
                'BEGIN { if (a == "?" || b == "?") print "n/a"; else print (a + 0 <= b + 0) ? "met" : "NOT met" }')"
    fi
fi

if ((${#NOTES[@]})); then
    echo
    echo "keel log lines other than plain info (and PHP messages):"
    for line in "${NOTES[@]}"; do
        echo "  $line"
    done
fi

if ((${#FAILED[@]})); then
    echo
    for reason in "${FAILED[@]}"; do
        echo "FAILED: $reason" >&2
    done
    exit 1
fi
exit 0
