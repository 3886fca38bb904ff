#!/usr/bin/env bash
# Laravel and Symfony in keel's worker mode, through keel's integrations,
# against nginx + php-fpm running them classic; and what the integrations'
# resets cost, against a hand-written loop that resets nothing.
#
#   bench/frameworks.sh [--duration SECONDS] [--workers N] [--connections C]
#                       [--keel BIN] [--part all|laravel|symfony] [--rounds N]
#                       [--verbose]
#
# Parts (each measured on every server, one server at a time):
#   laravel-blade  GET /rows: a Blade view (layout, 20 rows from SQLite,
#                  the web middleware group: cookies, a new session per
#                  request as wrk sends no cookie, CSRF token)
#   laravel-json   GET /api/rows: the same 20 rows as JSON (api group)
#     on the Laravel 8 application of tests/integration/apps/laravel, built
#     from Debian's packages, prepared as a production deploy would be
#     (bin/setup.php --cache: configuration, routes and views cached).
#   symfony        GET /hello/keel on bench/symfony-app (Twig, prod).
#
# Servers:
#   fpm      nginx + php-fpm, the application's public/index.php per request
#   keel     keel worker mode with keel's integration:
#              Laravel: --worker integrations/laravel/worker.php
#              Symfony: APP_RUNTIME=Keel\Symfony\Runtime, --worker public/runtime.php
#   bare     keel worker mode without the integration's resets, for their
#            cost only (unsafe: users' state crosses requests):
#              Laravel: bench/laravel/handwritten-worker.php
#              Symfony: bench/symfony-app/public/worker.php
#
# Target (reported, not asserted): keel >= 5x nginx+php-fpm in req/s on
# laravel-blade, with the resets on.
#
# How it measures, as bench/worker.sh: the same --workers on every server
# (php-fpm pm = static), OPcache on, nginx worker_processes 1; first every
# server's answers are checked against nginx+php-fpm's (bodies identical,
# Laravel's random CSRF token aside), then in each of --rounds rounds every
# server is started alone, warmed up with wrk for 2 s, measured with wrk
# -t2 -cC -dD --latency, checked again and stopped. req/s and latency are
# the medians over the rounds; each ratio is the median of the ratios
# within a round. CPU per request: user + system time of the server's
# process tree over the run, over the requests served. The load average is
# printed with each measurement: the machine may be shared.
#
# Exit status: 0 when every server answered as expected and served every
# measured request with a 2xx and no socket error; 1 otherwise; 2 for
# usage errors. Missing the target never fails the script.
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
WARMUP=2
THREADS=2
PHP_CLI="${PHP_CLI:-php}"

LARAVEL_SRC="$REPO_ROOT/tests/integration/apps/laravel"
LARAVEL_WORKER="$REPO_ROOT/integrations/laravel/worker.php"
LARAVEL_BARE="$BENCH_DIR/laravel/handwritten-worker.php"
SF_APP="$BENCH_DIR/symfony-app"

usage() {
    cat <<EOF
Usage: bench/frameworks.sh [options]

Measures Laravel and Symfony under keel's worker mode with keel's
integrations, under keel's worker mode without their resets, and under
nginx + php-fpm, one server at a time, with wrk; prints req/s, latency,
CPU per request and the ratios.

Options:
  --duration SECONDS   length of each measured run (default: $DURATION)
  --workers N          PHP workers on every server (default: $WORKERS)
  --connections C      wrk connections (default: $CONNECTIONS)
  --keel BIN           keel binary (default: $KEEL)
  --part PART          all, laravel or symfony (default: $PART)
  --rounds N           measure every server N times, in turns (default: $ROUNDS)
  --verbose            also print wrk's full output
  -h, --help           show this help
EOF
}

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

bench_parse_options bench/frameworks.sh "$@"
bench_check_run_options bench/frameworks.sh
[[ "$PART" =~ ^(all|laravel|symfony)$ ]] || bench_usage_error bench/frameworks.sh "--part: expected all, laravel or symfony"
((CONNECTIONS >= THREADS)) || THREADS="$CONNECTIONS"

KEEL="$(bench_resolve_path "$KEEL")"
[[ -x "$KEEL" && -f "$KEEL" ]] || bench_die "keel not found at $KEEL (run make)"
for tool in wrk nginx php-fpm8.2 timeout "$PHP_CLI" "$BENCH_PYTHON"; do
    command -v "$tool" >/dev/null || bench_die "$tool not found (scripts/install-deps.sh installs what the benchmark needs)"
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/keel-fwbench.XXXXXX")"
WRK_PID=""
KEEL_PID=""
LARAVEL_APP="$WORK/laravel"
export APP_VAR_DIR="$WORK/symfony-var"

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

