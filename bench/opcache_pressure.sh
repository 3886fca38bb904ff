#!/usr/bin/env bash
# OPcache under pressure: a classic app whose 200 templates each define an
# anonymous class and are opcache_invalidate()d after every use (so every
# request recompiles them: wasted memory grows, new class names are
# interned), in a deliberately small OPcache:
#   -d opcache.memory_consumption=16 -d opcache.interned_strings_buffer=1
#   (opcache.max_wasted_percentage is left to keel: OPcache itself is told 50,
#   keel swaps generations at 5%; pass MAX_WASTED=5 to tell OPcache 5 too)
# 50 client threads send exactly 10,000 requests (bench/lib/pressure_client.py)
# and check every body against the expected one.
#
#   bench/opcache_pressure.sh [--requests 10000] [--clients 50] [--workers 4]
#                             [--templates 200] [--keel build/keel]
#
# Reports: correct responses (must be all), worker crashes (keel's
# /status worker_crashes and "killed by signal" lines in its log, must be
# 0), generation swaps keel made for OPcache's sake (/status
# opcache.generation_swaps and the log), and the highest in-place OPcache
# restart count any generation reported to the app (X-OPcache-Restarts).
#
# Exit status: 0 when every response was correct and no worker crashed;
# 1 otherwise; 2 for usage errors.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"
# shellcheck source=bench/lib/common.sh
source "$BENCH_DIR/lib/common.sh"

REQUESTS=10000
CLIENTS=50
WORKERS=4
TEMPLATES=200
KEEL="$REPO_ROOT/build/keel"
APP_SRC="$REPO_ROOT/tests/integration/apps/resilience_pressure"
OPCACHE=(-d opcache.memory_consumption=16 -d opcache.interned_strings_buffer=1)
if [ -n "${MAX_WASTED:-}" ]; then
    OPCACHE+=(-d "opcache.max_wasted_percentage=$MAX_WASTED")
fi

while (($#)); do
    case "$1" in
    -h | --help) sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --requests) REQUESTS="${2:?}"; shift 2 ;;
    --clients) CLIENTS="${2:?}"; shift 2 ;;
    --workers) WORKERS="${2:?}"; shift 2 ;;
    --templates) TEMPLATES="${2:?}"; shift 2 ;;
    --keel) KEEL="$(realpath "${2:?}")"; shift 2 ;;
    *) echo "bench/opcache_pressure.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
for v in REQUESTS CLIENTS WORKERS TEMPLATES; do
    [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || { echo "--${v,,}: expected a positive number" >&2; exit 2; }
done
[[ -x "$KEEL" ]] || bench_die "no keel binary at $KEEL (run make)"
[[ -f "$APP_SRC/index.php" ]] || bench_die "missing $APP_SRC/index.php"

WORK="$(mktemp -d /tmp/keel-pressure.XXXXXX)"
KEEL_PID=""
cleanup() {
    local status=$?
    trap '' INT TERM
    trap - EXIT
    bench_stop_tree "$KEEL_PID"
    rm -rf -- "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cp "$KEEL" "$WORK/keel"   # immune to a rebuild of build/keel during the run
cp -r "$APP_SRC" "$WORK/app"
mkdir "$WORK/cwd"
PORT="$(bench_free_port)"
ADMIN="$(bench_free_port)"
(cd "$WORK/cwd" && exec "$WORK/keel" serve --root "$WORK/app" --listen "127.0.0.1:$PORT" --admin "127.0.0.1:$ADMIN" \
    --workers "$WORKERS" "${OPCACHE[@]}" >"$WORK/keel.out" 2>"$WORK/keel.err") &
KEEL_PID=$!
URL="http://127.0.0.1:$PORT/?n=$TEMPLATES"
# The first request also writes the templates.
if ! bench_wait_http "$URL" "$KEEL_PID" 150; then
    tail -n 20 "$WORK/keel.err" >&2
    bench_die "keel did not start"
fi
EXPECTED="n=$TEMPLATES md5=$("$BENCH_PYTHON" -c "
import hashlib, sys
n = int(sys.argv[1])
print(hashlib.md5(''.join(f'<li>tpl{i}:{i}</li>' for i in range(n)).encode()).hexdigest())" "$TEMPLATES")"

bench_log "keel $KEEL_PID on :$PORT, $WORKERS workers, ${OPCACHE[*]}; $CLIENTS clients x $REQUESTS requests"
FAILED=()
CLIENT_STATUS=0
RESULT="$("$BENCH_PYTHON" "$BENCH_LIB/pressure_client.py" "$URL" "$REQUESTS" "$CLIENTS" "$EXPECTED")" || CLIENT_STATUS=$?
((CLIENT_STATUS == 0)) || FAILED+=("not every response was correct: $RESULT")

# Let the last statistics report reach the front (workers send them at
# most every 500 ms): poll until /status has OPcache figures.
for _ in $(seq 50); do
    [[ "$("$BENCH_PYTHON" "$BENCH_LIB/keel_admin.py" "$ADMIN" field opcache.generation_swaps)" != "-" ]] && break
    sleep 0.1
done
field() { "$BENCH_PYTHON" "$BENCH_LIB/keel_admin.py" "$ADMIN" field "$1"; }
crashes="$(field worker_crashes)"
swaps="$(field opcache.generation_swaps)"
generation="$(field generation)"
reloads_failed="$(field reloads.failed)"
crash_lines="$(grep -c 'killed by signal' "$WORK/keel.err" || true)"
swap_lines="$(grep -c 'rather than letting OPcache reset in place' "$WORK/keel.err" || true)"
reset_lines="$(grep -c 'called opcache_reset' "$WORK/keel.err" || true)"
reasons="$(grep -o 'generation [0-9]*: OPcache [^;]*' "$WORK/keel.err" | sed 's/generation [0-9]*: //' | sort | uniq -c | sed 's/^ */    /' || true)"
suggestion="$(grep -o 'Settings that would hold this application: .*' "$WORK/keel.err" | tail -1 || true)"

[[ "$crashes" == 0 ]] || FAILED+=("/status worker_crashes = $crashes")
((crash_lines == 0)) || FAILED+=("$crash_lines 'killed by signal' lines in keel's log")
bench_alive "$KEEL_PID" || FAILED+=("keel is not running any more")

cat <<EOF

opcache pressure: $REQUESTS requests, $CLIENTS client threads, $TEMPLATES templates with anonymous classes, opcache_invalidate() on each
  keel                     $WORKERS classic workers, ${OPCACHE[*]}
  client                   $RESULT
  worker crashes           $crashes (/status), $crash_lines (log)
  generation swaps         $swaps (/status opcache.generation_swaps), $swap_lines (log); serving generation $generation; failed reloads $reloads_failed
  swap reasons (log)
$reasons
  last suggestion          $suggestion
EOF
if ((${#FAILED[@]})); then
    printf '\nFAILED:\n' >&2
    printf '  %s\n' "${FAILED[@]}" >&2
    exit 1
fi
echo "  result                   PASS"
