#!/usr/bin/env bash
# overload.sh BACKEND: `keyart serve` far past what it can answer, on a real database
# (sqlite or pg) with one analysed clip, and a server of 4 threads that takes 2
# requests at once (--max-inflight 2) on at most 64 connections.
#   1. Two event POSTs whose bodies have not all come hold both places: a third request
#      gets 503 with Retry-After and the error body at once, and stores nothing, while
#      /livez, /healthz and /metrics answer; once the bodies come, both are stored.
#   2. wrk on 200 connections (3x the connection limit) posts batches of events with
#      ids never sent before (tests/serve/overload.lua) and asks for decisions, while
#      curl polls /livez and /healthz: every probe must answer 200; some requests must
#      be shed with 503 and Retry-After; every batch acknowledged (200) must be stored
#      whole, each event once; the server's memory must stay bounded and it must answer
#      normally after, and stop cleanly. Nothing here is timed: the load lasts a fixed
#      while, and only what the server answered is checked.
set -euo pipefail
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/../store/lib_store.sh"
. "$(dirname "$0")/lib_serve.sh"

LUA="$(cd "$(dirname "$0")" && pwd)/overload.lua"
command -v wrk >/dev/null || { fail "wrk is installed (scripts/setup.sh)"; exit 1; }
DB=$(fresh_db serve_overload)
ART="$WORK/artwork"
T=faces_single_shot_3s
CONNS=200
PER_BATCH=5
ka_run analyze env KEYART_DB="$DB" KEYART_ARTWORK="$ART" "$KEYART_BIN" analyze \
    "$MEDIA/$T.mp4" -o "$WORK/out" --quiet
check_rc "analyse $T into the $BACKEND database" 0

# ASan keeps freed memory aside (256 MB by default): a smaller quarantine lets the
# server's resident size say what it holds.
ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=16" \
    serve_start O "$DB" "$ART" --threads 4 --max-inflight 2 --max-connections 64
