#!/usr/bin/env bash
# bench_serve.sh: `keyart serve` under wrk on loopback: requests per second and p50/p99
# latency of GET /v1/artwork (a personalised choice for a random user of 10,000 and
# title of 1,000 with 8 variants each, on SQLite), beside GET /livez (no work, no lock:
# the floor of the HTTP stack) measured against the same server in the same run, for
# the policies thompson (the default), seed and linucb; then an overload line: decisions
# mixed with event batches on a server that takes 2 requests at once (--max-inflight 2),
# at 2 and at 20 connections, as ratios. On a 2-core machine the server gets one request
# thread (one core) and wrk the other, so that latency measures the server rather than
# the two fighting over cores (KEYART_BENCH_SERVER_THREADS=2 shows that case). It
# prints; it does not fail on targets (40,000 artwork requests per second, p99 under
# 2 ms, on 2 cores).
#
# The database: one shared clip (tears_of_steel_10s) analysed once, its title and
# variants cloned with SQL into 1,000 titles t0000..t0999 (genres cycle through all 11,
# each title's variants rotated so titles differ), 10,000 users u00000..u09999 and
# 35,000 events (3 impressions per user, a click and a play for every 4th) received
# over the two hours before the run, so that every user has a profile and the policies
# have learned before the first request. Each policy's server gets a fresh copy of it.
#
# Uses the release build in build-release/ (made when missing or older than the
# sources), or the one in $KEYART_BENCH_BUILD. Tunables: KEYART_BENCH_SECONDS (10) per
# run, KEYART_BENCH_CONNECTIONS (16) and KEYART_BENCH_WRK_THREADS (1) for wrk,
# KEYART_BENCH_SERVER_THREADS (1) for the server (on 2 cores: one serves, one loads),
# KEYART_BENCH_POLICIES ("thompson seed linucb"), KEYART_BENCH_OVERLOAD (1; 0 skips the
# overload line), KEYART_BENCH_USERS (10000; 300000 makes about a million events: the
# start-up line then says how long a server takes to listen, at once, and to be ready,
# the log folded). Needs wrk, sqlite3, curl, jq.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${KEYART_SHARED:-$ROOT/../shared}
BUILD=${KEYART_BENCH_BUILD:-$ROOT/build-release}
DURATION=${KEYART_BENCH_SECONDS:-10}
CONNS=${KEYART_BENCH_CONNECTIONS:-16}
WRK_THREADS=${KEYART_BENCH_WRK_THREADS:-1}
SERVER_THREADS=${KEYART_BENCH_SERVER_THREADS:-1}
read -r -a POLICIES <<<"${KEYART_BENCH_POLICIES:-thompson seed linucb}"
USERS=${KEYART_BENCH_USERS:-10000}   # events: about 3.5 per user
TITLES=1000
CLIP=tears_of_steel_10s
LUA="$ROOT/bench/bench_serve.lua"
KEYART="$BUILD/src/cli/keyart"

log() { printf 'bench: %s\n' "$*" >&2; }

for tool in wrk sqlite3 curl jq; do
    command -v "$tool" >/dev/null || { log "$tool is missing (scripts/setup.sh installs it)"; exit 1; }
done
[ -f "$SHARED/media/$CLIP.mp4" ] || { log "$SHARED/media/$CLIP.mp4 not found"; exit 1; }
if [ ! -x "$KEYART" ] || [ -n "$(find "$ROOT/src" "$ROOT/include" -newer "$KEYART" -name '*.[ch]' 2>/dev/null | head -n1)" ]; then
    log "building the release keyart in $BUILD"
    [ -d "$BUILD" ] || meson setup "$BUILD" "$ROOT" --buildtype=release >/dev/null
    ninja -C "$BUILD" src/cli/keyart bench/bench_serve_choice >/dev/null
fi
[ -x "$BUILD/bench/bench_serve_choice" ] || ninja -C "$BUILD" bench/bench_serve_choice >/dev/null
buildtype=$(meson introspect "$BUILD" --buildoptions 2>/dev/null |
    jq -r '.[] | select(.name == "buildtype") | .value' 2>/dev/null || echo unknown)
[ "$buildtype" == release ] || log "warning: $BUILD is a '$buildtype' build, not release"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/keyart-bench-serve.XXXXXX")
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf -- "$WORK"
}
trap cleanup EXIT

# ---- the database -----------------------------------------------------------------------
DB="$WORK/bench.db"
ART="$WORK/artwork"
t0=$(date +%s.%N)
"$KEYART" analyze "$SHARED/media/$CLIP.mp4" -o "$WORK/out" --db "sqlite:$DB" --artwork "$ART" \
    --genre action --variants 8 --quiet
