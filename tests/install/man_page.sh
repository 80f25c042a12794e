#!/usr/bin/env bash
# man_page.sh PAGE: the man page the build made (docs/mkman.py, from the --help texts)
# renders without a warning, from man and from groff, and shows every command that
# `keyart --help` lists, each in its own section with every option its --help names.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../cli/lib.sh
. "$here/../cli/lib.sh"

PAGE=$1
check "the page exists" test -s "$PAGE"

ka_run man env MANWIDTH=100 LC_ALL=C man --warnings -l "$PAGE"
check_rc "man --warnings -l renders it" 0
check_eq "man --warnings says nothing" "" "$(cat "$ERR")"
TEXT="$WORK/page.txt"
col -b <"$OUT" >"$TEXT"
ka_run groff groff -man -ww -z "$PAGE"
check_rc "groff -man -ww renders it" 0
check_eq "groff -ww says nothing" "" "$(cat "$ERR")"

# The commands: the first word of each item under "commands:" in keyart --help.
mapfile -t COMMANDS < <("$KEYART_BIN" --help |
    awk '/^commands:/ {on = 1; next} /^[^ ]/ {on = 0} on && /^  [a-z]/ {print $1}' |
    grep -vx keyart | awk '!seen[$0]++')
check "keyart --help lists commands" test "${#COMMANDS[@]}" -ge 10

# section CMD: the rendered text of CMD's section (up to the next command or section).
section() {
    awk -v h="   keyart $1" '$0 == h {on = 1; next} on && (/^   keyart / || /^[A-Z]/) {exit} on' "$TEXT"
}

for cmd in "${COMMANDS[@]}"; do
    sec="$WORK/sec-$cmd.txt"
    section "$cmd" >"$sec"
    if [ ! -s "$sec" ]; then
        fail "keyart $cmd has a section" "no heading 'keyart $cmd' in the rendered page"
        continue
    fi
    pass "keyart $cmd has a section"
    missing=()
    while read -r opt; do
        grep -qe "$opt\b" "$sec" || missing+=("$opt")
    done < <("$KEYART_BIN" "$cmd" --help | grep -oE -- '(^|[^[:alnum:]_-])--?[A-Za-z][[:alnum:]_-]*' |
             sed -E 's/^[^-]+//' | sort -u)
    check_eq "keyart $cmd: every option of its --help is in its section" "" "${missing[*]}"
done

finish
