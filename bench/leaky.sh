#!/usr/bin/env bash
# The leaky-worker scenario: a worker-mode app that leaks a known number of
# bytes per request (examples/leaky), served by keel with a soft memory
# ceiling per worker. Shows that the ceiling holds (workers are recycled
# before they pass it by much), that no request fails while that happens,
# and that keel's leak estimate finds the known figure.
#
#   bench/leaky.sh [--requests 50000] [--threads 8] [--workers 4]
#                  [--ceiling 64M] [--leak 16384] [--keel build/keel]
#
# - keel serves examples/leaky/public with --worker .../worker.php,
#   --workers N, --max-worker-memory CEILING; LEAK_BYTES=LEAK in its
#   environment sets the app's leak per request.
# - bench/lib/leaky_drive.py sends exactly --requests GETs on --threads
#   keep-alive connections, samples the workers' private memory
#   (smaps_rollup Private_Clean + Private_Dirty of every "keel: worker"
#   process) every 0.5 s, and prints: requests, non-200 count, the largest
#   total private memory seen against CEILING x N, recycles by reason
#   (/metrics), and keel's growth estimates against the known leak.
# - Exit 1 if any request did not get a 200, or keel did not start.
# - Everything lives in a mktemp -d directory, removed on exit; keel and its
#   processes are stopped on exit, failure or Ctrl-C.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"

requests=50000 threads=8 workers=4 ceiling=64M leak=16384 keel="$repo/build/keel"
while (($#)); do
    case "$1" in
    --requests) requests="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --workers) workers="$2"; shift 2 ;;
    --ceiling) ceiling="$2"; shift 2 ;;
    --leak) leak="$2"; shift 2 ;;
    --keel) keel="$2"; shift 2 ;;
    -h | --help) sed -n '2,25p' "$0"; exit 0 ;;
    *) bench_die "unknown option $1" ;;
    esac
done
[[ -x "$keel" ]] || bench_die "keel binary not found at $keel (run make)"
case "$ceiling" in
*[Kk]) ceiling_bytes=$((${ceiling%[Kk]} * 1024)) ;;
*[Mm]) ceiling_bytes=$((${ceiling%[Mm]} * 1024 * 1024)) ;;
*[Gg]) ceiling_bytes=$((${ceiling%[Gg]} * 1024 * 1024 * 1024)) ;;
*) ceiling_bytes=$ceiling ;;
esac

tmp="$(mktemp -d)"
keel_pid=""
cleanup() {
    bench_stop_tree "$keel_pid"
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port="$(bench_free_port)"
admin_port="$(bench_free_port)"
app="$repo/examples/leaky/public"
args=(serve --root "$app" --worker "$app/worker.php" --workers "$workers"
      --max-worker-memory "$ceiling" --listen "127.0.0.1:$port" --admin "127.0.0.1:$admin_port")
bench_log "LEAK_BYTES=$leak $keel ${args[*]}"
LEAK_BYTES="$leak" "$keel" "${args[@]}" 2>"$tmp/keel.log" &
keel_pid=$!
if ! bench_wait_http "http://127.0.0.1:$admin_port/status" "$keel_pid"; then
    cat "$tmp/keel.log" >&2
    bench_die "keel did not start"
fi
# The admin listener answers before the pool is ready: wait for keel's ready line.
for ((i = 0; i < 100; i++)); do
    grep -q "ready: http" "$tmp/keel.log" && break
    bench_alive "$keel_pid" || break
    sleep 0.1
done
grep -q "ready: http" "$tmp/keel.log" || { cat "$tmp/keel.log" >&2; bench_die "keel did not become ready"; }

echo "$("$keel" --version 2>/dev/null || echo 'keel ?'), $(nproc) CPUs; examples/leaky, LEAK_BYTES=$leak,"
echo "--workers $workers --max-worker-memory $ceiling; $requests requests on $threads connections"
grep -E "memory budget:" "$tmp/keel.log" | sed 's/^.*front: /keel: /'
rc=0
"$BENCH_PYTHON" "$here/lib/leaky_drive.py" --url "http://127.0.0.1:$port" --admin "http://127.0.0.1:$admin_port" \
    --pid "$keel_pid" --log "$tmp/keel.log" --requests "$requests" --threads "$threads" --workers "$workers" \
    --ceiling-bytes "$ceiling_bytes" --leak-bytes "$leak" || rc=$?
bench_alive "$keel_pid" || { echo "keel exited during the run"; rc=1; }
# Leak warnings are expected here; anything else keel warned about is shown.
other="$(grep -E " (error|warn) " "$tmp/keel.log" | grep -v " memory grows " || true)"
if [[ -n "$other" ]]; then
    echo "other keel warnings/errors ($(printf '%s\n' "$other" | wc -l), first 5):"
    printf '%s\n' "$other" | head -5 | sed 's/^/  /'
fi
exit "$rc"