# A private copy of the binary, as bench/worker.sh does (a rebuild during
# the run must not change what later servers run). keel finds its
# integrations in the source tree it was built from.
cp -- "$KEEL" "$WORK/keel"
KEEL_ID="$KEEL ($(date -u -r "$KEEL" '+%Y-%m-%d %H:%M:%S UTC'), sha256 $(sha256sum "$WORK/keel" | cut -c1-12))"
KEEL="$WORK/keel"

FAILED=()
NOTES=()
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# ------------------------------------------------------------- servers --

REF="nginx+php-fpm"
label() {
    case "${1#*/}" in
    fpm) echo "$REF" ;;
    keel) echo "keel worker+integration" ;;
    bare) echo "keel worker, no resets" ;;
    esac
}
framework() { case "$1" in laravel-*) echo laravel ;; *) echo symfony ;; esac; }
url_path() {
    case "$1" in
    laravel-blade) echo /rows ;;
    laravel-json) echo /api/rows ;;
    symfony) echo /hello/keel ;;
    esac
}
# Paths checked before measuring (the measured one first: the answer after
# the run is compared with its), several so a worker that kept one
# request's state into the next would answer wrongly.
check_paths() {
    case "$1" in
    laravel-blade) echo "/rows /api/rows /rows /api/rows /rows" ;;
    laravel-json) echo "/api/rows /rows /api/rows /rows /api/rows" ;;
    symfony) echo "/hello/keel /hello/alice / /hello/bob /hello/keel" ;;
    esac
}

KEEL_LOG=""
KEEL_STARTS=0

# start_server PART/KIND: on a free port; sets SRV_PORT and SRV_PIDS.
start_server() {
    local name="$1" part="${1%/*}" kind="${1#*/}" fw root check args=() env=()
    fw="$(framework "$part")"
    check="$(url_path "$part")"
    if [[ "$fw" == laravel ]]; then root="$LARAVEL_APP/public"; else root="$SF_APP/public"; fi
    if [[ "$kind" == fpm ]]; then
        # shellcheck disable=SC2034  # read by lib/nginx_fpm.sh
        if [[ "$fw" == symfony ]]; then REF_FPM_ENV="APP_VAR_DIR=$APP_VAR_DIR"; else REF_FPM_ENV=""; fi
        start_reference "$root" "$WORKERS" || return 1
        SRV_PORT="$REF_PORT"
        SRV_PIDS=("${REF_PIDS[@]}")
        return 0
    fi
    case "$fw/$kind" in
    laravel/keel) args=(--worker "$LARAVEL_WORKER") ;;
    laravel/bare) args=(--worker "$LARAVEL_BARE") ;;
    symfony/keel)
        args=(--worker "$root/runtime.php" -d variables_order=EGPCS)
        env=("APP_RUNTIME=Keel\\Symfony\\Runtime" APP_ENV=prod APP_DEBUG=0)
        ;;
    symfony/bare) args=(--worker "$root/worker.php") ;;
    esac
    SRV_PORT="$(bench_free_port)"
    KEEL_LOG="$WORK/keel.${part}.${kind}.$((++KEEL_STARTS))"
    env "${env[@]}" "$KEEL" serve --root "$root" --listen "127.0.0.1:$SRV_PORT" --workers "$WORKERS" "${args[@]}" \
        -d opcache.enable=1 --admin off >"$KEEL_LOG.out" 2>"$KEEL_LOG.err" &
    KEEL_PID=$!
    SRV_PIDS=("$KEEL_PID")
    local end=$((SECONDS + 30))
    while ((SECONDS < end)); do
        bench_wait_http "http://127.0.0.1:$SRV_PORT$check" "$KEEL_PID" 1 && return 0
        bench_alive "$KEEL_PID" || break
        sleep 0.1
    done
    bench_log "$(label "$name") did not answer 200 on $check:"
    tail -n 20 "$KEEL_LOG.err" >&2
    stop_server "$name"
    return 1
}

stop_server() {
    local name="$1" line n=0
    if [[ "${name#*/}" == fpm ]]; then
        stop_reference
    else
        bench_stop_tree "$KEEL_PID"
        KEEL_PID=""
        while IFS= read -r line; do
            ((++n <= 5)) && NOTES+=("$(label "$name") (${KEEL_LOG##*/}): $line")
        done < <(grep -E -v '^[^ ]+ info ' "$KEEL_LOG.err" || true)
    fi
    # Every measured request without a cookie starts a session: files
    # pile up by the hundred thousand over a run.
    find "$LARAVEL_APP/storage/framework/sessions" -type f -delete 2>/dev/null || true
    return 0
}

# ------------------------------------------------------------ checking --

