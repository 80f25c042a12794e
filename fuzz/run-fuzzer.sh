#!/usr/bin/env bash
# run-fuzzer.sh EXE NAME MAX_LEN FUZZ_DIR WORK_DIR: fuzzes one target for
# $KEYART_FUZZ_SECONDS (30) from its seeds and reproducers (FUZZ_DIR/corpus/NAME,
# FUZZ_DIR/regress/NAME; read only: new inputs go to WORK_DIR/NAME/corpus). Fails on
# any crash, leak, timeout (an input over $KEYART_FUZZ_INPUT_TIMEOUT s, 20), memory
# over $KEYART_FUZZ_RSS_MB (2048) or sanitizer report, saying where the input is.
set -euo pipefail
exe=$1 name=$2 max_len=$3 src=$4 work=$5/$2
seconds=${KEYART_FUZZ_SECONDS:-30}
mkdir -p "$work/corpus" "$work/artifacts"
rm -f "$work/artifacts/"*
status=0
"$exe" -max_total_time="$seconds" -timeout="${KEYART_FUZZ_INPUT_TIMEOUT:-20}" \
    -rss_limit_mb="${KEYART_FUZZ_RSS_MB:-2048}" -max_len="$max_len" \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
    "$work/corpus" "$src/corpus/$name" "$src/regress/$name" || status=$?
if [ "$status" -ne 0 ]; then
    echo "fuzz_$name: failed (exit $status); the input:" >&2
    ls -l "$work/artifacts/" >&2 || true
    echo "fix the bug, then add the input to fuzz/regress/$name/ (docs/fuzzing.md)" >&2
fi
exit "$status"
