# shellcheck shell=bash
# Helpers shared by keel's benchmark scripts. Source it; it defines
# functions and BENCH_LIB, and changes no shell options of the caller.

BENCH_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH_PYTHON="${BENCH_PYTHON:-/usr/bin/python3}"
BENCH_REPO="$(cd "$BENCH_LIB/../.." && pwd)"

bench_log() { printf '[bench] %s\n' "$*" >&2; }

# bench_resolve_path PATH: a path the user typed is relative to where they
# typed it; the defaults (and paths that only make sense in the tree) are
# relative to the repository.
bench_resolve_path() {
    if [[ "$1" == /* ]]; then
        printf '%s\n' "$1"
    elif [[ -e "$1" ]]; then
        printf '%s\n' "$PWD/$1"
    else
        printf '%s\n' "$BENCH_REPO/$1"
    fi
}

bench_die() {
    printf '[bench] ERROR: %s\n' "$*" >&2
    exit 1
}

# Prints a TCP port on 127.0.0.1 that nothing listens on right now. The
# kernel picks it (bind to port 0), so two scripts running at once do not
# collide the way a fixed or guessed port would. Another process could
# still take it before the server binds; the caller's readiness check then
# fails loudly instead of measuring the wrong server.
bench_free_port() {
    "$BENCH_PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# bench_alive PID: true while PID runs. `kill -0` alone also succeeds for a
# zombie (a child of ours that exited and was not reaped yet), which would
# make a dead server look alive.
bench_alive() {
    local st
    st="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
    st="${st##*) }"
    [[ -n "$st" && "${st:0:1}" != Z ]]
}

# bench_wait_http URL PID [TRIES]: polls URL every 0.1 s until it answers
# 200, at most TRIES times (default 100, so about 10 s plus per-try time
# outs). Fails early when PID (the server's main process) has exited, so a
# server that crashed at start-up is reported at once rather than after
# the whole wait. Returns 0 when ready, 1 otherwise.
bench_wait_http() {
    local url="$1" pid="$2" tries="${3:-100}" i
    for ((i = 0; i < tries; i++)); do
        if "$BENCH_PYTHON" "$BENCH_LIB/http_get.py" "$url" --quiet 2>/dev/null; then
            return 0
        fi
        bench_alive "$pid" || return 1
        sleep 0.1
    done
    return 1
}

# bench_stop_tree PID...: stops the given processes and all their
# descendants. SIGTERM to the roots first, which each server turns into its
# own orderly shutdown (nginx: fast shutdown, php-fpm: terminate children,
# keel: drain and exit). After 5 s whatever is left of the trees gets
# SIGKILL. The tree is listed before signalling, since children re-parent
# to init once their parent is gone and could no longer be found.
bench_stop_tree() {
    local roots=() all=() pid i alive=0
    for pid in "$@"; do
        [[ -n "$pid" ]] && bench_alive "$pid" && roots+=("$pid")
    done
    if ((${#roots[@]})); then
        mapfile -t all < <("$BENCH_PYTHON" "$BENCH_LIB/pss.py" --list "${roots[@]}" 2>/dev/null || true)
        kill -TERM "${roots[@]}" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            alive=0
            for pid in "${roots[@]}" "${all[@]}"; do
                bench_alive "$pid" && alive=1 && break
            done
            ((alive)) || break
            sleep 0.1
        done
        if ((alive)); then
            bench_log "still running 5 s after SIGTERM, sending SIGKILL: ${all[*]}"
            kill -KILL "${roots[@]}" "${all[@]}" 2>/dev/null || true
        fi
    fi
    # Reap the ones that are our children (also those that had already
    # exited), so no zombie outlives the script and bash does not report
    # them later. For PIDs that are not our children this is a no-op.
    for pid in "$@"; do
        [[ -n "$pid" ]] && { wait "$pid" 2>/dev/null || true; }
    done
    return 0
}

# bench_pss PID...: "<MB> <processes>" for the process trees under PID...
bench_pss() {
    "$BENCH_PYTHON" "$BENCH_LIB/pss.py" "$@"
}

# bench_median V...: the median of the numbers (of the middle two for an
# even count). A single wrk run on a shared 2-core machine can be off by
# 20%; the benchmarks repeat each measurement and report the median.
bench_median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
        END { if (NR == 0) exit 1
              if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# bench_round_values ARRAY NAME ROUNDS: the values ARRAY holds for NAME,
# keyed "NAME#round", over the rounds it was measured in.
bench_round_values() {
    local -n values="$1"
    local r out=()
    for ((r = 1; r <= $3; r++)); do
        [[ -n "${values[$2#$r]:-}" ]] && out+=("${values[$2#$r]}")
    done
    echo "${out[*]}"
}

# bench_round_ratios ARRAY A B ROUNDS: A's value over B's, round by round
# (servers of one round run back to back, so a slow drift of the machine's
# speed cancels out of each ratio).
bench_round_ratios() {
    local -n values="$1"
    local r out=()
    for ((r = 1; r <= $4; r++)); do
        [[ -n "${values[$2#$r]:-}" && -n "${values[$3#$r]:-}" ]] || continue
        out+=("$(awk -v a="${values[$2#$r]}" -v b="${values[$3#$r]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')")
    done
    echo "${out[*]}"
}

# bench_cpu PID...: user + system CPU microseconds of the process trees.
bench_cpu() {
    "$BENCH_PYTHON" "$BENCH_LIB/cpu.py" "$@"
}

# bench_take_medians ROUNDS: for every server measured, sets R_RPS, R_P50,
# R_P99 and R_CPU to the medians of the per-round values the caller keeps
# in RR_RPS, RR_P50, RR_P99 and RR_CPU (keyed "name#round").
bench_take_medians() {
    local name
    for name in "${!R_RPS[@]}"; do
        # shellcheck disable=SC2046 # word splitting of the value lists is wanted
        {
            R_RPS[$name]="$(bench_median $(bench_round_values RR_RPS "$name" "$1"))"
            R_P50[$name]="$(bench_median $(bench_round_values RR_P50 "$name" "$1"))"
            R_P99[$name]="$(bench_median $(bench_round_values RR_P99 "$name" "$1"))"
            R_CPU[$name]="$(bench_median $(bench_round_values RR_CPU "$name" "$1") || echo "?")"
        }
    done
}

# bench_usage_error SCRIPT MESSAGE: the one line for a bad command line,
# then exit 2.
bench_usage_error() {
    echo "$1: $2" >&2
    echo "Try '$1 --help'." >&2
    exit 2
}

# bench_parse_options SCRIPT ARG...: the command line of a benchmark script.
# -h/--help calls the script's usage and exits 0, --verbose sets VERBOSE=1,
# and every "--name VALUE" or "--name=VALUE" goes to the script's
# set_option NAME VALUE, which returns non-zero for a name it does not know.
bench_parse_options() {
    local script="$1" opt val
    shift
    while (($#)); do
        opt="$1"
        val=""
        case "$opt" in
        -h | --help)
            usage
            exit 0
            ;;
        --verbose)
            VERBOSE=1
            shift
            continue
            ;;
        --*=*)
            val="${opt#*=}"
            opt="${opt%%=*}"
            shift
            ;;
        --*)
            (($# >= 2)) || bench_usage_error "$script" "option $opt needs a value"
            val="$2"
            shift 2
            ;;
        *) bench_usage_error "$script" "unexpected argument '$opt'" ;;
        esac
        set_option "$opt" "$val" || bench_usage_error "$script" "unknown option '$opt'"
    done
}

# bench_check_run_options SCRIPT: DURATION, ROUNDS, WORKERS and CONNECTIONS,
# which every load-measuring script takes, are positive whole numbers.
bench_check_run_options() {
    [[ "$DURATION" =~ ^[1-9][0-9]*$ ]] || bench_usage_error "$1" "--duration: expected whole seconds, got '$DURATION'"
    [[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || bench_usage_error "$1" "--rounds: expected a positive number, got '$ROUNDS'"
    [[ "$WORKERS" =~ ^[1-9][0-9]*$ ]] || bench_usage_error "$1" "--workers: expected a positive number, got '$WORKERS'"
    [[ "$CONNECTIONS" =~ ^[1-9][0-9]*$ ]] ||
        bench_usage_error "$1" "--connections: expected a positive number, got '$CONNECTIONS'"
}
