#!/usr/bin/env bash
# Deploys under load: keel (classic mode, OPcache with
# validate_timestamps=0, so only a reload makes new code visible) serves a
# small app while wrk keeps 64 connections busy for the whole run; the
# script changes the served code and runs `keel reload` RELOADS times.
#
#   bench/deploy_loop.sh [--reloads 20] [--workers 4] [--connections 64]
#                        [--keel build/keel] [--verbose]
#
# After each reload it checks that `keel reload` printed the new
# generation, that GET / answers the new version, and waits (bounded) until
# the old generation's zygote and workers are gone; then it samples the PSS
# of keel's whole process tree. At the end it reports wrk's non-2xx and
# socket-error counts (both must be 0), the reloads that went through, the
# PSS before the loop and after each swap, and looks for core files under
# the app root, keel's working directory and /tmp/keel-* directories.
#
# Exit status: 0 when every reload went through, the new code was served
# each time, wrk saw no non-2xx and no socket error, no old generation
# lingered and no core file exists; 1 otherwise; 2 for usage errors.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"
# shellcheck source=bench/lib/common.sh
source "$BENCH_DIR/lib/common.sh"

RELOADS=20
WORKERS=4
CONNECTIONS=64
KEEL="$REPO_ROOT/build/keel"
VERBOSE=0
THREADS=2
GONE_TIMEOUT=30   # seconds an old generation may take to leave
WRK_MAX=900       # upper bound on the whole loop, in seconds

usage() {
    sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

while (($#)); do
    case "$1" in
    -h | --help) usage; exit 0 ;;
    --verbose) VERBOSE=1; shift ;;
    --reloads) RELOADS="${2:?}"; shift 2 ;;
    --workers) WORKERS="${2:?}"; shift 2 ;;
    --connections) CONNECTIONS="${2:?}"; shift 2 ;;
    --keel) KEEL="$(realpath "${2:?}")"; shift 2 ;;
    *) echo "bench/deploy_loop.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[[ "$RELOADS" =~ ^[1-9][0-9]*$ ]] || { echo "--reloads: expected a positive number" >&2; exit 2; }
[[ -x "$KEEL" ]] || bench_die "no keel binary at $KEEL (run make)"
for tool in wrk timeout "$BENCH_PYTHON"; do
    command -v "$tool" >/dev/null || bench_die "$tool not found"
done

WORK="$(mktemp -d /tmp/keel-deploy.XXXXXX)"
APP="$WORK/app"
RUNDIR="$WORK/cwd"   # keel's working directory
mkdir -p "$APP" "$RUNDIR"
# A private copy of the binary: a rebuild of build/keel during the run must
# not change (or briefly remove) what is being measured.
cp "$KEEL" "$WORK/keel"
KEEL="$WORK/keel"
KEEL_PID=""
WRK_PID=""

