#!/usr/bin/env bash
# pg_restart.sh: the PostgreSQL server restarted (pg_ctl restart -m fast) under keyart,
# on a cluster of this script's own.
#  1. Mid-run: a worker draining three jobs sees the server restart while it analyses
#     (its heartbeat's connection and its own are cut), and again a little later:
#     it connects again, every job ends done, each title stored once and whole.
#  2. Mid-serve: a client posts event batches to `keyart serve` while the server
#     restarts twice: requests fail (503) or wait while it is down, then the server
#     stores again without being restarted; every batch acknowledged (200) is stored,
#     once; every batch sent, posted again, is taken (accepted or duplicate); the
#     experiment's report counts each stored impression once.
#  3. Down for longer than keyart waits for it: serve refuses events (503) after its
#     wait, the next request at once; once the server is back serve stores again,
#     and the refused batches sent again are stored, once.
set -euo pipefail
source "$(dirname "$0")/../cli/lib.sh"
source "$(dirname "$0")/lib_faults.sh"
own_pg_start
source "$(dirname "$0")/../store/lib_store.sh" pg
source "$(dirname "$0")/../serve/lib_serve.sh"
trap faults__exit EXIT              # (lib_serve.sh set its own; ours calls it)

CLIP="$MEDIA/faces_single_shot_3s.mp4"
ART="$WORK/artwork"
mkdir -p "$WORK/tmp"
export TMPDIR="$WORK/tmp"

# ---- 1. a worker
DB=$(fresh_db run)
for t in r1 r2 r3; do
    "$KEYART_BIN" enqueue "$CLIP" --title-id "$t" --stage-opt faces.enabled=0 --db "$DB" >/dev/null
done
"$KEYART_BIN" worker --db "$DB" --artwork "$ART" --drain --lease 4 --poll 0.2 --name W \
    >"$WORK/worker.out" 2>"$WORK/worker.err" &
W=$!
bg "$W"
running() { [ "$(db_sql "$DB" "SELECT count(*) FROM jobs WHERE state = 'running'")" == 1 ]; }
check "the worker is running a job" wait_for 60 running
rand_sleep 0.5 2
check "the server restarts while the worker analyses" pg_restart
rand_sleep 2 5
check "  and again a little later" pg_restart
st=0
for _ in $(seq 900); do kill -0 "$W" 2>/dev/null || break; sleep 0.2; done
if kill -0 "$W" 2>/dev/null; then
    fail "the worker drains the queue within 3 minutes" "$(tail -n 5 "$WORK/worker.err")"
    kill -KILL "$W"
fi
wait "$W" || st=$?
check_eq "the worker exits 0" 0 "$st"
check_no_sanitizer "  no sanitizer report" "$WORK/worker.err"
check_grep "  it connected again" "$WORK/worker.err" 'connection was lost; connected again'
check_eq "every job is done" "3" "$(db_sql "$DB" "SELECT count(*) FROM jobs WHERE state = 'done'")"
check_eq "each title stored once" "r1|1 r2|1 r3|1" \
    "$(db_sql "$DB" "SELECT title_id, analysis_version FROM titles ORDER BY 1" | tr '\n' ' ' | sed 's/ $//')"
check_eq "  whole" "" "$(half_titles "$DB")"
check_eq "  their images are there" "" "$(missing_art "$DB" "$ART")"
echo "       (attempts: $(db_sql "$DB" "SELECT string_agg(title_id || '=' || attempts, ' ') FROM jobs"))"

# ---- 2. serve
serve_start S "$DB" "$ART" --refresh 0.3
URL=${URL_OF[S]}
check_eq "an experiment on r1" 200 "$(experiment_start "$URL" r1)"
echo "$URL" >"$WORK/url"
C="$WORK/cl"
mkdir -p "$C"
event_client "$WORK/url" r1 "$C" &
CL=$!
bg "$CL"
acked() { [ "$(wc -l <"$C/acked" 2>/dev/null || echo 0)" -ge "$1" ]; }
check "the client's batches are acknowledged" wait_for 60 acked 5
check "the server restarts while the client posts" pg_restart
rand_sleep 0.5 2
check "  and again" pg_restart
N0=$(wc -l <"$C/acked")
check "serve stores again after the restarts" wait_for 90 acked $((N0 + 10))
client_done "$CL" "$C"
check_grep "serve connected again" "${LOG_OF[S]}" 'connection was lost; connected again'
events_settled "$URL" "$DB" "$C"

# ---- 3. down for longer than keyart waits for it (30 s)
batch() {
    jq -nc --arg p "$1" '{events: [range(4) | {id: "\($p)-\(.)", type: "impression",
        user: "\($p)-u\(.)", title_id: "r1", variant_number: 1}]}' >"$WORK/$1.json"
}
batch down1
batch down2
check "the server stops" pg_stop
t0=$SECONDS
http down1 POST "$URL/v1/events" "${AUTH[@]}" "${JSON[@]}" --data-binary "@$WORK/down1.json"
check_error "serve waits for it, then refuses the events" 503 "send them again"
echo "       (after $((SECONDS - t0)) s)"
t0=$SECONDS
http down2 POST "$URL/v1/events" "${AUTH[@]}" "${JSON[@]}" --data-binary "@$WORK/down2.json"
check_code "  the next request is refused" 503
check "  at once, not after another wait ($((SECONDS - t0)) s)" test $((SECONDS - t0)) -le 5
check "the server starts again" pg_start
post_down2() {
    http down2-again POST "$URL/v1/events" "${AUTH[@]}" "${JSON[@]}" --data-binary "@$WORK/down2.json"
    [ "$CODE" == 200 ]
}
check "serve stores again (no restart of its own)" wait_for 60 post_down2
http down1-again POST "$URL/v1/events" "${AUTH[@]}" "${JSON[@]}" --data-binary "@$WORK/down1.json"
check_eq "  the refused batch, sent again, is stored" "200 4" "$CODE $(jqv .accepted "$BODY")"
check_eq "  each event once" "8 8" "$(db_sql "$DB" "SELECT count(*), count(DISTINCT client_id) FROM events WHERE client_id LIKE 'down%'" | tr '|' ' ')"
serve_stop S
drop_dbs
finish
