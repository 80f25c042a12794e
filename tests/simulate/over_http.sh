#!/bin/bash
# over_http.sh BACKEND: `keyart simulate --over-http URL` against a real `keyart serve
# --clock request` on loopback gives the very report of the same run in process, for
# several policies on SQLite (LinUCB alone on PostgreSQL) (the server decides from (seed, user, title, time) as the engine does, folds
# each row's events as they arrive and learns when the simulator says a refresh is due).
# A server that is not there, is on the wall clock, decides by another policy, refuses
# the token, already holds the run's events, or answers no JSON ends the run with a
# message that says so, not a crash (on SQLite); --over-http's usage errors are usage
# errors.
set -euo pipefail
source "$(dirname "$0")/../cli/lib.sh"
source "$(dirname "$0")/../store/lib_store.sh"
source "$(dirname "$0")/../serve/lib_serve.sh"

# a store of two real titles (shared clips analysed into it): the servers' catalogue
if [ "$BACKEND" == pg ]; then
    cat_url=$(fresh_db sim_over_http)
    POLICIES=(linucb)
else
    cat_url="sqlite:$WORK/cat.db"
    POLICIES=(thompson linucb seed)
fi
for clip in faces_single_shot_3s caminandes_10s; do
    ka_run "analyze-$clip" "$KEYART_BIN" analyze "$MEDIA/$clip.mp4" --db "$cat_url" \
        --artwork "$WORK/art" -q -o "$WORK/out-$clip" --title-id "$clip"
    check_rc "$clip analysed into the store" 0
done

RUN=(--db "$cat_url" --users 300 --days 3 --seed 5 --json)
for policy in "${POLICIES[@]}"; do
    # a store of its own: the events land there (on PostgreSQL, the one run's is the
    # catalogue's own: the simulation reads only its titles)
    db="$cat_url"
    if [ "$BACKEND" == sqlite ]; then
        cp "$WORK/cat.db" "$WORK/$policy.db"
        db="sqlite:$WORK/$policy.db"
    fi
    serve_start "$policy" "$db" "$WORK/art" --policy "$policy" --seed 5 --clock request
    ka_run "inproc-$policy" "$KEYART_BIN" simulate "${RUN[@]}" --policies "$policy"
    check_rc "$policy in process" 0
    cp "$OUT" "$WORK/inproc-$policy.json"
    ka_run "http-$policy" "$KEYART_BIN" simulate "${RUN[@]}" --policies "$policy" \
        --over-http "${URL_OF[$policy]}" --token "$TOKEN"
    check_rc "$policy over HTTP" 0
    check "$policy: a run with clicks" \
        test "$(jq '.policies[0].clicks' "$OUT")" -gt 10
    check_eq "$policy: the same report over HTTP as in process" \
        "$(jq -S . "$WORK/inproc-$policy.json")" "$(jq -S . "$OUT")"
    check_eq "$policy: every event of the run is in the server's store" \
        "$(jq '.policies[0].impressions' "$OUT")" \
        "$(db_sql "$db" "SELECT count(*) FROM events WHERE type = 'impression'")"
    check_eq "$policy: the server decided by its policy, with propensities" "$policy" \
        "$(db_sql "$db" "SELECT DISTINCT policy FROM events WHERE propensity > 0 AND propensity <= 1")"
    if [ "$policy" == thompson ]; then
        # the same run again: the store already has its events, so it cannot be the same
        ka_run "again" "$KEYART_BIN" simulate "${RUN[@]}" --policies thompson \
            --over-http "${URL_OF[thompson]}" --token "$TOKEN"
        check_rc "a server that already has the run's events" 3
        check_grep "it says the run needs a store of its own" "$ERR" "a store of its own"
        ka_run "other-policy" "$KEYART_BIN" simulate "${RUN[@]}" --policies linucb \
            --over-http "${URL_OF[thompson]}" --token "$TOKEN"
        check_rc "a server deciding by another policy" 1
        check_grep "it names both" "$ERR" "decides by 'thompson', not 'linucb'"
        ka_run "bad-token" "$KEYART_BIN" simulate "${RUN[@]}" --users 20 --seed 6 \
            --policies thompson --over-http "${URL_OF[thompson]}" --token wrong
        check_rc "a wrong token" 3
        check_grep "the server's answer is quoted" "$ERR" "HTTP 40[13]"
        # without ?now= support: a server on the wall clock refuses the simulated time
        http "refresh" POST "${URL_OF[thompson]}/v1/admin/refresh" "${AUTH[@]}"
        check_code "an asked-for refresh" 200
        check "it says how far it folded" jq -e '.watermark > 0 and .folded > 0' "$BODY"
    fi
    serve_stop "$policy"
done
if [ "$BACKEND" == pg ]; then
    finish
    exit 0
fi

serve_start wall "sqlite:$WORK/thompson.db" "$WORK/art" --policy thompson --seed 5
ka_run "wall" "$KEYART_BIN" simulate "${RUN[@]}" --policies thompson --seed 7 \
    --over-http "${URL_OF[wall]}" --token "$TOKEN"
check_rc "a server on the wall clock" 3
check_grep "it says why" "$ERR" "keyart serve --clock request"
http "now-refused" GET "${URL_OF[wall]}/v1/artwork?user=u&title=faces_single_shot_3s&now=1767225600"
check_error "now= on the wall clock" 400 "clock request"
serve_stop wall
serve_start bad-now "sqlite:$WORK/thompson.db" "$WORK/art" --clock request
for now in abc 12 1e300 nan; do
    http "now-$now" GET "${URL_OF[bad-now]}/v1/artwork?user=u&title=faces_single_shot_3s&now=$now"
    check_error "now=$now" 400 "Unix seconds"
done
http "now-events" POST "${URL_OF[bad-now]}/v1/events?now=x" "${AUTH[@]}" "${JSON[@]}" -d '{"events": []}'
check_error "now=x on events" 400 "Unix seconds"
serve_stop bad-now

ka_run "down" "$KEYART_BIN" simulate "${RUN[@]}" --policies thompson --over-http http://127.0.0.1:1
check_rc "no server there" 3
check_grep "it says it cannot reach it" "$ERR" "cannot reach keyart serve"
# something that answers HTTP, but not keyart's JSON
mkdir -p "$WORK/www"
python3 -m http.server 0 --bind 127.0.0.1 --directory "$WORK/www" >"$WORK/www.log" 2>&1 &
www=$!
wait_for 20 grep -q "port" "$WORK/www.log"
port=$(sed -n 's/.*port \([0-9][0-9]*\).*/\1/p' "$WORK/www.log" | head -n1)
ka_run "notjson" "$KEYART_BIN" simulate "${RUN[@]}" --policies thompson \
    --over-http "http://127.0.0.1:$port"
kill "$www" 2>/dev/null || true
check_rc "a server that answers no JSON" 3
check_grep "it says so" "$ERR" "no JSON object"

ka_run "two" "$KEYART_BIN" simulate "${RUN[@]}" --policies thompson,seed --over-http http://127.0.0.1:1
check_rc "--over-http runs one policy" 1
ka_run "nodb" "$KEYART_BIN" simulate --users 10 --policies thompson --over-http http://127.0.0.1:1
check_rc "--over-http needs --db" 1
ka_run "oracle" "$KEYART_BIN" simulate "${RUN[@]}" --policies oracle --over-http http://127.0.0.1:1
check_rc "the oracle needs no server" 1
finish
