#!/usr/bin/env bash
# bench_simulate.sh [USERS [DAYS]]: simulated impressions per second, in a release build
# (build-release/, or $KEYART_BENCH_BUILD; configured when missing). Two parts:
#  1. in process, per policy: one world of USERS viewers (default 20000) over DAYS days
#     (14) per policy on the synthetic catalogue, the oracle (no engine: the cost of
#     the viewers alone) as the peer every policy is a ratio of. Goal: a million
#     simulated impressions in under a minute in process (about 17000 a second).
#  2. in process against over HTTP, the same run: Thompson sampling over a store of the
#     shared clips (analysed once into a temporary store), $HTTP_USERS viewers (2000)
#     over $HTTP_DAYS days (3), once in process and once against a keyart serve
#     --clock request on loopback (one request per row and one per row's events);
#     wall seconds, since over HTTP two processes work in turn; their ratio, and
#     whether the two reports are the same (they must be).
# It reports; it does not fail on targets.
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
for policy in oracle uniform seed egreedy thompson linucb; do
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

# ---- 2. in process against over HTTP, the same run ----
SHARED=${KEYART_SHARED:-$ROOT/../shared}
HTTP_USERS=${HTTP_USERS:-2000}
HTTP_DAYS=${HTTP_DAYS:-3}
TMP=$(mktemp -d)
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
clips=0
for clip in "$SHARED"/media/*.mp4 "$SHARED"/media/*.mkv; do
    [ -f "$clip" ] || continue
    name=$(basename "${clip%.*}")
    "$KEYART" analyze "$clip" --db "sqlite:$TMP/cat.db" --artwork "$TMP/art" -q \
        -o "$TMP/out-$name" --title-id "$name" >/dev/null 2>&1 && clips=$((clips + 1))
done
echo
echo "in process against over HTTP: thompson, $HTTP_USERS viewers, $HTTP_DAYS days, over $clips titles (the shared clips)"
cp "$TMP/cat.db" "$TMP/srv.db"
"$KEYART" serve --db "sqlite:$TMP/srv.db" --listen 127.0.0.1:0 --artwork "$TMP/art" \
    --token bench --policy thompson --seed 1 --clock request > "$TMP/serve.log" 2>&1 &
SERVER=$!
port=""
for _ in $(seq 300); do
    port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p' "$TMP/serve.log" | head -n1)
    [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.1
done
RUN=(simulate --db "sqlite:$TMP/cat.db" --users "$HTTP_USERS" --days "$HTTP_DAYS" --seed 1 \
     --policies thompson --json)
# wall OUT CMD...: runs CMD with stdout to OUT; prints its wall seconds
wall() {
    local out=$1 t0 t1
    shift
    t0=$(date +%s.%N)
    "$@" > "$out" || echo "bench_simulate: $* failed" >&2
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}
w_in=$(wall "$TMP/in.json" "$KEYART" "${RUN[@]}")
w_http=$(wall "$TMP/http.json" "$KEYART" "${RUN[@]}" --over-http "http://127.0.0.1:$port" --token bench)
imps=$(jq '.policies[0].impressions' "$TMP/in.json")
same=$(cmp -s "$TMP/in.json" "$TMP/http.json" && echo "the same report" || echo "DIFFERENT reports")
printf '%-12s %12s %9s %14s\n' path impressions "wall s" impressions/s
for row in "in-process $w_in" "over-HTTP $w_http"; do
    set -- $row
    printf '%-12s %12s %9.2f %14.0f\n' "$1" "$imps" "$2" "$(awk -v n="$imps" -v t="$2" 'BEGIN { print (t > 0 ? n / t : 0) }')"
done
awk -v a="$w_in" -v b="$w_http" 'BEGIN { printf "over HTTP takes %.0fx the time in process; ", (a > 0 ? b / a : 0) }'
echo "$same"
