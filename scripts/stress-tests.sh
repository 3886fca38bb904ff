#!/bin/sh
# Runs keel's integration suite several times in a row, optionally with CPU
# hogs beside it, to find tests that fail only now and then. Every run has a
# seed: it shuffles the order of the test files and is the run's
# PYTHONHASHSEED (and KEEL_TEST_SEED, for a test that wants randomness), so
# a failing run can be replayed with --seed. At the end every failure is
# listed as "run K (seed S): <test node id>", then a summary line.
set -eu

usage() {
    cat <<'EOF'
usage: scripts/stress-tests.sh [options] [--] [TEST_PATH...]

Runs the integration suite (tests/integration, or the TEST_PATHs given)
N times, one run at a time, and lists every failure with its run and seed.

  --runs N      how many runs (default 3)
  --hogs N      CPU hogs (busy loops) running beside the suite, at most
                2 per CPU; they are killed when the script ends, also on
                Ctrl-C, and each also stops by itself if the script is gone
  --asan        test the sanitizer build (build-asan/keel, KEEL_SANITIZED=1);
                make sanitize sets it up
  -k EXPR       only the tests matching EXPR (pytest's -k)
  --seed S      seed of the first run (run K gets S+K-1); default: random
  --timeout D   longest a run may take, as timeout(1) takes it (default 30m)
  --logs DIR    keep each run's output in DIR (default: a new /tmp directory)
  --no-build    do not run ninja on the build directory first
  -h, --help    this text

Exit status: 0 when every run passed, 1 when a test failed, 2 on bad usage.
Replay one run with: scripts/stress-tests.sh --runs 1 --seed S [same options]
EOF
}

die() {
    echo "stress-tests: $*" >&2
    exit 2
}

is_count() {
    case $1 in '' | *[!0-9]*) return 1 ;; esac
}

cd "$(dirname "$0")/.."
repo=$(pwd)

runs=3 hogs=0 asan=0 filter='' seed='' run_timeout=30m logs='' build=1
while [ $# -gt 0 ]; do
    case $1 in
    --runs) [ $# -ge 2 ] || die "--runs needs a value"; runs=$2; shift 2 ;;
    --hogs) [ $# -ge 2 ] || die "--hogs needs a value"; hogs=$2; shift 2 ;;
    --asan) asan=1; shift ;;
    -k) [ $# -ge 2 ] || die "-k needs a value"; filter=$2; shift 2 ;;
    --seed) [ $# -ge 2 ] || die "--seed needs a value"; seed=$2; shift 2 ;;
    --timeout) [ $# -ge 2 ] || die "--timeout needs a value"; run_timeout=$2; shift 2 ;;
    --logs) [ $# -ge 2 ] || die "--logs needs a value"; logs=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    -h | --help) usage; exit 0 ;;
    --) shift; break ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) break ;;
    esac
done
if ! is_count "$runs" || [ "$runs" -lt 1 ]; then
    die "--runs takes a count of 1 or more"
fi
is_count "$hogs" || die "--hogs takes a count"
cpus=$(nproc)
[ "$hogs" -le $((2 * cpus)) ] || die "--hogs $hogs: at most $((2 * cpus)) (2 per CPU)"
if [ -z "$seed" ]; then
    seed=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
fi
is_count "$seed" || die "--seed takes a non-negative integer"

python=/usr/bin/python3
if [ "$asan" = 1 ]; then
    builddir=build-asan setup="make sanitize"
    export KEEL_SANITIZED=1
    export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}"
    export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
else
    builddir=build setup=make
fi
[ -f "$builddir/build.ninja" ] || die "$builddir is not set up ($setup does it)"
if [ "$build" = 1 ]; then
    ninja -C "$builddir" >/dev/null || die "ninja -C $builddir failed"
fi
export KEEL_BIN="$repo/$builddir/keel"
[ -x "$KEEL_BIN" ] || die "no $KEEL_BIN"

