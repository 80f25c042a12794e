#!/usr/bin/env bash
# run-tests.sh [meson test args]: installs what is missing, builds keyart with
# AddressSanitizer and UBSan in build-test/, runs the whole test suite, and ends with
# one line `N passed, N failed` (`, N skipped` when some were skipped). Exits
# non-zero when a test failed, the build failed, or no test ran. The store tests get
# a throwaway PostgreSQL server (scripts/pg-test-cluster.sh) for the run.
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

# Counts results in meson's JSON test log: "passed failed skipped".
count_results() {
    jq -rs '
      def n(f): map(select(.result | f)) | length;
      [n(. == "OK" or . == "EXPECTEDFAIL"),
       n(. == "FAIL" or . == "ERROR" or . == "TIMEOUT" or . == "UNEXPECTEDPASS"),
       n(. == "SKIP")] | @tsv' "$LOG"
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
if ! counts=$(count_results) || [ -z "$counts" ]; then
    log "cannot read $LOG"
    echo "0 passed, 1 failed"
    exit 1
fi
read -r passed failed skipped <<<"$counts"
if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
if [ "$failed" -gt 0 ]; then exit 1; fi
if [ "$status" -ne 0 ]; then log "meson test exited with $status"; exit 1; fi
if [ "$passed" -eq 0 ]; then log "no test ran"; exit 1; fi
exit 0