# body PATH OUT: GET from the running server, Laravel's CSRF token (random
# per session) blanked. Returns non-zero unless 200.
body() {
    "$BENCH_PYTHON" "$BENCH_LIB/http_get.py" "http://127.0.0.1:$SRV_PORT$1" >"$2.raw" || return 1
    sed -E 's/(name="csrf-token" content=")[^"]*/\1<token>/' "$2.raw" >"$2"
}

declare -A STATE

# verify PART/KIND: starts it, compares its answers with the reference's.
verify() {
    local name="$1" part="${1%/*}" kind="${1#*/}" path i=0 ok=1
    bench_log "$(label "$name") ($name): checking answers"
    if ! start_server "$name"; then
        FAILED+=("$(label "$name") ($name) did not start")
        STATE[$name]=broken
        return 0
    fi
    for path in $(check_paths "$part"); do
        i=$((i + 1))
        if ! body "$path" "$WORK/body.$part.$kind.$i"; then
            FAILED+=("$(label "$name") ($name) did not answer 200 on $path")
            ok=0
        elif [[ "$kind" != fpm ]] && ! cmp -s "$WORK/body.$part.fpm.$i" "$WORK/body.$part.$kind.$i"; then
            FAILED+=("$(label "$name") ($name) answers $path differently from $REF")
            ok=0
        fi
    done
    if ((ok)); then STATE[$name]=ok; else STATE[$name]=broken; fi
    stop_server "$name"
}

# ------------------------------------------------------------ measuring --

# RR_*: one value per round, keyed "name#round", read by name by
# bench_take_medians and bench_round_ratios (lib/common.sh)
declare -A RR_RPS RR_P50 RR_P99 RR_CPU
declare -A R_RPS R_P50 R_P99 R_CPU R_LOAD

run_wrk() { # SECONDS OUTFILE URL
    timeout "$(($1 + 30))" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$1"s --latency "$3" >"$2" 2>&1 &
    WRK_PID=$!
}

finish_wrk() {
    local status=0
    wait "$WRK_PID" || status=$?
    WRK_PID=""
    if ((status != 0)); then
        cat "$1" >&2
        bench_die "wrk failed (exit status $status)"
    fi
}