# The test files of each run, in the order the run's seed gives.
if [ $# -eq 0 ]; then
    set -- tests/integration
fi
files=$(
    for p in "$@"; do
        if [ -d "$p" ]; then
            find "$p" -maxdepth 1 -name 'test_*.py' | sort
        else
            echo "$p"
        fi
    done
)
[ -n "$files" ] || die "no test files in $*"

if [ -z "$logs" ]; then
    logs=$(mktemp -d /tmp/keel-stress.XXXXXX)
else
    mkdir -p "$logs"
fi

# One stress run on the machine at a time.
exec 9>/tmp/keel-stress.lock
flock -n 9 || die "another stress run holds /tmp/keel-stress.lock"

hog_pids=
stop_hogs() {
    for p in $hog_pids; do
        kill "$p" 2>/dev/null || true
    done
    for p in $hog_pids; do
        wait "$p" 2>/dev/null || true
    done
    hog_pids=
}
trap 'stop_hogs' EXIT
trap 'stop_hogs; trap - EXIT; echo "stress-tests: interrupted; logs in $logs" >&2; exit 130' INT TERM HUP

me=$$
i=0
while [ "$i" -lt "$hogs" ]; do
    # A busy loop on shell builtins, which also ends once this script is
    # gone or a zombie (even after a SIGKILL that left no chance to clean up).
    sh -c 'while read -r _ _ state _ <"/proc/$1/stat" && [ "$state" != Z ]; do :; done 2>/dev/null' hog "$me" &
    hog_pids="$hog_pids $!"
    i=$((i + 1))
done

echo "stress-tests: $runs run(s) of $(echo "$files" | wc -l) test file(s), $hogs hog(s) on $cpus CPU(s)," \
    "$builddir, first seed $seed${filter:+, -k $filter}; logs in $logs"

failures=$logs/failures
: >"$failures"
failed_runs=0
k=1
while [ "$k" -le "$runs" ]; do
    s=$((seed + k - 1))
    order=$(echo "$files" | "$python" -c '
import random, sys
files = sys.stdin.read().split()
random.Random(int(sys.argv[1])).shuffle(files)
print(" ".join(files))' "$s")
    log=$logs/run-$k.log
    echo "run $k (seed $s): $order" >"$log"
    start=$(date +%s)
    rc=0
    # At the deadline pytest gets SIGINT, so it still stops the keel
    # servers it started. $order: file names without spaces, split on purpose.
    # shellcheck disable=SC2086
    PYTHONHASHSEED=$s KEEL_TEST_SEED=$s timeout --foreground -s INT -k 30 "$run_timeout" \
        "$python" -m pytest -q -p no:cacheprovider -rfE ${filter:+-k "$filter"} $order >>"$log" 2>&1 || rc=$?
    took=$(($(date +%s) - start))
    nodes=$(sed -n 's/^\(FAILED\|ERROR\) \([^ ]*\).*/\2/p' "$log")
    summary=$(tail -n 1 "$log")
    if [ "$rc" -ne 0 ]; then
        failed_runs=$((failed_runs + 1))
        if [ -n "$nodes" ]; then
            echo "$nodes" | sed "s/^/run $k (seed $s): /" >>"$failures"
        elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
            echo "run $k (seed $s): (the run passed --timeout $run_timeout)" >>"$failures"
        else
            echo "run $k (seed $s): (pytest exited $rc with no failed test listed; see $log)" >>"$failures"
        fi
    fi
    echo "run $k (seed $s): exit $rc in ${took}s: $summary"
    k=$((k + 1))
done
stop_hogs

if [ -s "$failures" ]; then
    echo
    cat "$failures"
fi
n=$(wc -l <"$failures")
echo
echo "stress-tests: $runs run(s), $hogs hog(s), $failed_runs failed run(s), $n failure(s); logs in $logs"
[ "$failed_runs" -eq 0 ]
