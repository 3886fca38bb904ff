#!/usr/bin/env bash
# A burst onto a pool that grows: keel (--workers MIN --max-workers MAX)
# against nginx + php-fpm with pm = dynamic (start_servers = MIN,
# max_children = MAX), measured in the same run, in turns.
#
#   bench/burst.sh [--requests 64] [--ms 500] [--min 2] [--max 16]
#                  [--idle 10] [--settle 15] [--rounds 3] [--keel BIN]
#
# Each round, for each server: start it alone, check it answers, take the
# PSS of its whole process tree idle, send --requests requests for a
# script that takes --ms milliseconds (all released at the same moment,
# one connection each: bench/lib/burst_drive.py), take the PSS right after
# the last answer and count its PHP processes, wait --settle seconds and
# take both again, stop it.
#
#   absorb     time from the burst to its last answer; with MAX workers the
#              least it can be is ceil(requests / MAX) x ms
#   PSS        of the whole tree (lib/pss.py), idle before, right after, and
#              --settle seconds after the burst: what the pool gave back
#   workers    PHP processes (keel: "keel: worker"; php-fpm: its children)
#
# The two pools shrink their own way: keel lets a worker above --workers
# go once it is idle for --max-idle-time (--idle, 10 s by default, as
# keel's default); php-fpm's dynamic manager kills one idle child a second
# above pm.max_spare_servers (set to MIN, so both aim at MIN idle).
# php-fpm spawns 1, 2, 4, 8, ... children a second while fewer than
# pm.min_spare_servers (MIN) are idle; keel starts 1, 2, 4, ... workers
# every 200 ms while requests wait that no free or starting worker takes.
#
# Medians over the rounds; the absorb ratio is the median of the ratios
# within each round. Exit 1 if a request failed or a server did not start.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"
# shellcheck source=bench/lib/nginx_fpm.sh
source "$BENCH_DIR/lib/nginx_fpm.sh"

REQUESTS=64 MS=500 MIN=2 MAX=16 IDLE=10 SETTLE=15 ROUNDS=3 KEEL="$REPO_ROOT/build/keel" VERBOSE=0
APP="$BENCH_DIR/burst-app"

usage() { sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'; }

set_option() {
    case "$1" in
    --requests) REQUESTS="$2" ;;
    --ms) MS="$2" ;;
    --min) MIN="$2" ;;
    --max) MAX="$2" ;;
    --idle) IDLE="$2" ;;
    --settle) SETTLE="$2" ;;
    --rounds) ROUNDS="$2" ;;
    --keel) KEEL="$2" ;;
    *) return 1 ;;
    esac
}
bench_parse_options bench/burst.sh "$@"
for v in REQUESTS MS MIN MAX IDLE SETTLE ROUNDS; do
    [[ "${!v}" =~ ^[0-9]+$ ]] || bench_usage_error bench/burst.sh "--${v,,}: expected a whole number, got '${!v}'"
done
((MIN >= 1 && MAX >= MIN && ROUNDS >= 1 && REQUESTS >= 1)) ||
    bench_usage_error bench/burst.sh "need 1 <= --min <= --max, --rounds >= 1, --requests >= 1"
[[ -x "$KEEL" ]] || bench_die "keel binary not found at $KEEL (run make)"
for tool in nginx php-fpm8.2 "$BENCH_PYTHON"; do
    command -v "$tool" >/dev/null || bench_die "$tool not found (scripts/install-deps.sh installs it)"
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/keel-burst.XXXXXX")"
KEEL_PID=""
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
trap 'exit 130' INT
trap 'exit 143' TERM

# php-fpm's dynamic pool, MIN to MAX children, aiming at MIN idle.
REF_FPM_PM="pm = dynamic
pm.max_children = $MAX
pm.start_servers = $MIN
pm.min_spare_servers = $MIN
pm.max_spare_servers = $MIN"
export REF_FPM_PM

FAILED=()
declare -A ABSORB PSS0 PSS1 PSS2 W1 W2

# php_processes NAME ROOT_PID...: PHP worker processes in the trees.
php_processes() {
    local name="$1" comm
    shift
    comm="keel: worker"
    [[ "$name" == keel ]] || comm="php-fpm8.2"
    # (php-fpm's master is php-fpm8.2 too: --busiest counts children only)
    "$BENCH_PYTHON" "$BENCH_LIB/worker_pss.py" --comm "$comm" "$@" 2>/dev/null | awk '{ print $2 }'
}

