#!/bin/sh
# Runs every keel fuzz target for a bounded time.
#   tests/fuzz/run.sh BUILD_DIR SECONDS
# Each target starts from a scratch copy of its seeds in tests/fuzz/corpus/,
# so the tree is never written to. Crash inputs are kept under
# BUILD_DIR/fuzz-artifacts/<target>/. Exits non-zero if any target fails.
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 BUILD_DIR SECONDS" >&2
    exit 2
fi
build=$1
seconds=$2
case $seconds in
'' | *[!0-9]*)
    echo "$0: SECONDS must be a whole number, got '$seconds'" >&2
    exit 2
    ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
targets="fuzz_ipc_frame fuzz_ipc_message fuzz_config fuzz_route_path fuzz_etag_match fuzz_http1_guard fuzz_basic_auth fuzz_config_file fuzz_meminfo fuzz_request fuzz_chunked_decoder fuzz_status_json fuzz_dashboard_query fuzz_utf8 fuzz_forwarded fuzz_access_format fuzz_compress_policy
fuzz_acme_messages fuzz_acme_chain fuzz_acme_requests fuzz_listen_addr"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/keel-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT INT TERM

# UBSan only reports by default; make every finding fatal. Leak checking
# stays on: the targets free what they allocate.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

failed=""
for t in $targets; do
    bin="$build/tests/fuzz/$t"
    if [ ! -x "$bin" ]; then
        echo "FAIL $t: $bin not built (configure with CC=clang -Dfuzz=true)" >&2
        failed="$failed $t"
        continue
    fi
    corpus="$scratch/$t/corpus"
    artifacts="$build/fuzz-artifacts/$t"
    mkdir -p "$corpus" "$artifacts"
    if [ -d "$here/corpus/$t" ]; then
        cp "$here/corpus/$t"/* "$corpus"/ 2>/dev/null || true
    fi
    log="$scratch/$t/log"
    echo "fuzzing $t for ${seconds}s"
    if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1; then
        # One line of libFuzzer's summary: how much was tried.
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
        echo "ok   $t: ${runs:-?} runs"
    else
        echo "FAIL $t (inputs kept in $artifacts):" >&2
        tail -n 60 "$log" >&2
        failed="$failed $t"
    fi
done

if [ -n "$failed" ]; then
    echo "fuzzing failed:$failed" >&2
    exit 1
fi
echo "all fuzz targets passed"