measure() {
    local name="$1" part="${1%/*}" kind="${1#*/}" tag="${1//\//.}.r$ROUND" path url
    local rps p50 p99 req non2xx errs cpu_before cpu_after pid
    path="$(url_path "$part")"
    if ! start_server "$name"; then
        FAILED+=("$(label "$name") ($name) did not start for round $ROUND")
        return 0
    fi
    url="http://127.0.0.1:$SRV_PORT$path"
    run_wrk "$WARMUP" "$WORK/$tag.warmup" "$url"
    finish_wrk "$WORK/$tag.warmup"
    R_LOAD[$name]="$(cut -d' ' -f1 /proc/loadavg)"
    bench_log "$(label "$name") ($name): measuring ${DURATION}s on $path, load average $(loadavg)"
    cpu_before="$(bench_cpu "${SRV_PIDS[@]}")"
    run_wrk "$DURATION" "$WORK/$tag.wrk" "$url"
    finish_wrk "$WORK/$tag.wrk"
    cpu_after="$(bench_cpu "${SRV_PIDS[@]}")"
    read -r rps p50 p99 req non2xx errs < <("$BENCH_PYTHON" "$BENCH_LIB/wrk_parse.py" "$WORK/$tag.wrk") ||
        bench_die "$name: could not read wrk's output"
    # shellcheck disable=SC2034  # read by name in lib/common.sh
    {
        RR_RPS[$name#$ROUND]="$rps"
        RR_P50[$name#$ROUND]="$p50"
        RR_P99[$name#$ROUND]="$p99"
        ((req > 0)) && RR_CPU[$name#$ROUND]="$(((cpu_after - cpu_before) / req))"
    }
    R_RPS[$name]="$rps"
    # the same answer after thousands of requests through the same workers
    if [[ "$kind" != fpm ]]; then
        if ! body "$path" "$WORK/after.$tag" || ! cmp -s "$WORK/body.$part.fpm.1" "$WORK/after.$tag"; then
            FAILED+=("$(label "$name") ($name) answers $path differently after round $ROUND")
        fi
    fi
    ((VERBOSE)) && { echo "--- $name, round $ROUND ---"; cat "$WORK/$tag.wrk"; }
    for pid in "${SRV_PIDS[@]}"; do
        bench_alive "$pid" || FAILED+=("$(label "$name") ($name): process $pid died during the run")
    done
    ((non2xx > 0)) && FAILED+=("$(label "$name") ($name) answered $non2xx of $req requests with a non-2xx status")
    ((errs > 0)) && FAILED+=("$(label "$name") ($name): $errs socket errors")
    stop_server "$name"
}

# ----------------------------------------------------------------- main --

LOAD_BEFORE="$(loadavg)"
PARTS=()
[[ "$PART" == all || "$PART" == laravel ]] && PARTS+=(laravel-blade laravel-json)
[[ "$PART" == all || "$PART" == symfony ]] && PARTS+=(symfony)

if [[ "$PART" != symfony ]]; then
    bench_log "laravel: preparing a copy of the application (database; configuration, routes and views cached)"
    cp -a "$LARAVEL_SRC" "$LARAVEL_APP"
    "$PHP_CLI" "$LARAVEL_APP/bin/setup.php" --cache >"$WORK/laravel-setup.out" 2>&1 ||
        { cat "$WORK/laravel-setup.out" >&2; bench_die "the Laravel application does not set up"; }
fi
if [[ "$PART" != laravel ]]; then
    bench_log "symfony: building and warming the prod cache in $APP_VAR_DIR"
    mkdir -p "$APP_VAR_DIR"
    "$PHP_CLI" "$SF_APP/bin/warmup.php" /hello/keel >"$WORK/sf-warmup.out" 2>&1 ||
        { cat "$WORK/sf-warmup.out" >&2; bench_die "the Symfony app does not boot"; }
fi

for part in "${PARTS[@]}"; do
    verify "$part/fpm"
    [[ "${STATE[$part/fpm]}" == ok ]] || continue
    verify "$part/keel"
    verify "$part/bare"
done

for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
    bench_log "round $ROUND of $ROUNDS"
    for part in "${PARTS[@]}"; do
        for kind in fpm keel bare; do
            [[ "${STATE[$part/$kind]:-}" == ok ]] && measure "$part/$kind"
        done
    done
done

bench_take_medians "$ROUNDS"

# -------------------------------------------------------------- report --

# ratio_of PART KIND: the median over the rounds of KIND's req/s over fpm's
ratio_of() {
    local rounds
    rounds="$(bench_round_ratios RR_RPS "$1/$2" "$1/fpm" "$ROUNDS")"
    [[ -n "$rounds" ]] || { echo "n/a"; return 0; }
    # shellcheck disable=SC2086 # one word per round
    awk -v r="$(bench_median $rounds)" 'BEGIN { printf "%.2f", r }'
}

echo
echo "Laravel and Symfony: keel worker mode vs $REF"
echo "  keel: $KEEL_ID"
echo "  $WORKERS PHP workers each (php-fpm pm = static), OPcache on, nginx worker_processes 1;" \
    "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency after ${WARMUP}s, $ROUNDS rounds, medians"
echo "  $(nproc) CPUs shared with wrk (and with whatever else runs: load average before the run $LOAD_BEFORE)"
for part in "${PARTS[@]}"; do
    echo
    echo "$part: GET $(url_path "$part")"
    printf '  %-26s %10s %8s %8s %11s %8s %6s  %s\n' server req/s p50_ms p99_ms cpu_us/req vs_fpm load1 "vs_fpm by round"
    for kind in fpm keel bare; do
        name="$part/$kind"
        [[ -n "${R_RPS[$name]:-}" ]] || continue
        if [[ "$kind" == fpm ]]; then
            r="1.00" rounds=""
        else
            r="$(ratio_of "$part" "$kind")"
            rounds="$(bench_round_ratios RR_RPS "$name" "$part/fpm" "$ROUNDS" | xargs printf '%.2f ' 2>/dev/null || true)"
        fi
        printf '  %-26s %10s %8s %8s %11s %7sx %6s  %s\n' "$(label "$name")" "${R_RPS[$name]}" "${R_P50[$name]}" \
            "${R_P99[$name]}" "${R_CPU[$name]}" "$r" "${R_LOAD[$name]}" "$rounds"
    done
    if [[ -n "${R_RPS[$part/keel]:-}" && -n "${R_RPS[$part/bare]:-}" ]]; then
        printf '  the integration keeps %s%% of the no-reset loop'"'"'s req/s\n' \
            "$(awk -v a="${R_RPS[$part/keel]}" -v b="${R_RPS[$part/bare]}" 'BEGIN { printf "%.0f", 100 * a / b }')"
    fi
done
if [[ -n "${R_RPS[laravel-blade/keel]:-}" ]]; then
    r="$(ratio_of laravel-blade keel)"
    echo
    echo "target: keel worker+integration >= 5x $REF on laravel-blade: ${r}x," \
        "$(awk -v r="$r" 'BEGIN { print (r + 0 >= 5) ? "met" : "NOT met" }')"
fi

if ((${#NOTES[@]})); then
    echo
    echo "keel log lines other than plain info:"
    printf '  %s\n' "${NOTES[@]}"
fi
if ((${#FAILED[@]})); then
    echo
    printf 'FAILED: %s\n' "${FAILED[@]}" >&2
    exit 1
fi
exit 0