# measure NAME ROUND URL ROOT_PID...
measure() {
    local name="$1" round="$2" url="$3" out
    shift 3
    bench_log "$name, round $round: $REQUESTS requests of ${MS} ms at once"
    PSS0[$name#$round]="$(bench_pss "$@" | awk '{ print $1 }')"
    if ! out="$("$BENCH_PYTHON" "$BENCH_LIB/burst_drive.py" "$url/slow.php?ms=$MS" "$REQUESTS")"; then
        FAILED+=("$name, round $round: $out")
    fi
    ABSORB[$name#$round]="$("$BENCH_PYTHON" -c 'import json,sys; print(json.loads(sys.argv[1])["absorb_s"])' "$out")"
    PSS1[$name#$round]="$(bench_pss "$@" | awk '{ print $1 }')"
    W1[$name#$round]="$(php_processes "$name" "$@")"
    ((VERBOSE)) && echo "  $name round $round: $out"
    sleep "$SETTLE"
    PSS2[$name#$round]="$(bench_pss "$@" | awk '{ print $1 }')"
    W2[$name#$round]="$(php_processes "$name" "$@")"
}

start_keel() {
    local port
    port="$(bench_free_port)"
    "$KEEL" serve --root "$APP" --listen "127.0.0.1:$port" --admin off --workers "$MIN" --max-workers "$MAX" \
        --max-idle-time "${IDLE}s" >"$WORK/keel.out" 2>"$WORK/keel.err" &
    KEEL_PID=$!
    if ! bench_wait_http "http://127.0.0.1:$port/" "$KEEL_PID" 150; then
        tail -n 20 "$WORK/keel.err" >&2
        bench_die "keel did not start"
    fi
    KEEL_URL="http://127.0.0.1:$port"
}

LOADAVG="$(cut -d' ' -f1 /proc/loadavg)"
for ((round = 1; round <= ROUNDS; round++)); do
    start_reference "$APP" "$MIN" || bench_die "nginx + php-fpm did not start"
    measure "nginx+php-fpm" "$round" "http://127.0.0.1:$REF_PORT" "${REF_PIDS[@]}"
    stop_reference
    start_keel
    measure keel "$round" "$KEEL_URL" "$KEEL_PID"
    bench_stop_tree "$KEEL_PID"
    KEEL_PID=""
done

# values NAME ARRAY: the per-round values of one server
values() {
    local -n arr="$2"
    local r out=()
    for ((r = 1; r <= ROUNDS; r++)); do
        out+=("${arr[$1#$r]}")
    done
    echo "${out[*]}"
}

ratios=()
for ((r = 1; r <= ROUNDS; r++)); do
    ratios+=("$(awk -v a="${ABSORB[keel#$r]}" -v b="${ABSORB[nginx+php-fpm#$r]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')")
done

echo
echo "burst: $REQUESTS requests of $MS ms at once onto a pool of $MIN to $MAX PHP workers"
echo "  keel --workers $MIN --max-workers $MAX --max-idle-time ${IDLE}s; php-fpm pm = dynamic, start_servers $MIN,"
echo "  min/max_spare_servers $MIN, max_children $MAX; nginx worker_processes 1; $ROUNDS round(s), medians;"
echo "  $(nproc) CPUs, load average ${LOADAVG} at the start (the machine may be shared)"
echo "  least possible absorb time with $MAX workers: $(awk -v n="$REQUESTS" -v m="$MAX" -v ms="$MS" \
    'BEGIN { printf "%.1f", int((n + m - 1) / m) * ms / 1000 }') s"
printf '%-15s %10s %11s %11s %11s %9s %9s\n' server "absorb s" "PSS idle" "PSS after" "PSS +${SETTLE}s" "workers" "+${SETTLE}s"
for name in "nginx+php-fpm" keel; do
    # shellcheck disable=SC2046 # the value lists split on purpose
    printf '%-15s %10s %9s MB %8s MB %8s MB %9s %9s\n' "$name" \
        "$(bench_median $(values "$name" ABSORB))" "$(bench_median $(values "$name" PSS0))" \
        "$(bench_median $(values "$name" PSS1))" "$(bench_median $(values "$name" PSS2))" \
        "$(bench_median $(values "$name" W1))" "$(bench_median $(values "$name" W2))"
done
# shellcheck disable=SC2046
echo "keel / nginx+php-fpm absorb time: $(bench_median "${ratios[@]}") (rounds: ${ratios[*]})"
if ((VERBOSE)); then
    for name in "nginx+php-fpm" keel; do
        echo "  $name absorb per round: $(values "$name" ABSORB)"
    done
fi
if ((${#FAILED[@]})); then
    printf 'FAILED: %s\n' "${FAILED[@]}"
    exit 1
fi