NV=$(sqlite3 "$DB" "SELECT count(*) FROM variants v JOIN titles t ON t.id = v.title WHERE t.title_id = '$CLIP'")
[ "$NV" -ge 1 ] || { log "the analysis of $CLIP gave no variant"; exit 1; }
[ "$NV" -eq 8 ] || log "warning: $CLIP has $NV variants, not 8"
NOW=$(date +%s)
sqlite3 -batch "$DB" <<SQL
BEGIN;
CREATE TEMP TABLE genres (i INTEGER PRIMARY KEY, name TEXT);
INSERT INTO genres VALUES (0, 'action'), (1, 'romance'), (2, 'adventure'), (3, 'drama'),
    (4, 'comedy'), (5, 'horror'), (6, 'documentary'), (7, 'animation'), (8, 'thriller'),
    (9, 'scifi'), (10, 'family');
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $TITLES - 1)
INSERT INTO titles (title_id, source, genre, duration_s, fps, width, height, frames, n_shots,
                    n_candidates, n_variants, codec, container, analysis_version, analysed_at)
SELECT printf('t%04d', n.i), s.source, (SELECT name FROM genres WHERE genres.i = n.i % 11),
       s.duration_s, s.fps, s.width, s.height, s.frames, s.n_shots, s.n_candidates,
       s.n_variants, s.codec, s.container, s.analysis_version, s.analysed_at
FROM n, titles s WHERE s.title_id = '$CLIP';
-- Title i's variant k shows what the clip's variant (k + i) mod N shows (a picture of
-- its own: an id of its own).
INSERT INTO variants (title, number, slot, scene, composition, time_s, frame, shot,
                      quality_score, relevance, diversity_penalty, score, emotional, action,
                      dramatic, prominence, crops, image_full, image_16x9, image_2x3,
                      image_1x1, metadata, variant_id)
SELECT t.id, v.number, w.slot, w.scene, w.composition, w.time_s, w.frame, w.shot,
       w.quality_score, w.relevance, w.diversity_penalty, w.score, w.emotional, w.action,
       w.dramatic, w.prominence, w.crops, w.image_full, w.image_16x9, w.image_2x3,
       w.image_1x1, w.metadata, printf('%016x', t.id * 16 + v.number)
FROM titles t
JOIN titles s ON s.title_id = '$CLIP'
JOIN variants v ON v.title = s.id
JOIN variants w ON w.title = s.id
    AND w.number = ((v.number - 1 + CAST(substr(t.title_id, 2) AS INTEGER)) % $NV) + 1
WHERE t.title_id GLOB 't[0-9][0-9][0-9][0-9]';
WITH RECURSIVE u(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM u WHERE i < $USERS - 1)
INSERT INTO users (user_key) SELECT printf('u%05d', i) FROM u;
-- Per user: impressions of 3 titles; every 4th user clicks the third and plays it.
WITH RECURSIVE u(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM u WHERE i < $USERS - 1),
k(j) AS (VALUES (0), (1), (2), (3), (4)),
e AS (SELECT i, j, min(j, 2) AS m FROM u, k WHERE j < 3 OR i % 4 = 0)
INSERT INTO events (client_id, type, user_key, title_id, variant_number, policy, propensity,
                    ts, received_at)
SELECT printf('seed-%d-%d', i, j),
       CASE j WHEN 3 THEN 'click' WHEN 4 THEN 'play' ELSE 'impression' END,
       printf('u%05d', i), printf('t%04d', (i * 37 + m * 101) % $TITLES), ((i + m) % $NV) + 1,
       'uniform', 1.0 / $NV, $NOW - 7200 + (i * 5 + j) * 0.1, $NOW - 7200 + (i * 5 + j) * 0.1
