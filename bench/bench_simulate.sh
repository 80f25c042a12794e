#!/usr/bin/env bash
# bench_simulate.sh [USERS [DAYS]]: simulated impressions per second in process, per
# policy, in a release build (build-release/, or $KEYART_BENCH_BUILD; configured when
# missing): one world of USERS viewers (default 20000) over DAYS days (14) per policy,
# the oracle (no engine: the cost of the viewers alone) as the peer every policy is a
# ratio of. Goal: a million simulated impressions in under a minute in process (about
# 17000 a second). It reports; it does not fail on targets.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${KEYART_BENCH_BUILD:-$ROOT/build-release}
USERS=${1:-20000}
DAYS=${2:-14}
cd "$ROOT"
if [ ! -f "$BUILD/build.ninja" ]; then
    meson setup "$BUILD" --buildtype=release >/dev/null
fi
ninja -C "$BUILD" src/cli/keyart >/dev/null
KEYART="$BUILD/src/cli/keyart"
echo "bench_simulate: $USERS viewers, $DAYS days; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf '%-9s %12s %9s %14s %12s\n' policy impressions "cpu s" impressions/s "vs oracle"
oracle_rate=""
for policy in oracle uniform seed egreedy thompson linucb contextual; do
    out=$(mktemp)
    # user CPU seconds: the machine may be shared; the run is one thread
    t=$( { /usr/bin/time -f '%U %S' "$KEYART" simulate --users "$USERS" --days "$DAYS" \
             --policies "$policy" --json > "$out"; } 2>&1 | tail -n1 )
    imps=$(jq '.policies[0].impressions' "$out")
    rm -f "$out"
    cpu=$(awk -v t="$t" 'BEGIN { split(t, a, " "); print a[1] + a[2] }')
    rate=$(awk -v n="$imps" -v c="$cpu" 'BEGIN { printf "%.0f", (c > 0 ? n / c : 0) }')
    [ -z "$oracle_rate" ] && oracle_rate=$rate
    ratio=$(awk -v r="$rate" -v o="$oracle_rate" 'BEGIN { printf "%.2f", (o > 0 ? r / o : 0) }')
    printf '%-9s %12s %9.2f %14s %12s\n' "$policy" "$imps" "$cpu" "$rate" "$ratio"
done