U=${URL_OF[O]}
PORT=${U##*:}
PID=${PID_OF[O]}
trap '' PIPE        # writes to connections the server closed fail, not kill the script
V=$(curl -s "$U/v1/titles/$T/variants" | jq '.variants[0].variant_number')
check "the title has a first variant ($V)" test "$V" -ge 1
NOW=$(date +%s)
check_eq "/metrics: the limits in force" "2" "$(metric "$U" keyart_http_max_inflight)"

event() {   # event ID: one impression, as JSON
    printf '{"id":"%s","type":"impression","user":"h","title_id":"%s","variant_number":%d,"ts":%d}' \
        "$1" "$T" "$V" "$NOW"
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$PID/status"; }

# ---- 1. both places held: the next request is shed at once ----------------------------------
HELD=()
for i in 1 2; do
    body="{\"events\":[$(event "held-$i")]}"
    exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
    printf 'POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n%s\r\n%s\r\n%s\r\n\r\n%s' \
        "$TOKEN" "Content-Type: application/json" "Content-Length: ${#body}" \
        "Connection: close" "${body:0:10}" >&"$fd"
    HELD+=("$fd:$body")
done
in_flight() { [ "$(metric "$U" keyart_http_inflight)" == 2 ]; }
check "two POSTs whose bodies are on their way are in flight" wait_for 30 in_flight
http shed-get GET "$U/v1/artwork?user=u1&title=$T"
check_error "a decision beyond --max-inflight" 503 'overloaded.*--max-inflight'
check_eq "it says when to try again (Retry-After)" 1 "$(header Retry-After)"
printf '{"events":[%s]}' "$(event shed-1)" >"$WORK/shed.json"
http shed-post POST "$U/v1/events" "${AUTH[@]}" "${JSON[@]}" --data-binary "@$WORK/shed.json"
check_error "an event POST beyond --max-inflight" 503 'overloaded'
for probe in livez healthz metrics; do
    http "held-$probe" GET "$U/$probe" --max-time 10
    check_code "/$probe answers while every place is taken" 200
done
check_eq "/metrics counts the two shed" 2 "$(metric "$U" keyart_http_shed_total)"
for h in "${HELD[@]}"; do
    fd=${h%%:*}
    body=${h#*:}
    printf '%s' "${body:10}" >&"$fd"
    reply=$(timeout 30 cat <&"$fd" || true)
    exec {fd}>&-
    status=$(sed -n '1s|^HTTP/1\.1 \([0-9]*\).*|\1|p' <<<"$reply" | tr -d '\r')
    check_eq "a held POST, its body complete, is answered 200 with its event" \
        "200 1" "$status $(tail -n1 <<<"$reply" | jq -r .accepted 2>/dev/null)"
done
check_eq "the held events are stored, the shed one is not" "held-1 held-2" \
    "$(db_sql "$DB" "SELECT client_id FROM events WHERE client_id LIKE 'held-%'
                     OR client_id LIKE 'shed-%' ORDER BY client_id" | tr '\n' ' ' | sed 's/ $//')"
check_eq "nothing in flight once they are answered" 0 "$(metric "$U" keyart_http_inflight)"

# ---- 2. wrk far past capacity, probes beside it ----------------------------------------------
RSS0=$(rss_kb)
OUT="$WORK/wrk"
mkdir -p "$OUT"
PROBES="$WORK/probes"
: >"$PROBES"
(
    while [ ! -e "$WORK/stop-probes" ]; do
        for p in livez healthz; do
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$U/$p" || true)
            printf '%s %s\n' "$p" "$code" >>"$PROBES"
        done
        sleep 0.2
    done
) &
PROBER=$!
wrk -t2 -c"$CONNS" -d15s --timeout 10s -s "$LUA" "$U" -- "$TOKEN" "$T" "$V" "$OUT" "$PER_BATCH" \
    >"$WORK/wrk.txt" 2>&1 || true
touch "$WORK/stop-probes"
wait "$PROBER" || true
sed 's/^/       wrk: /' "$WORK/wrk.txt"
cat "$OUT"/replies-* >"$WORK/replies"

n_probes=$(wc -l <"$PROBES")
check "curl probed /livez and /healthz during the load ($((n_probes / 2)) times each)" \
    test "$n_probes" -ge 20
check_eq "every probe during the load was answered 200" "" \
    "$(awk '$2 != 200 { printf "%s:%s ", $1, $2 }' "$PROBES")"
read -r n_ok n_shed n_shed_bad n_other <<<"$(awk '
    $1 == 200 { ok++ }
    $1 == 503 { shed++; if ($2 != "1") bad++ }
    $1 != 200 && $1 != 503 { other++ }
    END { print ok + 0, shed + 0, bad + 0, other + 0 }' "$WORK/replies")"
check "requests were answered 200 under the load ($n_ok)" test "$n_ok" -gt 0
check "requests were shed with 503 ($n_shed)" test "$n_shed" -gt 0
check_eq "every 503 said Retry-After: 1" 0 "$n_shed_bad"
check_eq "no answer but 200 and 503" 0 "$n_other"
check "/metrics counts them shed" test "$(metric "$U" keyart_http_shed_total)" -ge "$n_shed"
check "past 7/8 of --max-connections, replies closed their connection" \
    test "$(metric "$U" keyart_http_closed_crowded_total)" -gt 0

# Acknowledged batches: the replies that name their marker; each must be stored whole.
awk '$1 == 200 && $3 != "-" { print $3, $4 }' "$WORK/replies" | sort >"$WORK/acked"
n_acked=$(wc -l <"$WORK/acked")
check "event batches were acknowledged ($n_acked)" test "$n_acked" -gt 0
check_eq "each acknowledgement counts all $PER_BATCH events accepted" "" \
    "$(awk -v k="$PER_BATCH" '$2 != k { print; exit }' "$WORK/acked")"
db_sql "$DB" "SELECT client_id FROM events WHERE client_id LIKE 'o%'" >"$WORK/stored-ids"
check_eq "no event id is stored twice" "" "$(sort "$WORK/stored-ids" | uniq -d | head -n3 | tr '\n' ' ')"
sed 's/-[0-9]*$//' "$WORK/stored-ids" | sort | uniq -c | awk '{ print $2, $1 }' >"$WORK/stored"
check_eq "every acknowledged batch is stored, each of its events once" "" \
    "$(join -a1 "$WORK/acked" "$WORK/stored" |
       awk -v k="$PER_BATCH" 'NF < 3 || $3 != k { print $1; n++ } n == 3 { exit }' | tr '\n' ' ')"
check_eq "no batch is stored in part" "" \
    "$(awk -v k="$PER_BATCH" '$2 != k { print $1 }' "$WORK/stored" | head -n3 | tr '\n' ' ')"
# A batch may be stored without wrk reading its answer: sent before wrk stopped, its
# reply found the connection closed. At most one per connection.
unacked=$(join -v2 "$WORK/acked" "$WORK/stored" | wc -l)
check "batches stored but not acknowledged ($unacked) were at most the connections in use" \
    test "$unacked" -le "$CONNS"

# ---- after the load -----------------------------------------------------------------------------
RSS1=$(rss_kb)
check "resident memory stayed bounded ($((RSS0 / 1024)) MB before, $((RSS1 / 1024)) MB after)" \
    test "$RSS1" -le $((RSS0 + 96 * 1024))
in_flight_none() { [ "$(metric "$U" keyart_http_inflight)" == 0 ]; }
check "nothing is left in flight" wait_for 30 in_flight_none
http after GET "$U/v1/artwork?user=u1&title=$T"
check_code "a decision after the load" 200
printf '{"events":[%s]}' "$(event after-1)" >"$WORK/after.json"
http after-post POST "$U/v1/events" "${AUTH[@]}" "${JSON[@]}" --data-binary "@$WORK/after.json"
check_code "an event POST after the load" 200
serve_stop O
finish
