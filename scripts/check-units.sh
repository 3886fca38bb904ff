#!/bin/sh
# Checks deploy/keel.service and deploy/keel.socket with systemd-analyze
# verify, as installed: the units in /etc/systemd/system and keel at
# /usr/local/bin/keel of a scratch root that also holds the distribution's
# units (for its dependencies). systemd only warns about an unknown key or
# a value it cannot parse and ignores the line, so any output at all fails.
#   scripts/check-units.sh [KEEL_BINARY]    (default: build/keel)
set -eu

cd "$(dirname "$0")/.."
keel=${1:-build/keel}
if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "$0: systemd-analyze not found (scripts/install-deps.sh installs systemd)" >&2
    exit 2
fi
if [ ! -x "$keel" ]; then
    echo "$0: $keel is not an executable keel (run make first)" >&2
    exit 2
fi
units=/lib/systemd/system
root=$(mktemp -d "${TMPDIR:-/tmp}/keel-units.XXXXXX")
trap 'rm -rf "$root"' EXIT INT TERM
mkdir -p "$root/usr/local/bin" "$root/etc/systemd/system" "$root/usr/lib/systemd"
cp -r "$units" "$root/usr/lib/systemd/system"
cp "$keel" "$root/usr/local/bin/keel"
cp deploy/keel.service deploy/keel.socket "$root/etc/systemd/system/"

# the socket unit with the service it starts, as systemd loads them
out=$(systemd-analyze verify --root="$root" /etc/systemd/system/keel.socket /etc/systemd/system/keel.service 2>&1) &&
    rc=0 || rc=$?
if [ "$rc" -ne 0 ] || [ -n "$out" ]; then
    echo "deploy/keel.socket and deploy/keel.service do not verify cleanly (status $rc):" >&2
    printf '%s\n' "$out" >&2
    exit 1
fi
echo "deploy/keel.socket, deploy/keel.service: systemd-analyze verify passed"
