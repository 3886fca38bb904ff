#!/usr/bin/env bash
# keel against nginx + php-fpm on the smallest PHP response (examples/hello):
# throughput, tail latency and memory of each, measured one after the other
# on this machine, with the same number of PHP workers on both sides.
#
#   bench/hello.sh [--duration SECONDS] [--workers N] [--connections C]
#                  [--keel BIN] [--app DIR] [--mode classic] [--rounds N]
#                  [--verbose]
#
# What is compared, and why this way:
#   - Same app, same URL (/), same PHP (8.2, distro php.ini + conf.d,
#     OPcache on for both), same worker count: pm = static on php-fpm,
#     --workers on keel.
#   - nginx runs one worker process, the counterpart of keel's single-
#     threaded front. Both front ends get one core's worth of event loop.
#   - The responses are compared before anything is measured: figures for
#     two servers that answer differently mean nothing.
#   - The servers never run during each other's measurement: each is
#     started, warmed up, measured and stopped alone, so neither takes CPU
#     from the other nor shares its library pages (which would lower the
#     other's PSS).
#   - Memory is PSS summed over each server's whole process tree (see
#     lib/pss.py), once in the middle of the measured run and once idle
#     after it.
#   - Each server is measured --rounds times (default 3), in turns; req/s
#     and latency are the medians, the req/s ratio the median of the
#     ratios within each round, so one run's luck on a shared machine
#     does not decide the figures.
#   - CPU per request: user + system time of each server's whole process
#     tree over the measured run (lib/cpu.py), divided by the requests
#     served. Unlike req/s it does not depend on how the scheduler placed
#     the servers and wrk on the CPUs they share.
#   - wrk runs on the same machine, so it competes with the servers for
#     CPU; both servers pay that equally.
#
# Exit status: 0 when every server that ran answered identically, stayed
# up, and served every request with a 2xx/3xx and no socket error (keel
# missing counts as skipped, not failed); 1 otherwise; 2 for usage errors.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"
# shellcheck source=bench/lib/nginx_fpm.sh
source "$BENCH_DIR/lib/nginx_fpm.sh"

DURATION=10
WORKERS=4
CONNECTIONS=64
KEEL="build/keel"
APP="examples/hello"
MODE="classic"
ROUNDS=3
VERBOSE=0
WARMUP=2   # seconds of wrk before each measured run
THREADS=2  # wrk threads: one per core of the target machine

usage() {
    cat <<EOF
Usage: bench/hello.sh [options]

Measures keel and nginx + php-fpm (one after the other) with wrk on GET /
of an app, and prints req/s, p99 latency and PSS of each.

Options:
  --duration SECONDS   length of each measured run (default: $DURATION)
  --workers N          PHP workers on both sides (default: $WORKERS)
  --connections C      wrk connections (default: $CONNECTIONS)
  --keel BIN           keel binary (default: $KEEL); if it does not exist,
                       only the reference is measured
  --app DIR            document root with an index.php (default: $APP)
  --mode classic       keel's request model measured here: classic (every
                       HTTP request is a fresh PHP request, as with php-fpm);
                       worker mode is measured by bench/worker.sh
  --rounds N           measure each server N times, in turns (default: $ROUNDS);
                       req/s and latency are the medians, the ratio the median
                       of the ratios within each round
  --verbose            also print wrk's full output and per-process PSS
  -h, --help           show this help

Relative paths are taken from the current directory when they exist
there, else from the repository root, so the defaults work from anywhere.
EOF
}

usage_error() { bench_usage_error bench/hello.sh "$*"; }

# set_option NAME VALUE: one valued option (see bench_parse_options).
set_option() {
    case "$1" in
    --duration) DURATION="$2" ;;
    --rounds) ROUNDS="$2" ;;
    --workers) WORKERS="$2" ;;
    --connections) CONNECTIONS="$2" ;;
    --keel) KEEL="$2" ;;
    --app) APP="$2" ;;
    --mode) MODE="$2" ;;
    *) return 1 ;;
    esac
}

bench_parse_options bench/hello.sh "$@"
bench_check_run_options bench/hello.sh

[[ "$MODE" == classic ]] || usage_error "--mode: this script measures 'classic' (worker mode: bench/worker.sh), got '$MODE'"
# wrk refuses fewer connections than threads.
((CONNECTIONS >= THREADS)) || THREADS="$CONNECTIONS"

