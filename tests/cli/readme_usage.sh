#!/usr/bin/env bash
# readme_usage.sh README: the Usage block of README.md is what `keyart help --usage`
# prints (the command tables' synopses), so that the README cannot drift.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

README=$1
awk '/^## Usage/ {s = 1; next} s == 1 && /^```/ {s = 2; next} s == 2 && /^```/ {exit} s == 2' \
    "$README" >"$WORK/readme.txt"
ka_run usage "$KEYART_BIN" help --usage
check_rc "keyart help --usage" 0
if diff -u "$WORK/readme.txt" "$OUT" >"$WORK/diff"; then
    pass "README.md's Usage block is keyart help --usage"
else
    fail "README.md's Usage block is keyart help --usage" \
        "$(cat "$WORK/diff")
run scripts/update-readme-usage.sh $KEYART_BIN to update it"
fi
finish
