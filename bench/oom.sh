#!/usr/bin/env bash
# The container that would be OOM-killed: keel in a memory cgroup (cgroup
# v1 here; run as root) with a limit its workers are bound to pass, under
# load, with its memory-pressure steps (the defaults: recycle at 85%, hold
# at 90%, shed at 95%) and, in the same run and in turns, without them
# (--pressure-recycle 0 --pressure-hold 0 --pressure-shed 0: what a server
# that only watches its budget at startup gets).
#
#   bench/oom.sh [--limit 256] [--duration 20] [--clients 8] [--kb 256]
#                [--ms 20] [--workers 4] [--rounds 2] [--keel BIN]
#
# - A child group of this shell's memory cgroup gets memory.limit_in_bytes
#   = --limit MiB; keel is exec'd from a shell moved into it, so keel, its
#   zygote and its workers are charged to it and killed past it (exit 137),
#   as in a container. The group is removed at the end.
# - keel serves bench/oom-app in worker mode: --workers N, PHP's
#   memory_limit 512M (so PHP itself never stops a worker), a small
#   OPcache, --allow-overcommit (the budget refuses the pool, rightly).
# - bench/lib/oom_drive.py: --clients keep-alive connections for
#   --duration seconds, each request keeping --kb KiB in its worker and
#   taking --ms ms.
# - Reported per run: answers by status, connection errors, OOM kills in
#   the group (memory.oom_control), the group's peak usage against the
#   limit (memory.max_usage_in_bytes), and from keel: pressure recycles,
#   requests shed, and how many log lines say what it did.
# Exit 1 if, with the steps on, anything was OOM-killed, a connection
# failed or a request got anything but 200 or 503; the run without them is
# the reference and is reported, never judged.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"
# shellcheck source=bench/lib/common.sh
source "$BENCH_DIR/lib/common.sh"

LIMIT=256 DURATION=20 CLIENTS=8 KB=256 MS=20 WORKERS=4 ROUNDS=2 KEEL="$REPO_ROOT/build/keel" VERBOSE=0
APP="$BENCH_DIR/oom-app"