KEEL="$(bench_resolve_path "$KEEL")"
APP="$(bench_resolve_path "$APP")"
[[ -f "$APP/index.php" ]] || usage_error "--app: no index.php in $APP"
APP="$(cd "$APP" && pwd)"

for tool in wrk nginx php-fpm8.2 timeout "$BENCH_PYTHON"; do
    command -v "$tool" >/dev/null || bench_die "$tool not found (scripts/install-deps.sh installs what the benchmark needs)"
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/keel-bench.XXXXXX")"
WRK_PID=""
KEEL_PID=""

# Everything this script started goes away however it ends: normal exit,
# a failure under set -e, Ctrl-C or kill. wrk first, so it does not count
# errors from servers being stopped under it.
# shellcheck disable=SC2317  # only ever called through the trap
cleanup() {
    local status=$?
    # A second Ctrl-C must not cut the clean-up short; it is bounded anyway
    # (at most 5 s per process tree before SIGKILL).
    trap '' INT TERM
    trap - EXIT
    bench_stop_tree "$WRK_PID"
    bench_stop_tree "$KEEL_PID"
    stop_reference
    rm -rf -- "$WORK"
    exit "$status"
}
trap cleanup EXIT
# Ctrl-C cannot be relied on to reach the servers themselves: bash starts
# background commands with SIGINT ignored, php-fpm moves to its own session
# and timeout (around wrk) to its own process group. So the script turns
# the signal into an exit, and the EXIT trap stops everything by PID.
trap 'echo >&2; bench_log "interrupted"; exit 130' INT
trap 'exit 143' TERM

FAILED=()  # one line per reason the run did not go cleanly

# ---------------------------------------------------------------- keel --

keel_logs() {
    local f
    for f in keel.err keel.out; do
        if [[ -s "$WORK/$f" ]]; then
            printf -- '--- keel %s (last 20 lines) ---\n' "${f#keel.}" >&2
            tail -n 20 "$WORK/$f" >&2
        fi
    done
}

# Starts keel on a free port; sets KEEL_PORT. Returns 1, with keel's log
# shown, if it does not answer 200 on / within about 15 s.
start_keel() {
    KEEL_PORT="$(bench_free_port)"
    # -d opcache.enable=1 mirrors what php-fpm is given. Both load their
    # SAPI's distro php.ini and conf.d, where OPcache is enabled anyway.
    "$KEEL" serve --root "$APP" --listen "127.0.0.1:$KEEL_PORT" --admin off --workers "$WORKERS" \
        -d opcache.enable=1 >"$WORK/keel.out" 2>"$WORK/keel.err" &
    KEEL_PID=$!
    if bench_wait_http "http://127.0.0.1:$KEEL_PORT/" "$KEEL_PID" 150; then
        return 0
    fi
    if bench_alive "$KEEL_PID"; then
        bench_log "keel runs but did not answer 200 on http://127.0.0.1:$KEEL_PORT/:"
        "$BENCH_PYTHON" "$BENCH_LIB/http_get.py" "http://127.0.0.1:$KEEL_PORT/" --quiet || true
    else
        bench_log "keel exited during start-up"
    fi
    keel_logs
    stop_keel
    return 1
}

stop_keel() {
    bench_stop_tree "$KEEL_PID"
    KEEL_PID=""
}

# ------------------------------------------------------------ measuring --

