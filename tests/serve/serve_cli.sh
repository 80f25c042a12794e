#!/bin/bash
# serve_cli.sh: `keyart serve`'s command line refuses what would otherwise go wrong
# silently, before it opens anything: a port out of range (it used to listen on the
# port modulo 65536), an address without a port; a database that does not exist (a
# mistyped path used to make an empty one) unless --create; --threads 1 without the
# HTTP library's warning; the access log, one line per request without the query
# string (it carries user ids), and none with --quiet; overload limits out of range
# (--max-inflight, --max-connections). And a server listens at once:
# while it loads its state (a long event log; here a test hook stalls it) /livez
# answers, /healthz says "loading" and the other routes 503 with Retry-After, storing
# nothing; then every route answers.
set -euo pipefail
source "$(dirname "$0")/../cli/lib.sh"
source "$(dirname "$0")/lib_serve.sh"
K="$KEYART_BIN"
DB="$WORK/new.db"
ART="$WORK/artwork"

for bad in 127.0.0.1:99999 127.0.0.1:-1 127.0.0.1:80x 8080; do
    ka_run "listen-$bad" "$K" serve --db "sqlite:$DB" --create --listen "$bad"
    check_rc "--listen $bad: usage error" 1
    check_grep "  it says what a port is" "$ERR" "port from 0 to 65535"
done
check "  and opened nothing" test ! -e "$DB"
# The overload limits: none, absurd, or too few connections for the threads.
for bad in "--max-inflight 0" "--max-inflight 70000" "--max-connections 3" \
           "--max-connections 6 --threads 4"; do
    # shellcheck disable=SC2086 # the option and its value are two words
    ka_run "limits-$bad" "$K" serve --db "sqlite:$DB" --create --listen 127.0.0.1:0 $bad
    check_rc "$bad: usage error" 1
    check_grep "  it names the option" "$ERR" "${bad%% *}"
done
check "  and opened nothing" test ! -e "$DB"

ka_run missing "$K" serve --db "sqlite:$DB" --listen 127.0.0.1:0
check_rc "a database that does not exist: refused" 3
check_grep "  it names it and says how to make one" "$ERR" "$DB.*--create"
check "  and made none" test ! -e "$DB"

serve_start C "sqlite:$DB" "$ART" --create --threads 1
check "--create: the database is made" test -s "$DB"
http livez GET "${URL_OF[C]}/livez"
check_code "it answers" 200
http arts GET "${URL_OF[C]}/v1/artwork?user=secret-user-42&title=none"
check_code "an unknown title: 404" 404
serve_stop C
check_not_grep "--threads 1: no warning of the HTTP library" "${LOG_OF[C]}" "Warning|thread pool"
check_grep "the access log: method, path, status, milliseconds" "${LOG_OF[C]}" \
    "keyart serve: GET /livez 200 [0-9.]+ ms"
check_grep "  every request" "${LOG_OF[C]}" "keyart serve: GET /v1/artwork 404 "
check_not_grep "  never the query (user ids)" "${LOG_OF[C]}" "secret-user-42"

# ---- listening at once, ready once loaded
export KEYART_TEST_LOAD_STALL=4
SERVE_NO_WAIT=1 serve_start L "sqlite:$DB" "$ART" --token "$TOKEN"
unset KEYART_TEST_LOAD_STALL
L=${URL_OF[L]}
http l-livez GET "$L/livez"
check_code "loading: /livez answers" 200
http l-health GET "$L/healthz"
check_code "  /healthz: 503" 503
check "  saying loading" jq -e '.status == "loading"' "$BODY"
http l-art GET "$L/v1/artwork?user=u&title=t"
check_error "  an artwork request: 503, try again" 503 "loading"
check_eq "  with Retry-After" 1 "$(header Retry-After)"
http l-ev POST "$L/v1/events" "${AUTH[@]}" "${JSON[@]}" \
    -d '{"events": [{"id": "early", "type": "skip", "user": "u", "title_id": "t"}]}'
check_error "  events: 503, not stored" 503 "loading"
check_eq "  (nothing stored)" 0 "$(sqlite3 "$DB" "SELECT count(*) FROM events")"
ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$L/healthz")" == 200 ]; }
check "then it is ready" wait_for 30 ready
check_grep "  and says so" "${LOG_OF[L]}" "keyart serve: ready: [0-9]+ events folded in"
http l-art2 GET "$L/v1/artwork?user=u&title=t"
check_code "  an artwork request is answered (an unknown title: 404)" 404
serve_stop L

# --quiet says nothing, not even its port: a free one is picked here
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$K" serve --db "sqlite:$DB" --listen "127.0.0.1:$PORT" --artwork "$ART" --quiet \
    >"$WORK/quiet.log" 2>&1 </dev/null &
PID_OF[Q]=$!
LOG_OF[Q]="$WORK/quiet.log"
check "the existing database, quiet: it answers" wait_for 60 curl -sf "http://127.0.0.1:$PORT/livez"
http livez-q GET "http://127.0.0.1:$PORT/livez"
check_code "  /livez" 200
kill -TERM "${PID_OF[Q]}"
wait "${PID_OF[Q]}" || true
unset "PID_OF[Q]"
check_eq "--quiet: nothing at all on stderr" "" "$(cat "$WORK/quiet.log")"
finish