FROM e ORDER BY i, j;
COMMIT;
SQL
read -r n_titles n_variants n_users n_events < <(sqlite3 -separator ' ' "$DB" "SELECT
    (SELECT count(*) FROM titles WHERE title_id GLOB 't[0-9]*'), (SELECT count(*) FROM variants),
    (SELECT count(*) FROM users), (SELECT count(*) FROM events)")
t1=$(date +%s.%N)
log "database: $n_titles titles, $n_variants variants, $n_users users, $n_events events ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s)"

# ---- one server per policy ------------------------------------------------------------------
# start_server POLICY [ARGS...]: sets URL (ARGS: more options of keyart serve)
start_server() {
    cp "$DB" "$WORK/run.db"
    rm -f "$WORK/run.db-wal" "$WORK/run.db-shm"
    "$KEYART" serve --db "sqlite:$WORK/run.db" --listen 127.0.0.1:0 --artwork "$ART" \
        --policy "$1" --threads "$SERVER_THREADS" --snapshot 0 --token bench "${@:2}" \
        >"$WORK/server.log" 2>&1 </dev/null &
    SERVER_PID=$!
    local port="" ts
    ts=$(date +%s.%N)
    for _ in $(seq 1200); do
        port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p' "$WORK/server.log" | head -n1)
        [ -n "$port" ] && break
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$port" ] || { log "the server did not start: $(tail -n 3 "$WORK/server.log")"; exit 1; }
    URL="http://127.0.0.1:$port"
    LISTEN=$(awk -v a="$ts" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    for _ in $(seq 6000); do     # then until it has folded the event log
        [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" == 200 ] && break
        sleep 0.05
    done
    STARTUP=$(awk -v a="$ts" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
}

stop_server() {
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

metric() { curl -s "$URL/metrics" | awk -v s="$1" '$1 == s { print $2 }'; }

# run MODE SECONDS: prints "req/s p50_ms p99_ms non2xx sockerr"
run() {
    local out
    out=$(wrk -t "$WRK_THREADS" -c "$CONNS" -d "${2}s" --timeout 5s -s "$LUA" "$URL" -- "$1" \
        "$USERS" "$TITLES" "$NV" 2>&1) || { log "wrk failed: $out"; exit 1; }
    awk '$1 == "RESULT" { printf "%.0f %.3f %.3f %d %d\n", $2 / $3, $4 / 1000, $5 / 1000, $6, $7 }' <<<"$out"
}

echo "keyart serve under wrk: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg);" \
     "server: $SERVER_THREADS threads, SQLite; wrk: $WRK_THREADS thread(s), $CONNS connections, ${DURATION} s per run"
echo "$n_titles titles x $NV variants, $n_users users with profiles, $n_events events folded at start"
echo "target for /v1/artwork: >= 40000 requests/s with p99 < 2 ms"
echo
printf '%-9s %-12s %10s %9s %9s %8s %8s\n' policy route "req/s" "p50 ms" "p99 ms" "non-2xx" errors
for policy in "${POLICIES[@]}"; do
    start_server "$policy"
    probe=$(curl -s "$URL/v1/artwork?user=u00042&title=t0042")
    if ! jq -e --arg p "$policy" '.variant_number >= 1 and .policy == $p' <<<"$probe" >/dev/null 2>&1; then
        log "$policy: unexpected answer: $probe"
        stop_server
        continue
    fi
    profiles=$(metric keyart_profiles)
    titles=$(metric keyart_titles)
    run artwork 2 >/dev/null           # warm-up: caches, connections, page faults
    read -r l_rps l_p50 l_p99 l_bad l_err < <(run livez "$DURATION")
    read -r a_rps a_p50 a_p99 a_bad a_err < <(run artwork "$DURATION")
    printf '%-9s %-12s %10s %9s %9s %8s %8s\n' "$policy" /livez "$l_rps" "$l_p50" "$l_p99" "$l_bad" "$l_err"
    printf '%-9s %-12s %10s %9s %9s %8s %8s\n' "$policy" /v1/artwork "$a_rps" "$a_p50" "$a_p99" "$a_bad" "$a_err"
    awk -v p="$policy" -v ar="$a_rps" -v lr="$l_rps" -v a5="$a_p50" -v l5="$l_p50" -v a9="$a_p99" \
        -v l9="$l_p99" -v s="$STARTUP" -v li="$LISTEN" -v pr="$profiles" -v ti="$titles" 'BEGIN {
        printf "%-9s artwork/livez: req/s x%.2f, p50 x%.2f, p99 x%.2f  (listening after %s s, ready after %s s, %s titles, %s profiles)\n",
            p, ar / lr, (l5 > 0 ? a5 / l5 : 0), (l9 > 0 ? a9 / l9 : 0), li, s, ti, pr }'
    stop_server
done

# Overload: decisions and event batches (mixed) on a server of --threads 4 that takes
# --max-inflight 2, at as many connections as it takes, 10x and 100x that; the ratios
# say what the excess costs those still answered (goodput: 2xx per second).
overload() {
    local c=$CONNS k shed=0 now rps p50 p99 bad err
    start_server thompson --threads 4 --max-inflight 2
    for k in 1 10 100; do
        CONNS=$((2 * k))
        read -r rps p50 p99 bad err < <(run mixed "$DURATION")
        now=$(metric keyart_http_shed_total)
        printf '%s %s %s %s %s\n' "$k" "$rps" "$p99" "$bad" "$((now - shed))"
        shed=$now
    done >"$WORK/overload.txt"
    CONNS=$c
    stop_server
    echo
    awk -v d="$DURATION" '{
        k = $1; rps[k] = $2; p99[k] = $3; good[k] = $2 - $4 / d
        printf "overload x%-3d (mixed, 4 threads, --max-inflight 2, %3d connections): %6.0f req/s, 2xx %6.0f/s, %5.1f%% shed, p99 %7.2f ms", k, 2 * k, $2, good[k], ($2 > 0 ? 100 * $5 / ($2 * d) : 0), $3
        if (k > 1)
            printf "  vs x1: req/s x%.2f, goodput x%.2f, p99 x%.1f", $2 / rps[1], (good[1] > 0 ? good[k] / good[1] : 0), (p99[1] > 0 ? $3 / p99[1] : 0)
        printf "\n" }' "$WORK/overload.txt"
}
[ "${KEYART_BENCH_OVERLOAD:-1}" == 1 ] && overload

# The same choice without HTTP: the in-process cost per policy (target: under 1 us).
echo
"$BUILD/bench/bench_serve_choice" 1000000