# run_wrk SECONDS OUTFILE PORT: starts wrk in the background, sets WRK_PID.
# timeout bounds it even if wrk itself hung on a stuck server.
run_wrk() {
    timeout "$(($1 + 30))" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$1"s --latency \
        "http://127.0.0.1:$3/" >"$2" 2>&1 &
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

# measure NAME PORT ROOT_PID...: warm-up, measured run with a PSS sample in
# its middle, idle PSS after it. Results land in R_* associative arrays.
# RR_*: one value per round, keyed "name#round"
declare -A RR_RPS RR_P50 RR_P99 RR_CPU
declare -A R_CPU R_RPS R_P50 R_P99 R_NON2XX R_ERR R_PSS_LOAD R_PSS_IDLE R_PROCS
measure() {
    local name="$1" port="$2"
    shift 2
    local tag="${name//[^a-z0-9]/_}.r$ROUND"
    local mem procs rps p50 p99 req non2xx errs cpu_before cpu_after

    bench_log "$name: warming up (${WARMUP}s)"
    run_wrk "$WARMUP" "$WORK/$tag.warmup" "$port"
    finish_wrk "$WORK/$tag.warmup"

    bench_log "$name: measuring (${DURATION}s, ${CONNECTIONS} connections)"
    cpu_before="$(bench_cpu "$@")" || bench_die "$name: could not read the CPU time of its processes"
    run_wrk "$DURATION" "$WORK/$tag.wrk" "$port"
    # Half-way through the run every worker has been busy for a while, so
    # per-request allocations and touched copy-on-write pages show up.
    sleep "$(awk -v d="$DURATION" 'BEGIN { print d / 2 }')"
    bench_alive "$WRK_PID" || bench_log "$name: wrk ended before the under-load memory sample"
    read -r mem procs < <(bench_pss --detail "$@" 2>"$WORK/$tag.pss_load") ||
        bench_die "$name: could not read the PSS of its processes"
    R_PSS_LOAD[$name]="$mem"
    R_PROCS[$name]="$procs"
    finish_wrk "$WORK/$tag.wrk"
    cpu_after="$(bench_cpu "$@")" || bench_die "$name: could not read the CPU time of its processes"

    # Idle: after wrk's connections have closed and workers went back to
    # waiting, i.e. what the server costs while nothing happens.
    sleep 1
    read -r mem procs < <(bench_pss --detail "$@" 2>"$WORK/$tag.pss_idle") ||
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

    if ((VERBOSE)); then
        echo "--- $name: wrk ---"
        cat "$WORK/$tag.wrk"
        echo "--- $name: PSS per process under load (pid, kB, name) ---"
        cat "$WORK/$tag.pss_load"
        echo "--- $name: PSS per process idle ---"
        cat "$WORK/$tag.pss_idle"
    fi
    # Figures from a run with errors describe the errors, not the server.
    local pid
    for pid in "$@"; do
        bench_alive "$pid" || FAILED+=("$name: process $pid died during the run")
    done
    if ((non2xx > 0)); then
        FAILED+=("$name answered $non2xx of $req requests with a non-2xx/3xx status")
    fi
    # Both servers keep client connections open, so even read errors (a
    # connection closed under a request) point at a problem.
    if ((errs > 0)); then
        FAILED+=("$name: $errs socket errors (connect/read/write/timeout, see --verbose)")
    fi
}

# ----------------------------------------------------------------- main --

# show_body LABEL FILE: the first 300 bytes of a body, escaped so that
# differences in whitespace or invisible bytes show.
show_body() {
    printf '  %-14s %s\n' "$1:" "$("$BENCH_PYTHON" -c \
        'import sys; print(repr(open(sys.argv[1], "rb").read()[:300]))' "$2")"
}

REF="nginx+php-fpm"
KEEL_STATE="missing"  # missing | broken | ok

# What else runs here, taken before this script starts anything: other
# processes mapping the same binaries and PHP libraries lower the PSS
# measured (they take a share of those pages), and a busy machine lowers
# req/s and inflates p99. The report states both instead of hiding them.
OTHER_SHARERS="$(bench_pss --sharers "$KEEL" "$(command -v nginx)" "$(command -v php-fpm8.2)" \
    /usr/lib/libphp /usr/lib/php/ 2>/dev/null || echo "?")"
LOADAVG="$(cut -d' ' -f1 /proc/loadavg)"

bench_log "starting $REF ($WORKERS php-fpm children, 1 nginx worker)"
start_reference "$APP" "$WORKERS" || bench_die "the reference stack did not start"
"$BENCH_PYTHON" "$BENCH_LIB/http_get.py" "http://127.0.0.1:$REF_PORT/" >"$WORK/ref.body" ||
    bench_die "$REF did not answer 200 on /"

if [[ -x "$KEEL" && -f "$KEEL" ]]; then
    bench_log "starting keel ($KEEL, $WORKERS workers)"
    if start_keel; then
        ready_line="$(grep -m1 -i ready "$WORK/keel.err" || true)"
        [[ -n "$ready_line" ]] && bench_log "keel: $ready_line"
        if ! "$BENCH_PYTHON" "$BENCH_LIB/http_get.py" "http://127.0.0.1:$KEEL_PORT/" >"$WORK/keel.body"; then
            FAILED+=("keel did not answer 200 on /")
            KEEL_STATE="broken"
        elif ! cmp -s "$WORK/ref.body" "$WORK/keel.body"; then
            {
                echo "ERROR: keel and $REF answer / with different bodies:"
                show_body "$REF" "$WORK/ref.body"
                show_body keel "$WORK/keel.body"
            } >&2
            FAILED+=("keel's body for / differs from $REF's")
            KEEL_STATE="broken"
        else
            bench_log "both answer / with the same $(wc -c <"$WORK/ref.body")-byte body"
            KEEL_STATE="ok"
        fi
        # Measured alone later, after the reference has been stopped.
        stop_keel
    else
        FAILED+=("keel ($KEEL) did not start and answer 200 on /")
        KEEL_STATE="broken"
    fi
else
    bench_log "keel not found at $KEEL: measuring only $REF"
fi

if [[ "$KEEL_STATE" == broken ]]; then
    bench_log "keel does not work: measuring only $REF, then failing"
fi

for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
    ((ROUNDS > 1)) && bench_log "round $ROUND of $ROUNDS"
    if ((ROUND > 1)); then
        start_reference "$APP" "$WORKERS" || bench_die "the reference stack did not start again"
    fi
    measure "$REF" "$REF_PORT" "${REF_PIDS[@]}"
    stop_reference

    if [[ "$KEEL_STATE" == ok ]]; then
        if start_keel; then
            measure keel "$KEEL_PORT" "$KEEL_PID"
            stop_keel
        else
            FAILED+=("keel did not start again")
            KEEL_STATE="broken"
        fi
    fi
done

bench_take_medians "$ROUNDS"

# -------------------------------------------------------------- report --

echo
echo "keel vs $REF: GET / on ${APP#"$REPO_ROOT"/}"
echo "  $WORKERS PHP workers each (php-fpm pm = static), OPcache on, mode $MODE"
echo "  nginx: worker_processes 1 (one nginx worker against keel's single-threaded front)${REF_NGINX_PRIORITY:+," \
    "worker_priority $REF_NGINX_PRIORITY}"
echo "  keel's front: 5 nice steps above its workers while busy (--front-priority, default), when the kernel allows it"
echo "  nginx -> php-fpm: unix socket, a new connection per request (no upstream keepalive)"
echo "  wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency after a ${WARMUP}s warm-up;" \
    "servers run one at a time, $ROUNDS round(s) in turns; $(nproc) CPUs shared with wrk"
echo "  req/s and latencies: medians over the rounds; the req/s ratio: the median of each round's"
echo "  before the run: load average $LOADAVG; $OTHER_SHARERS other processes mapped" \
    "nginx/php-fpm/keel/PHP files (they lower the PSS figures; 0 on a quiet machine)"
echo
printf '%-15s %12s %9s %9s %11s %14s %14s %7s %9s %10s\n' \
    server req/s p50_ms p99_ms cpu_us/req PSS_load_MB PSS_idle_MB procs non-2xx sock_err
for name in "$REF" keel; do
    [[ -n "${R_RPS[$name]:-}" ]] || continue
    printf '%-15s %12s %9s %9s %11s %14s %14s %7s %9s %10s\n' "$name" \
        "${R_RPS[$name]}" "${R_P50[$name]}" "${R_P99[$name]}" "${R_CPU[$name]}" \
        "${R_PSS_LOAD[$name]}" "${R_PSS_IDLE[$name]}" "${R_PROCS[$name]}" \
        "${R_NON2XX[$name]}" "${R_ERR[$name]}"
done
case "$KEEL_STATE" in
missing) printf '%-15s skipped: %s does not exist\n' keel "$KEEL" ;;
broken) printf '%-15s not measured: it does not work (see above)\n' keel ;;
esac
echo

if [[ -n "${R_RPS[keel]:-}" ]]; then
    ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }
    rounds="$(bench_round_ratios RR_RPS keel "$REF" "$ROUNDS")"
    # shellcheck disable=SC2086 # one word per round
    echo "keel/$REF req/s: $(awk -v r="$(bench_median $rounds)" 'BEGIN { printf "%.2fx", r }') (by round: $rounds)"
    echo "keel/$REF p99 latency: $(ratio "${R_P99[keel]}" "${R_P99[$REF]}")"
    echo "keel/$REF CPU per request (all of each server's processes): $(ratio "${R_CPU[keel]}" "${R_CPU[$REF]}")"
    echo "keel/$REF PSS under load: $(ratio "${R_PSS_LOAD[keel]}" "${R_PSS_LOAD[$REF]}")"
    echo "keel/$REF PSS idle: $(ratio "${R_PSS_IDLE[keel]}" "${R_PSS_IDLE[$REF]}")"
fi

if ((${#FAILED[@]})); then
    echo
    for reason in "${FAILED[@]}"; do
        echo "FAILED: $reason" >&2
    done
    exit 1
fi
exit 0
