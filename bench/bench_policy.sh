#!/usr/bin/env bash
# bench_policy.sh [ITERATIONS [POLICY]]: the in-process cost of one personalised choice
# per policy (seed scorer, epsilon-greedy, Thompson sampling, LinUCB, uniform) for a
# title with 8 variants and a learned user profile, in a release build (build-release/,
# or $KEYART_BENCH_BUILD; configured when missing); with POLICY, only that policy's
# choice (to profile it). Target: under 1 us per choice, for every policy with a
# prepared state. It reports; it does not fail on targets.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${KEYART_BENCH_BUILD:-$ROOT/build-release}
cd "$ROOT"
if [ ! -f "$BUILD/build.ninja" ]; then
    meson setup "$BUILD" --buildtype=release >/dev/null
fi
ninja -C "$BUILD" bench/bench_policy >/dev/null
echo "bench_policy: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
"$BUILD/bench/bench_policy" "$@"