usage() { sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; }
set_option() {
    case "$1" in
    --limit) LIMIT="$2" ;;
    --duration) DURATION="$2" ;;
    --clients) CLIENTS="$2" ;;
    --kb) KB="$2" ;;
    --ms) MS="$2" ;;
    --workers) WORKERS="$2" ;;
    --rounds) ROUNDS="$2" ;;
    --keel) KEEL="$2" ;;
    *) return 1 ;;
    esac
}
bench_parse_options bench/oom.sh "$@"
for v in LIMIT DURATION CLIENTS KB MS WORKERS ROUNDS; do
    [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || bench_usage_error bench/oom.sh "--${v,,}: expected a positive number, got '${!v}'"
done
[[ -x "$KEEL" ]] || bench_die "keel binary not found at $KEEL (run make)"

# This shell's v1 memory cgroup.
cg_path="$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' /proc/self/cgroup)"
BASE="/sys/fs/cgroup/memory${cg_path%/}"
[[ -n "$cg_path" && -w "$BASE" && -f "$BASE/memory.limit_in_bytes" ]] ||
    bench_die "needs root and a writable cgroup v1 memory controller (found '${cg_path:-none}')"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/keel-oom.XXXXXX")"
KEEL_PID="" GROUP=""
remove_group() {
    [[ -n "$GROUP" && -d "$GROUP" ]] || return 0
    local i
    for ((i = 0; i < 100; i++)); do
        [[ -z "$(cat "$GROUP/cgroup.procs" 2>/dev/null)" ]] && break
        sleep 0.1
    done
    rmdir "$GROUP" 2>/dev/null || bench_log "could not remove $GROUP"
    GROUP=""
}
cleanup() {
    local status=$?
    trap '' INT TERM
    trap - EXIT
    bench_stop_tree "$KEEL_PID"
    remove_group
    rm -rf -- "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

FAILED=()
declare -A R

# run NAME ROUND EXTRA_ARGS...
run() {
    local name="$1" round="$2" port admin out
    shift 2
    GROUP="$BASE/keel-bench-oom-$$-$name-$round"
    mkdir "$GROUP"
    echo $((LIMIT * 1024 * 1024)) >"$GROUP/memory.limit_in_bytes"
    port="$(bench_free_port)"
    admin="$(bench_free_port)"
    /bin/sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$GROUP" \
        "$KEEL" serve --root "$APP" --worker "$APP/worker.php" --workers "$WORKERS" --classic-workers 1 \
        --listen "127.0.0.1:$port" --admin "127.0.0.1:$admin" -d memory_limit=512M \
        -d opcache.memory_consumption=16 -d opcache.interned_strings_buffer=4 --allow-overcommit "$@" \
        2>"$WORK/$name-$round.log" &
    KEEL_PID=$!
    bench_wait_http "http://127.0.0.1:$port/?kb=0&ms=0" "$KEEL_PID" 150 ||
        { tail -n 20 "$WORK/$name-$round.log" >&2; bench_die "$name: keel did not start"; }
    bench_log "$name, round $round: ${DURATION}s of $CLIENTS clients, $KB KiB kept per request, $LIMIT MiB limit"
    out="$("$BENCH_PYTHON" "$BENCH_LIB/oom_drive.py" "http://127.0.0.1:$port/?kb=$KB&ms=$MS" "$DURATION" "$CLIENTS")"
    local kills peak status_json
    kills="$(awk '$1 == "oom_kill" { print $2 }' "$GROUP/memory.oom_control")"
    peak="$(cat "$GROUP/memory.max_usage_in_bytes")"
    status_json="$("$BENCH_PYTHON" "$BENCH_LIB/keel_admin.py" "$admin" status 2>/dev/null || echo '{}')"
    bench_stop_tree "$KEEL_PID"
    KEEL_PID=""
    remove_group
    R[$name#$round]="$("$BENCH_PYTHON" - "$out" "$kills" "$peak" "$((LIMIT * 1024 * 1024))" "$status_json" \
        "$WORK/$name-$round.log" <<'PY'
import json, re, sys
out, kills, peak, limit, st, log = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
try:
    st = json.loads(st)
except ValueError:
    st = {}
text = open(log, errors="replace").read()
lines = {
    "recycle": len(re.findall(r"; recycling worker \d+ \(pid \d+\), which grew", text)),
    "hold": len(re.findall(r"past --pressure-hold", text)),
    "shed": len(re.findall(r"past --pressure-shed", text)),
    "killed": len(re.findall(r"killed by signal 9", text)),
}
codes = out["codes"]
other = sum(v for k, v in codes.items() if k not in ("200", "503"))
print(f'{codes.get("200", 0)} {codes.get("503", 0)} {other} {out["errors"]} {kills} {peak * 100 / limit:.1f} '
      f'{st.get("recycles", {}).get("pressure", 0)} {st.get("memory", {}).get("shed_requests", 0)} '
      f'{lines["recycle"]} {lines["hold"]} {lines["shed"]} {lines["killed"]}')
PY
)"
    ((VERBOSE)) && echo "  $name round $round: $out"
    if [[ "$name" == guard ]]; then
        local ok503 other errs k
        read -r _ ok503 other errs k _ <<<"${R[$name#$round]}"
        ((k == 0)) || FAILED+=("guard, round $round: $k OOM kills")
        ((other == 0)) || FAILED+=("guard, round $round: $other answers neither 200 nor 503")
        ((errs == 0)) || FAILED+=("guard, round $round: $errs connection errors")
    fi
    return 0
}

LOADAVG="$(cut -d' ' -f1 /proc/loadavg)"
for ((round = 1; round <= ROUNDS; round++)); do
    run guard "$round"
    run no-guard "$round" --pressure-recycle 0 --pressure-hold 0 --pressure-shed 0
done

echo
echo "keel in a ${LIMIT} MiB memory cgroup (v1), $WORKERS worker-mode workers that each keep $KB KiB per request,"
echo "$CLIENTS clients for ${DURATION}s; $ROUNDS round(s) in turns; $(nproc) CPUs, load average $LOADAVG at the start (shared)"
printf '%-9s %5s %8s %6s %6s %6s %9s %9s %6s %s\n' run round "200" "503" other "conn" "OOM kills" "peak" "recyc" \
    "shed  log: recycle/hold/shed/killed"
for ((round = 1; round <= ROUNDS; round++)); do
    for name in guard no-guard; do
        read -r ok s503 other errs kills peak rec shed lr lh ls lk <<<"${R[$name#$round]}"
        printf '%-9s %5s %8s %6s %6s %6s %9s %8s%% %6s %5s  %s/%s/%s/%s\n' "$name" "$round" "$ok" "$s503" "$other" \
            "$errs" "$kills" "$peak" "$rec" "$shed" "$lr" "$lh" "$ls" "$lk"
    done
done
if ((${#FAILED[@]})); then
    printf 'FAILED: %s\n' "${FAILED[@]}"
    exit 1
fi
