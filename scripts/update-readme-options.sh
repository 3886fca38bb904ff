#!/bin/sh
# Rewrites the option table of README.md ("Serving an application") from
# the option table in src/common/options.c: everything between the line
# starting with "<!-- serve-options: generated" and "<!-- /serve-options -->",
# with a blank line on either side of the table.
# The unit test common/options fails until this has been run after a change.
#   scripts/update-readme-options.sh [BUILD_DIR]    (default: build)
set -eu

cd "$(dirname "$0")/.."
build=${1:-build}
begin='<!-- serve-options: generated'
end='<!-- /serve-options -->'

if [ ! -f "$build/build.ninja" ]; then
    echo "$0: $build is not a meson build directory (run make first)" >&2
    exit 2
fi
for marker in "$begin" "$end"; do
    if [ "$(grep -c -F -e "$marker" README.md)" != 1 ]; then
        echo "$0: README.md needs exactly one line with '$marker'" >&2
        exit 1
    fi
done

ninja -C "$build" tests/unit/options_markdown >/dev/null
table=$(mktemp)
trap 'rm -f "$table" README.md.new' EXIT INT TERM
"$build/tests/unit/options_markdown" >"$table"

awk -v table="$table" -v begin="$begin" -v end="$end" '
    index($0, end) == 1 { skipping = 0 }
    !skipping { print }
    index($0, begin) == 1 {
        print ""
        while ((getline line < table) > 0)
            print line
        print ""
        skipping = 1
    }
' README.md >README.md.new
mv README.md.new README.md