cleanup() {
    local status=$?
    trap '' INT TERM
    trap - EXIT
    bench_stop_tree "$WRK_PID"
    bench_stop_tree "$KEEL_PID"
    rm -rf -- "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

FAILED=()

aged() { touch -d '1 hour ago' "$@"; }
set_version() {
    printf "<?php return 'v%s';\n" "$1" >"$APP/version.php"
    aged "$APP/version.php"
}

cat >"$APP/index.php" <<'EOF'
<?php
$v = require __DIR__ . '/version.php';
echo "version=$v\n";
EOF
aged "$APP/index.php"
set_version 1

PORT="$(bench_free_port)"
ADMIN="$(bench_free_port)"
(cd "$RUNDIR" && exec "$KEEL" serve --root "$APP" --listen "127.0.0.1:$PORT" --admin "127.0.0.1:$ADMIN" \
    --workers "$WORKERS" -d opcache.validate_timestamps=0 >"$WORK/keel.out" 2>"$WORK/keel.err") &
KEEL_PID=$!
if ! bench_wait_http "http://127.0.0.1:$PORT/" "$KEEL_PID" 150; then
    tail -n 20 "$WORK/keel.err" >&2
    bench_die "keel did not start"
fi

served() { "$BENCH_PYTHON" "$BENCH_LIB/http_get.py" "http://127.0.0.1:$PORT/" 2>/dev/null || true; }
pss() { bench_pss "$KEEL_PID" | awk '{print $1}'; }

bench_log "keel $KEEL_PID on :$PORT (admin :$ADMIN), $WORKERS classic workers; wrk -t$THREADS -c$CONNECTIONS for the whole loop"
timeout "$WRK_MAX" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$((WRK_MAX - 30))"s --latency \
    "http://127.0.0.1:$PORT/" >"$WORK/wrk.out" 2>&1 &
WRK_PID=$!
# Two seconds of load before the first sample: every worker has served.
for _ in $(seq 20); do sleep 0.1; done
PSS_BEFORE="$(pss)"
bench_log "PSS before the loop (under load): $PSS_BEFORE MB"

OK=0
declare -a PSS_AFTER SWAP_MS
START_NS=$(date +%s%N)
for ((i = 1; i <= RELOADS; i++)); do
    gen=$((i + 1))
    set_version "$gen"
    t0=$(date +%s%N)
    if ! out="$("$KEEL" reload --admin "127.0.0.1:$ADMIN" 2>"$WORK/reload.err")"; then
        FAILED+=("reload $i: keel reload failed: $(cat "$WORK/reload.err")")
        continue
    fi
    t1=$(date +%s%N)
    [[ "$out" == "$gen" ]] || FAILED+=("reload $i: keel reload printed '$out', expected $gen")
    body="$(served)"
    if [[ "$body" != "version=v$gen" ]]; then
        FAILED+=("reload $i: GET / answered '$body' after the reload, expected version=v$gen")
        continue
    fi
    if ! "$BENCH_PYTHON" "$BENCH_LIB/keel_admin.py" "$ADMIN" wait-alone "$gen" "$GONE_TIMEOUT"; then
        FAILED+=("reload $i: generation $((gen - 1)) still there after ${GONE_TIMEOUT}s")
        continue
    fi
    OK=$((OK + 1))
    SWAP_MS[i]=$(((t1 - t0) / 1000000))
    PSS_AFTER[i]="$(pss)"
    ((VERBOSE)) && bench_log "reload $i: generation $gen serving after ${SWAP_MS[i]} ms, PSS ${PSS_AFTER[i]} MB"
done
END_NS=$(date +%s%N)

kill -INT "$WRK_PID" 2>/dev/null || true
wait "$WRK_PID" || FAILED+=("wrk exited with status $?")
WRK_PID=""
read -r rps _p50 p99 requests non2xx sockerr < <("$BENCH_PYTHON" "$BENCH_LIB/wrk_parse.py" "$WORK/wrk.out") ||
    { cat "$WORK/wrk.out" >&2; bench_die "no figures from wrk"; }
((non2xx == 0)) || FAILED+=("wrk: $non2xx non-2xx/3xx responses")
((sockerr == 0)) || FAILED+=("wrk: $sockerr socket errors")
((VERBOSE)) && cat "$WORK/wrk.out" >&2

# Nothing may have dumped core: the app root, keel's working directory,
# and every /tmp/keel-* directory (this run's and any other).
mapfile -t CORES < <(find "$APP" "$RUNDIR" /tmp/keel-* -xdev \( -name core -o -name 'core.[0-9]*' \) -type f 2>/dev/null || true)
((${#CORES[@]} == 0)) || FAILED+=("core files: ${CORES[*]}")

bench_alive "$KEEL_PID" || FAILED+=("keel is not running any more")
final_gen="$("$BENCH_PYTHON" "$BENCH_LIB/keel_admin.py" "$ADMIN" field generation)"
reloads_ok="$("$BENCH_PYTHON" "$BENCH_LIB/keel_admin.py" "$ADMIN" field reloads.ok)"
reloads_failed="$("$BENCH_PYTHON" "$BENCH_LIB/keel_admin.py" "$ADMIN" field reloads.failed)"
crashes="$("$BENCH_PYTHON" "$BENCH_LIB/keel_admin.py" "$ADMIN" field worker_crashes)"

# PSS: the largest sample after a swap, against the level before the loop.
max_after=0
list=""
for ((i = 1; i <= RELOADS; i++)); do
    [[ -n "${PSS_AFTER[i]:-}" ]] || continue
    list+="${PSS_AFTER[i]} "
    max_after="$(awk -v a="$max_after" -v b="${PSS_AFTER[i]}" 'BEGIN { print (b > a) ? b : a }')"
done
ratio="$(awk -v a="$max_after" -v b="$PSS_BEFORE" 'BEGIN { printf "%.2f", a / b }')"
median="$(printf '%s\n' $list | sort -n | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
last="$(printf '%s\n' $list | tail -n 1)"
mratio="$(awk -v a="$median" -v b="$PSS_BEFORE" 'BEGIN { printf "%.2f", a / b }')"
lratio="$(awk -v a="$last" -v b="$PSS_BEFORE" 'BEGIN { printf "%.2f", a / b }')"
# "Back to its level": old generations leave nothing behind, so the
# samples do not climb with the number of swaps. Single samples under load
# are noisy (a worker mid-request, the front's buffers), hence the median
# and the last sample are judged, each against 1.25x the level before.
awk -v m="$mratio" -v l="$lratio" 'BEGIN { exit !(m <= 1.25 && l <= 1.25) }' ||
    FAILED+=("PSS after the swaps: median ${mratio}x, last ${lratio}x the level before the loop")
swaps=""
for ((i = 1; i <= RELOADS; i++)); do swaps+="${SWAP_MS[i]:-x} "; done

cat <<EOF

deploy loop: $RELOADS reloads under wrk -t$THREADS -c$CONNECTIONS (keel classic, $WORKERS workers, opcache.validate_timestamps=0)
  duration                 $(((END_NS - START_NS) / 1000000)) ms for the loop
  wrk                      $requests requests, $rps req/s, p99 $p99 ms, non-2xx $non2xx, socket errors $sockerr
  reloads ok               $OK / $RELOADS (keel /status: ok $reloads_ok, failed $reloads_failed; serving generation $final_gen)
  new code served          after every successful reload (checked with GET / each time)
  keel reload time (ms)    $swaps
  worker crashes           $crashes
  PSS before loop          $PSS_BEFORE MB
  PSS after each swap (MB) $list
  after / before           median ${mratio}x, last ${lratio}x, max ${ratio}x
  core files               ${#CORES[@]} (searched $APP, $RUNDIR, /tmp/keel-*)
EOF

if ((${#FAILED[@]})); then
    printf '\nFAILED:\n' >&2
    printf '  %s\n' "${FAILED[@]}" >&2
    exit 1
fi
echo "  result                   PASS"
