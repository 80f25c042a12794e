#!/usr/bin/env bash
# kill_serve.sh: `keyart serve` SIGKILLed at random points, at least 20 times, while a
# client posts batches of events (experiment impressions) and records which were
# acknowledged; a new server is started on the same SQLite database after each kill
# (some are killed while they load, most while they store events). After every kill:
# the database passes integrity_check and holds every acknowledged event, none twice.
# At the end a server that is not killed takes every batch sent when it is posted
# again (accepted or duplicate), every event is stored once, and the experiment's
# report counts each stored impression once.
set -euo pipefail
source "$(dirname "$0")/../cli/lib.sh"
source "$(dirname "$0")/../store/lib_store.sh" sqlite
source "$(dirname "$0")/../serve/lib_serve.sh"
source "$(dirname "$0")/lib_faults.sh"

KILLS=${KEYART_FAULT_KILLS:-20}
DB="sqlite:$WORK/keyart.db"
ART="$WORK/artwork"
ka_run analyze "$KEYART_BIN" analyze "$MEDIA/faces_single_shot_3s.mp4" --title-id t -q \
    --stage-opt faces.enabled=0 --db "$DB" --artwork "$ART" -o "$WORK/out"
check_rc "a title to serve" 0

serve_start first "$DB" "$ART" --refresh 0.3
check_eq "an experiment on it" 200 "$(experiment_start "${URL_OF[first]}" t)"
serve_stop first
C="$WORK/cl"
mkdir -p "$C"
event_client "$WORK/url" t "$C" &
CL=$!
bg "$CL"

whole_now() {
    sqlite_ok "${DB#sqlite:}" || echo "integrity_check: $(sqlite3 "${DB#sqlite:}" 'PRAGMA integrity_check' 2>&1 | head -n 3)"
    local h
    h=$(acked_missing "$DB" "$C")
    [ -z "$h" ] || echo "acknowledged, not stored: $(echo $h | cut -c1-200)"
    h=$(db_sql "$DB" "SELECT count(*) - count(DISTINCT client_id) FROM events")
    [ "$h" == 0 ] || echo "$h events stored twice"
}

kills=0 bad=0 i=0
while [ "$kills" -lt "$KILLS" ] && [ "$i" -lt $((KILLS * 2)) ]; do
    i=$((i + 1))
    SERVE_NO_WAIT=1 serve_start "k$i" "$DB" "$ART" --refresh 0.3 >/dev/null
    echo "${URL_OF[k$i]}" >"$WORK/url"
    rand_sleep 0.1 2.5
    kill -KILL "${PID_OF[k$i]}" 2>/dev/null || true
    st=0
    wait "${PID_OF[k$i]}" 2>/dev/null || st=$?
    unset "PID_OF[k$i]"
    [ "$st" -eq 137 ] && kills=$((kills + 1))
    why=$(whole_now)
    if [ -n "$why" ]; then
        bad=$((bad + 1))
        fail "after server $i (exit $st): database whole, acknowledged events stored once" "$why"
    fi
done
check "$KILLS servers killed ($kills killed, $i servers)" test "$kills" -ge "$KILLS"
check_eq "after every kill: the database whole, every acknowledged event stored, once" 0 "$bad"
check_no_sanitizer "no sanitizer report from the killed servers" "$WORK"/server-k*.log

serve_start last "$DB" "$ART" --refresh 0.3
URL=${URL_OF[last]}
echo "$URL" >"$WORK/url"
N0=$(wc -l <"$C/acked" 2>/dev/null || echo 0)
acked() { [ "$(wc -l <"$C/acked" 2>/dev/null || echo 0)" -ge "$1" ]; }
check "a server not killed stores the client's batches" wait_for 60 acked $((N0 + 3))
client_done "$CL" "$C"
events_settled "$URL" "$DB" "$C"
check "the database passes integrity_check" sqlite_ok "${DB#sqlite:}"
serve_stop last
finish
