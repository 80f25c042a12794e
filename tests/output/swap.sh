#!/bin/bash
# swap.sh: an output folder holds the old result or the new one, never a mix. A
# re-analysis killed (SIGKILL) after writing its first image leaves the folder exactly
# as the run before left it (every file, byte for byte) and a hidden sibling, which the
# next run clears; that run's result then replaces the folder whole (fewer variants:
# no image of the old run's left). A folder holding files keyart did not write is
# refused (exit 3), untouched.
set -euo pipefail
source "$(dirname "$0")/../cli/lib.sh"

CLIP="$MEDIA/sintel_10s.mp4"
RES="$WORK/parent/out"
digest() { (cd "$1" && find . -type f | sort | xargs sha256sum); }

ka_run first "$KEYART_BIN" analyze "$CLIP" -o "$RES" --db none -q --variants 8
check_rc "a first analysis" 0
BEFORE=$(digest "$RES")
N1=$(jq '.variants | length' "$RES/metadata.json")

KEYART_TEST_OUTPUT_STALL=30 "$KEYART_BIN" analyze "$CLIP" -o "$RES" --db none -q --variants 4 \
    --genre comedy >"$WORK/killed.out" 2>"$WORK/killed.err" &
pid=$!
staged() { ls -a "$WORK/parent" | grep -q "^\.out\.tmp\.$pid$" && ls "$WORK/parent/.out.tmp.$pid" | grep -q variant_01.jpg; }
for _ in $(seq 1200); do staged && break; sleep 0.1; done
check "the second run writes into a hidden sibling" staged
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
check_eq "killed mid-write: the folder is the first run's, every file as it was" "$BEFORE" "$(digest "$RES")"
check "  its half-written sibling is left" test -d "$WORK/parent/.out.tmp.$pid"

ka_run third "$KEYART_BIN" analyze "$CLIP" -o "$RES" --db none -q --variants 4 --genre comedy
check_rc "the next run" 0
check_eq "  clears what the killed one left" "" "$(ls -a "$WORK/parent" | grep '\.tmp\.' || true)"
N3=$(jq '.variants | length' "$RES/metadata.json")
check "  and its result is the folder, whole ($N3 variants, was $N1)" test "$N3" -le 4
check_eq "  no image of the first run is left" "$N3" "$(ls "$RES" | grep -c '^variant_[0-9][0-9]\.jpg$')"
check_eq "  nothing hidden inside" "" "$(ls -A "$RES" | grep '^\.' || true)"

mkdir -p "$WORK/mine"
echo "my notes" >"$WORK/mine/notes.txt"
ka_run foreign "$KEYART_BIN" analyze "$CLIP" -o "$WORK/mine" --db none -q
check_rc "a folder with files keyart did not write is refused" 3
check_grep "  naming one" "$ERR" "holds files keyart did not write \(notes.txt\)"
check_eq "  and left alone" "notes.txt" "$(ls -A "$WORK/mine")"
finish
