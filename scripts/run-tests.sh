#!/usr/bin/env bash
# run-tests.sh [meson test args]: installs what is missing, builds keyart with
# AddressSanitizer and UBSan in build-test/, runs the whole test suite, then fuzzes
# every fuzz target for a bounded time (scripts/fuzz.sh: clang, build-fuzz/, suite
# fuzz), and ends with one line `N passed, N failed` (`, N skipped` when some were
# skipped) over both runs. Exits non-zero when a test failed, a build failed, or no
# test ran. The store tests get a throwaway PostgreSQL server
# (scripts/pg-test-cluster.sh) for the run. Fuzzing runs when no meson test args are
# given, unless KEYART_FUZZ=0 (KEYART_FUZZ=1: always); KEYART_FUZZ_SECONDS sets each
# target's time (30).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BUILD=build-test
OPTS=(-Db_sanitize=address,undefined -Db_lundef=false --buildtype=debugoptimized)
LOG="$BUILD/meson-logs/testlog.json"

log() { printf 'run-tests: %s\n' "$*" >&2; }

configure() {
    if [ -f "$BUILD/meson-private/coredata.dat" ]; then
        meson setup --reconfigure "$BUILD" "${OPTS[@]}"
    else
        meson setup "$BUILD" "${OPTS[@]}"
    fi
}

FUZZ_LOG=build-fuzz/meson-logs/testlog.json

# Counts results in meson's JSON test logs ($@): "passed failed skipped".
count_results() {
    jq -rs '
      def n(f): map(select(.result | f)) | length;
      [n(. == "OK" or . == "EXPECTEDFAIL"),
       n(. == "FAIL" or . == "ERROR" or . == "TIMEOUT" or . == "UNEXPECTEDPASS"),
       n(. == "SKIP")] | @tsv' "$@"
}

./scripts/setup.sh
if ! configure || ! ninja -C "$BUILD"; then
    log "the build failed"
    echo "0 passed, 1 failed"
    exit 1
fi

# The store tests run against a real PostgreSQL too: a throwaway cluster in a temp
# folder, stopped and removed when this script exits (unless KEYART_TEST_PG_URL
# already names a server). Without it the PostgreSQL tests fail when $CI is set.
PG_DIR=""
stop_pg() { if [ -n "$PG_DIR" ]; then ./scripts/pg-test-cluster.sh stop "$PG_DIR" || true; fi; }
if [ -z "${KEYART_TEST_PG_URL:-}" ]; then
    if pg_env=$(./scripts/pg-test-cluster.sh start); then
        eval "$pg_env"
        PG_DIR=$KEYART_TEST_PG_DIR
        trap stop_pg EXIT
    else
        log "could not start a PostgreSQL test cluster: the PostgreSQL store tests will not run"
    fi
fi

rm -f "$LOG"
status=0
meson test -C "$BUILD" --print-errorlogs --num-processes 2 \
    --timeout-multiplier "${KEYART_TIMEOUT_MULTIPLIER:-4}" "$@" || status=$?

if [ ! -s "$LOG" ]; then
    log "no test ran (meson test exited with $status)"
    echo "0 passed, 0 failed"
    exit 1
fi

# Fuzzing, after the suite (docs/fuzzing.md). A fuzzing run that could not build or
# left no log counts as one failure.
fuzz_failed=0
logs=("$LOG")
if [ "${KEYART_FUZZ:-}" = 1 ] || { [ "${KEYART_FUZZ:-}" != 0 ] && [ $# -eq 0 ]; }; then
    rm -f "$FUZZ_LOG"
    fuzz_status=0
    ./scripts/fuzz.sh || fuzz_status=$?
    if [ -s "$FUZZ_LOG" ]; then
        logs+=("$FUZZ_LOG")
    else
        log "fuzzing did not run (scripts/fuzz.sh exited with $fuzz_status)"
        fuzz_failed=1
    fi
fi

if ! counts=$(count_results "${logs[@]}") || [ -z "$counts" ]; then
    log "cannot read ${logs[*]}"
    echo "0 passed, 1 failed"
    exit 1
fi
read -r passed failed skipped <<<"$counts"
failed=$((failed + fuzz_failed))
if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
if [ "$failed" -gt 0 ]; then exit 1; fi
if [ "$status" -ne 0 ]; then log "meson test exited with $status"; exit 1; fi
if [ "$passed" -eq 0 ]; then log "no test ran"; exit 1; fi
exit 0
