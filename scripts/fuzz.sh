#!/usr/bin/env bash
# fuzz.sh [SECONDS] [meson test args]: builds the libFuzzer targets of fuzz/ with clang
# in build-fuzz/ (ASan + UBSan, -Dfuzz=true) and fuzzes each for SECONDS (default
# $KEYART_FUZZ_SECONDS, else 30), two at a time. Ends with meson's summary; its JSON
# log is build-fuzz/meson-logs/testlog.json. Exits non-zero when the build failed or a
# target found a crash, leak, timeout or sanitizer report (docs/fuzzing.md).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BUILD=build-fuzz
OPTS=(-Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false --buildtype=debugoptimized)

log() { printf 'fuzz: %s\n' "$*" >&2; }

if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
    export KEYART_FUZZ_SECONDS=$1
    shift
fi
seconds=${KEYART_FUZZ_SECONDS:-30}
export KEYART_FUZZ_SECONDS=$seconds

if ! command -v clang >/dev/null 2>&1; then
    log "clang is not installed (scripts/setup.sh installs it)"
    exit 1
fi
if [ -f "$BUILD/meson-private/coredata.dat" ]; then
    CC=clang CXX=clang++ meson setup --reconfigure "$BUILD" "${OPTS[@]}"
else
    CC=clang CXX=clang++ meson setup "$BUILD" "${OPTS[@]}"
fi
# the targets only: not the program, its man page or the benchmarks
ninja -C "$BUILD" fuzz-targets

# meson's timeout is 120 s a target: room for the fuzzing time and the start
rm -f "$BUILD/meson-logs/testlog.json"
exec meson test -C "$BUILD" --no-rebuild --suite fuzz --print-errorlogs --num-processes 2 \
    --timeout-multiplier $(( (seconds + 60) / 120 + 1 )) "$@"
