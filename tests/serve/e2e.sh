#!/usr/bin/env bash
# e2e.sh BACKEND: `keyart serve` end to end on a real database (sqlite or pg) holding
# two analysed clips: health, artwork choices and their images, batches, an A/B
# experiment driven through HTTP (selections for many users, then impressions and
# clicks with client ids, resent to prove they are stored once), its report against
# what was sent, shipping the winner, /metrics; then two servers on one database that
# must agree, and a server restarted from its snapshot that must know what the others
# know.
set -euo pipefail
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/../store/lib_store.sh"
. "$(dirname "$0")/lib_serve.sh"

DB=$(fresh_db serve_e2e)
ART="$WORK/artwork"
T1=tears_of_steel_10s
T2=caminandes_10s
N=240                       # users of the experiment
NOW=$(date +%s)

# ---- two analysed titles --------------------------------------------------------
for clip in "$T1:action" "$T2:animation"; do
    name=${clip%%:*}
    ka_run "analyze-$name" env KEYART_DB="$DB" KEYART_ARTWORK="$ART" "$KEYART_BIN" analyze \
        "$MEDIA/$name.mp4" -o "$WORK/out-$name" --genre "${clip#*:}" --quiet
    check_rc "analyse $name into the $BACKEND database" 0
done
check_eq "both titles are in the database" 2 \
    "$(db_sql "$DB" "SELECT count(*) FROM titles WHERE analysed_at IS NOT NULL")"

serve_start A "$DB" "$ART" --refresh 0.3 --snapshot 1
A=${URL_OF[A]}

# ---- health and catalogue ---------------------------------------------------------
http health GET "$A/healthz"
check_code "GET /healthz" 200
check_eq "healthz: status, database, titles" \
    "ok $([ "$BACKEND" == pg ] && echo postgresql || echo sqlite) 2" \
    "$(jqv -r '"\(.status) \(.database) \(.titles)"' "$BODY")"
http livez GET "$A/livez"
check_code "GET /livez" 200
http titles GET "$A/v1/titles"
check_code "GET /v1/titles" 200
check_eq "the titles listed" "$T2 $T1" "$(jqv -r '[.titles[].title_id] | sort | join(" ")' "$BODY")"
check "  all on one page: no next" jq -e '.next == null' "$BODY"
http titles-p1 GET "$A/v1/titles?limit=1"
check_eq "a page of one: the first by id, and the next page's path" \
    "$T2 /v1/titles?after=$T2&limit=1" "$(jqv -r '"\(.titles[0].title_id) \(.next)"' "$BODY")"
http titles-p2 GET "$A$(jqv -r .next "$BODY")"
check_eq "  the next page: the second" "$T1" "$(jqv -r '[.titles[].title_id] | join(" ")' "$BODY")"
NEXT=$(jqv -r .next "$BODY")
if [ "$NEXT" != null ]; then http titles-p3 GET "$A$NEXT"; fi
check "  then nothing more" jq -e '.titles == [] or .next == null' "$BODY"
http titles-limit GET "$A/v1/titles?limit=0"
check_error "a limit of 0" 400 "limit must be 1..1000"
http variants GET "$A/v1/titles/$T1/variants"
check_code "GET /v1/titles/$T1/variants" 200
VARIANTS=$(jq -c '[.variants[].variant_number] | sort' "$BODY")
NV=$(jq 'length' <<<"$VARIANTS")
check "$T1 has 1-12 variants ($NV)" test "$NV" -ge 1 -a "$NV" -le 12
http title GET "$A/v1/titles/$T1"
check_code "GET /v1/titles/$T1" 200
http title404 GET "$A/v1/titles/no_such_title"
check_error "an unknown title" 404 "no_such_title|not found|no such|unknown"

# ---- one choice, and its images -----------------------------------------------------
SEL="$WORK/selections.jsonl"     # every choice server A made: its /metrics must count them
: >"$SEL"
http artwork GET "$A/v1/artwork?user=alice&title=$T1&shape=2x3"
check_code "GET /v1/artwork" 200
jq -c . "$BODY" >>"$SEL"
check "the chosen variant is one of the title's" \
    jq -e --argjson v "$VARIANTS" '.variant_number as $x | $v | index($x) != null' "$BODY"
check "propensity in (0, 1], policy thompson, no experiment" \
    jq -e '.propensity > 0 and .propensity <= 1 and .policy == "thompson" and .experiment == null' "$BODY"
check "image (shape 2x3) is the 2x3 of images" jq -e '.image == .images["2x3"]' "$BODY"
check "images for full, 16x9, 2x3 and 1x1" \
    jq -e '.images | has("full") and has("16x9") and has("2x3") and has("1x1")' "$BODY"
cp "$BODY" "$WORK/alice.json"
for shape in full 16x9 2x3 1x1; do
    path=$(jq -r --arg s "$shape" '.images[$s]' "$WORK/alice.json")
    http "img-$shape" GET "$A$path"
    check_code "GET $shape image" 200
    check_eq "$shape image is image/jpeg" image/jpeg "$(header Content-Type)"
    check "$shape image is a JPEG" is_jpeg "$BODY"
    check "$shape image is the artwork file" cmp -s "$BODY" "$ART/${path#/artwork/}"
done
path=$(jq -r '.images.full' "$WORK/alice.json")
http img-head HEAD "$A$path"
check_code "HEAD of an image" 200

# ---- batch ---------------------------------------------------------------------------
http batch POST "$A/v1/artwork:batch" "${JSON[@]}" \
    -d "{\"user\": \"alice\", \"titles\": [\"$T1\", \"$T2\", \"missing_title\"], \"shape\": \"1x1\"}"
check_code "POST /v1/artwork:batch" 200
jq -c '.artwork[] | select(.variant_number) | {policy}' "$BODY" >>"$SEL"
check_eq "batch: one answer per title, in order" "$T1 $T2 missing_title" \
    "$(jqv -r '[.artwork[].title_id] | join(" ")' "$BODY")"
check "batch: the two titles chosen with propensities, the missing one 404" \
    jq -e '.artwork[0].variant_number >= 1 and .artwork[1].variant_number >= 1
           and .artwork[1].propensity > 0 and .artwork[0].image == .artwork[0].images["1x1"]
           and .artwork[2].error.status == 404 and (.artwork[2].error.message | length > 0)
           and ([.artwork[0:2][].variant_id | test("^[0-9a-f]{16}$")] | all)' "$BODY"

# ---- an experiment: fixed variant 1 (control) against Thompson sampling -------------
EXP=poster_ab
http exp-create POST "$A/v1/experiments" "${AUTH[@]}" "${JSON[@]}" -d "{\"name\": \"$EXP\",
    \"arms\": [{\"name\": \"control\", \"variant_number\": 1}, {\"name\": \"ts\", \"policy\": \"thompson\"}],
    \"control\": \"control\", \"titles\": [\"$T1\"], \"seed\": \"e2e\"}"
check_code "create an experiment" 201
check_eq "it is a draft" draft "$(jqv -r .status "$BODY")"
check_eq "  Location: where it is" "/v1/experiments/$EXP" "$(header Location)"
http exp-dup POST "$A/v1/experiments" "${AUTH[@]}" "${JSON[@]}" \
    -d "{\"name\": \"$EXP\", \"arms\": [{\"name\": \"a\", \"variant_number\": 1}, {\"name\": \"b\", \"variant_number\": 2}]}"
check_error "the same name again" 409 "exists"
http exp-ship-draft POST "$A/v1/experiments/$EXP/ship" "${AUTH[@]}" "${JSON[@]}" -d '{"arm": "ts"}'
check_error "a draft cannot be shipped" 409 "draft"
http exp-start POST "$A/v1/experiments/$EXP/start" "${AUTH[@]}"
check_code "start it" 200
check_eq "it runs" running "$(jqv -r .status "$BODY")"
http exp-list GET "$A/v1/experiments"
check "GET /v1/experiments lists it" jq -e --arg n "$EXP" '[.experiments[].name] | index($n) != null' "$BODY"

in_experiment() {
    curl -s "$A/v1/artwork?user=probe&title=$T1" | tee -a "$SEL" | jq -e --arg n "$EXP" '.experiment == $n'
}
check "the server picks the experiment up" wait_for 30 in_experiment
http not-covered GET "$A/v1/artwork?user=probe&title=$T2"
check "a title outside the experiment is not in it" jq -e '.experiment == null' "$BODY"
jq -c . "$BODY" >>"$SEL"

# Selections for N users, twice (one connection each round).
for round in 1 2; do
    for ((i = 0; i < N; i++)); do
        printf 'url = "%s/v1/artwork?user=eu%d&title=%s"\n' "$A" "$i" "$T1"
    done >"$WORK/urls.cfg"
    curl -s --max-time 120 -K "$WORK/urls.cfg" | jq -c . >"$WORK/round$round.jsonl" || true
    cat "$WORK/round$round.jsonl" >>"$SEL"
done
R1="$WORK/round1.jsonl"
check_eq "$N selections answered" "$N" "$(wc -l <"$R1")"
check_eq "every selection is in the experiment" "$N" \
    "$(jq -s --arg n "$EXP" '[.[] | select(.experiment == $n)] | length' "$R1")"
check_eq "assignment is deterministic per user (same arm twice)" "" \
    "$(diff <(jq -r '"\(.user) \(.arm)"' "$R1") <(jq -r '"\(.user) \(.arm)"' "$WORK/round2.jsonl"))"
check_eq "control shows variant 1 with propensity 1, policy fixed" "" \
    "$(jq -c 'select(.arm == "control" and (.variant_number != 1 or .propensity != 1 or .policy != "fixed"))' "$R1")"
check_eq "the ts arm chooses by thompson with propensities in (0, 1]" "" \
    "$(jq -c --argjson v "$VARIANTS" 'select(.arm == "ts" and (.policy != "thompson" or
        .propensity <= 0 or .propensity > 1 or (.variant_number as $x | $v | index($x)) == null))' "$R1")"
N_CTL=$(jq -s '[.[] | select(.arm == "control")] | length' "$R1")
N_TS=$(jq -s '[.[] | select(.arm == "ts")] | length' "$R1")
check_eq "every user is in one of the two arms" "$N" "$((N_CTL + N_TS))"
# 50/50 weights: with N = 240 the control share is 0.5 +- 0.032 (1 sd); 0.35..0.65 is
# more than 4.5 sd either side.
check "arm shares are plausible (control $N_CTL of $N)" \
    test "$N_CTL" -ge $((N * 35 / 100)) -a "$N_CTL" -le $((N * 65 / 100))
# The same users, through GrowthBook's hash: the same arms every server computes.
check_eq "a batch call assigns the same arm" "$(jq -r 'select(.user == "eu7") | .arm' "$R1")" \
    "$(curl -s -X POST "$A/v1/artwork:batch" "${JSON[@]}" -d "{\"user\": \"eu7\", \"titles\": [\"$T1\"]}" \
        | tee "$WORK/b7.json" | jq -r '.artwork[0].arm')"
jq -c '.artwork[]' "$WORK/b7.json" >>"$SEL"

# ---- events: an impression per user, clicks (control 10%, ts 50%), plays ---------------
# Even users echo experiment and arm; odd users leave them to the server.
jq -s -c --argjson now "$NOW" '[.[] | (.user | ltrimstr("eu") | tonumber) as $i |
    {title_id, user, variant_number, policy, propensity} as $b |
    ($b + {id: "imp-\(.user)", type: "impression", ts: $now}
        + (if $i % 2 == 0 then {experiment, arm} else {} end)),
    (select((.arm == "control" and $i % 10 == 0) or (.arm == "ts" and $i % 2 == 0)) |
        $b + {id: "clk-\(.user)", type: "click", ts: ($now + 1), dwell_s: 1.5}),
    (select(.arm == "ts" and $i % 4 == 0) |
        $b + {id: "play-\(.user)", type: "play", ts: ($now + 2)})] | {events: .}' "$R1" >"$WORK/events.json"
N_EV=$(jq '.events | length' "$WORK/events.json")
C_CTL=$(jq -s '[.[] | select(.arm == "control" and ((.user | ltrimstr("eu") | tonumber) % 10 == 0))] | length' "$R1")
C_TS=$(jq -s '[.[] | select(.arm == "ts" and ((.user | ltrimstr("eu") | tonumber) % 2 == 0))] | length' "$R1")
PLAYS=$(jq '[.events[] | select(.type == "play")] | length' "$WORK/events.json")
http events POST "$A/v1/events" "${AUTH[@]}" "${JSON[@]}" --data-binary "@$WORK/events.json"
check_code "POST $N_EV events" 200
check_eq "all accepted, no duplicate, none rejected" "$N_EV 0 0" \
    "$(jqv -r '"\(.accepted) \(.duplicates) \(.rejected | length)"' "$BODY")"
http events-again POST "$A/v1/events" "${AUTH[@]}" "${JSON[@]}" --data-binary "@$WORK/events.json"
check_code "POST the same events again" 200
check_eq "sent again: all duplicates" "0 $N_EV 0" \
    "$(jqv -r '"\(.accepted) \(.duplicates) \(.rejected | length)"' "$BODY")"
# Half old, half new: only the new are stored.
jq -c --argjson now "$NOW" '{events: (.events[0:10] + [range(5) | {id: "extra-\(.)",
    type: "skip", user: "extra\(.)", title_id: "'"$T2"'", ts: $now}])}' "$WORK/events.json" >"$WORK/mixed.json"
http events-mixed POST "$A/v1/events" "${AUTH[@]}" "${JSON[@]}" --data-binary "@$WORK/mixed.json"
check_eq "a mixed batch: 5 new, 10 duplicates" "5 10 0" \
    "$(jqv -r '"\(.accepted) \(.duplicates) \(.rejected | length)"' "$BODY")"
DUPS=$((N_EV + 10))
check_eq "nothing is stored twice" "$((N_EV + 5)) $((N_EV + 5))" \
    "$(db_sql "$DB" "SELECT count(*), count(DISTINCT client_id) FROM events" | tr '|' ' ')"
check_eq "every stored event has the arm its user was served (server-assigned when not sent)" \
    "$(jq -r '"\(.user)|\(.arm)"' "$R1" | sort)" \
    "$(db_sql "$DB" "SELECT DISTINCT user_key, arm FROM events WHERE experiment = '$EXP'" | sort)"

# An event without experiment and arm goes to the user's arm only when that arm could
# have shown it: an arm of a fixed picture takes its own picture's events, not another's.
http attr-create POST "$A/v1/experiments" "${AUTH[@]}" "${JSON[@]}" -d "{\"name\": \"attr\",
    \"arms\": [{\"name\": \"one\", \"variant_number\": 1}, {\"name\": \"two\", \"variant_number\": 2}],
    \"titles\": [\"$T2\"], \"seed\": \"attr\"}"
check_code "an experiment of two fixed pictures on $T2" 201
http attr-start POST "$A/v1/experiments/attr/start" "${AUTH[@]}"
check_code "  started" 200
in_attr() { curl -s "$A/v1/artwork?user=attr-u&title=$T2" | tee -a "$SEL" | jq -e '.experiment == "attr"'; }
check "  the server picks it up" wait_for 30 in_attr
ARM=$(curl -s "$A/v1/artwork?user=attr-u&title=$T2" | tee -a "$SEL" | jq -r .arm)
SHOWN=$([ "$ARM" == one ] && echo 1 || echo 2)
OTHER=$([ "$ARM" == one ] && echo 2 || echo 1)
http attr-ev POST "$A/v1/events" "${AUTH[@]}" "${JSON[@]}" -d "{\"events\": [
    {\"id\": \"attr-1\", \"type\": \"complete\", \"user\": \"attr-u\", \"title_id\": \"$T2\", \"variant_number\": $SHOWN},
    {\"id\": \"attr-2\", \"type\": \"complete\", \"user\": \"attr-u\", \"title_id\": \"$T2\", \"variant_number\": $OTHER}]}"
check_code "  events of the user's arm's picture and of another" 200
check_eq "  the first counts in arm $ARM, the other in no arm" "attr-1|attr|$ARM
attr-2||" "$(db_sql "$DB" "SELECT client_id, experiment, arm FROM events WHERE client_id LIKE 'attr-%' ORDER BY client_id")"
http attr-stop POST "$A/v1/experiments/attr/stop" "${AUTH[@]}"
check_code "  stopped" 200

max_id() { db_sql "$DB" "SELECT max(id) FROM events"; }
# folded SERVER_URL: the server has folded every stored event.
folded() {
    [ "$(curl -s "$1/healthz" | jq -r .watermark)" == "$(max_id)" ]
}
check "server A folds every event" wait_for 60 folded "$A"

# ---- the report -------------------------------------------------------------------------
http report GET "$A/v1/experiments/$EXP/report"
check_code "GET the report" 200
cp "$BODY" "$WORK/report.json"
check_eq "impressions per arm (control, ts) are the ones sent" "$N_CTL $N_TS" \
    "$(jqv -r '[.report.arms[] | .impressions] | map(tostring) | join(" ")' "$WORK/report.json")"
check_eq "clicks per arm (ctr x impressions) are the ones sent" "$C_CTL $C_TS" \
    "$(jqv -r '[.report.arms[] | (.metrics.ctr * .impressions + 0.5 | floor)] | map(tostring) | join(" ")' "$WORK/report.json")"
check "ctr x impressions is an exact count" \
    jq -e '[.report.arms[] | (.metrics.ctr * .impressions) | (. - (. + 0.5 | floor)) | fabs < 1e-6] | all' "$WORK/report.json"
check_eq "take rate of ts is plays / impressions" "$PLAYS" \
    "$(jqv -r '.report.arms[1] | (.metrics.take_rate * .impressions + 0.5 | floor)' "$WORK/report.json")"
check "ts beats control on CTR (positive diff, CI above 0)" \
    jq -e '.report.arms[1].vs_control.ctr | .diff > 0 and .diff_ci.lo > 0' "$WORK/report.json"
check "no sample ratio mismatch" jq -e '.report.srm.mismatch == false' "$WORK/report.json"
# users are the units (a user's impressions are alike): per arm, its users are the
# distinct users of its events, summed in the store per user
check_eq "the report counts users as the units" "user" "$(jqv -r .report.unit "$WORK/report.json")"
for arm in $(jq -r '.report.arms[].name' "$WORK/report.json"); do
    check_eq "  users of arm $arm are its events' distinct users" \
        "$(db_sql "$DB" "SELECT count(DISTINCT user_key) FROM events WHERE experiment = '$EXP' AND arm = '$arm'")" \
        "$(jqv -r --arg a "$arm" '.report.arms[] | select(.name == $a) | .users' "$WORK/report.json")"
done

# ---- /metrics ---------------------------------------------------------------------------
jq -s -r '[.[] | .policy] | group_by(.) | map("\(.[0]) \(length)") | .[]' "$SEL" >"$WORK/sel-count"
for policy in fixed thompson; do
    check_eq "/metrics counts the $policy selections" \
        "$(awk -v p="$policy" '$1 == p { print $2 }' "$WORK/sel-count")" \
        "$(metric "$A" "keyart_selections_total{policy=\"$policy\"}")"
done
for type in impression click play skip; do
    check_eq "/metrics counts the $type events stored" \
        "$(jq -s --arg t "$type" '[(.[0].events + .[1].events[10:])[] | select(.type == $t)] | length' \
            "$WORK/events.json" "$WORK/mixed.json")" \
        "$(metric "$A" "keyart_events_total{type=\"$type\"}")"
done
check_eq "/metrics counts the duplicates" "$DUPS" "$(metric "$A" keyart_events_duplicate_total)"
check "/metrics has the artwork route's latency histogram" \
    test "$(metric "$A" 'keyart_http_request_duration_seconds_count{route="artwork"}')" -gt "$N"
check_eq "/metrics: 2 titles" 2 "$(metric "$A" keyart_titles)"

# ---- ship the winner ---------------------------------------------------------------------
http ship POST "$A/v1/experiments/$EXP/ship" "${AUTH[@]}"
check_code "ship without naming an arm (the significant winner)" 200
check_eq "shipped: ts" "shipped ts" "$(jqv -r '"\(.status) \(.config.shipped)"' "$BODY")"
http ship-again POST "$A/v1/experiments/$EXP/ship" "${AUTH[@]}"
check_error "shipping twice" 409 "shipped"
shipped_for_new_users() {
    local i out
    for i in 1 2 3 4 5 6 7 8; do
        out=$(curl -s "$A/v1/artwork?user=newcomer$i&title=$T1")
        jq -e --arg n "$EXP" '.experiment == $n and .arm == "ts" and .policy == "thompson"' \
            <<<"$out" >/dev/null || return 1
    done
}
check "new users get the shipped arm" wait_for 30 shipped_for_new_users

# ---- a second server on the same database agrees ---------------------------------------
serve_start B "$DB" "$ART" --refresh 0.3 --snapshot 1
B=${URL_OF[B]}
same() {   # same URL_PATH FILTER: A and B (or the servers named by S1, S2) agree
    local a b
    a=$(jget "${S1:-$A}$1" "$2") && b=$(jget "${S2:-$B}$1" "$2") && [ -n "$a" ] && [ "$a" == "$b" ] &&
        [ "$a" != null ]
}
# More events to A: new users on both titles, and a second impression for users whose
# first is still waiting for a click (it closes the first with no reward).
VARIANTS2=$(curl -s "$A/v1/titles/$T2/variants" | jq -c '[.variants[].variant_number] | sort')
jq -s -c --argjson now "$NOW" --argjson v1 "$VARIANTS" --argjson v2 "$VARIANTS2" \
    '[.[0:40][] | {title_id, user, variant_number, id: "re-\(.user)", type: "impression", ts: ($now + 10)}]
    + [range(30) | (if . % 2 == 0 then ["'"$T1"'", $v1] else ["'"$T2"'", $v2] end) as [$t, $v] |
        {id: "b-imp-\(.)", type: "impression", user: "b\(.)", title_id: $t, variant_number: $v[. % ($v | length)],
         ts: ($now + 11)},
        {id: "b-clk-\(.)", type: "click", user: "b\(.)", title_id: $t, variant_number: $v[. % ($v | length)],
         ts: ($now + 12)}] | {events: .}' "$R1" >"$WORK/more.json"
http more POST "$A/v1/events" "${AUTH[@]}" "${JSON[@]}" --data-binary "@$WORK/more.json"
check_eq "more events accepted by A" "$(jq '.events | length' "$WORK/more.json")" "$(jqv -r .accepted "$BODY")"
check "A folds them" wait_for 60 folded "$A"
check "B folds them" wait_for 60 folded "$B"
for t in "$T1" "$T2"; do
    check "A and B agree on $t's policies (probabilities, versions)" \
        wait_for 30 same "/v1/titles/$t/policies" '.policies'
done
for u in eu0 eu10 b1; do
    check "A and B agree on user $u's profile" wait_for 30 same "/v1/users/$u" '.'
done
check "the policies learned something" \
    test "$(jget "$A/v1/titles/$T1/policies" '.policies.thompson.version')" -gt 0

# ---- a server restarted from its snapshot knows what the others know -----------------------
# Impressions now, the clicks on them only after A has stopped: the new server must
# still credit them (its state comes from A's last snapshot plus the events after).
jq -n -c --argjson now "$NOW" --argjson v "$VARIANTS" '[range(20) | {id: "r-imp-\(.)",
    type: "impression", user: "r\(.)", title_id: "'"$T1"'", variant_number: $v[. % ($v | length)],
    ts: ($now + 20)}] | {events: .}' >"$WORK/r-imp.json"
jq -n -c --argjson now "$NOW" --argjson v "$VARIANTS" '[range(0; 20; 2) | {id: "r-clk-\(.)",
    type: "click", user: "r\(.)", title_id: "'"$T1"'", variant_number: $v[. % ($v | length)],
    ts: ($now + 21)}] | {events: .}' >"$WORK/r-clk.json"
http r-imp POST "$A/v1/events" "${AUTH[@]}" "${JSON[@]}" --data-binary "@$WORK/r-imp.json"
check_eq "impressions accepted" 20 "$(jqv -r .accepted "$BODY")"
check "A folds them" wait_for 60 folded "$A"
check "B folds them" wait_for 60 folded "$B"
A_POL=$(jget "$A/v1/titles/$T1/policies" '.policies')
serve_stop A
check "A's last snapshot is stored" \
    test "$(db_sql "$DB" "SELECT count(*) FROM policy_state WHERE policy = '_server'")" -ge 1
http r-clk POST "$B/v1/events" "${AUTH[@]}" "${JSON[@]}" --data-binary "@$WORK/r-clk.json"
check_eq "clicks accepted by B" 10 "$(jqv -r .accepted "$BODY")"
check "B folds them" wait_for 60 folded "$B"
check "the clicks changed B's policies" test "$A_POL" != "$(jget "$B/v1/titles/$T1/policies" '.policies')"
serve_start C "$DB" "$ART" --refresh 0.3 --snapshot 1
C=${URL_OF[C]}
check "C folds every event" wait_for 60 folded "$C"
for t in "$T1" "$T2"; do
    if S1=$B S2=$C wait_for 30 same "/v1/titles/$t/policies" '.policies'; then
        pass "restarted C agrees with B on $t's policies"
    else
        fail "restarted C agrees with B on $t's policies" \
            "B: $(jget "$B/v1/titles/$t/policies" '.policies')" "C: $(jget "$C/v1/titles/$t/policies" '.policies')"
    fi
done
for u in r0 r1 eu0 b1; do
    if S1=$B S2=$C wait_for 20 same "/v1/users/$u" '.'; then
        pass "restarted C agrees with B on user $u's profile"
    else
        fail "restarted C agrees with B on user $u's profile" \
            "B: $(jget "$B/v1/users/$u" .)" "C: $(jget "$C/v1/users/$u" .)"
    fi
done
http c-artwork GET "$C/v1/artwork?user=newcomer1&title=$T1"
check "C serves the shipped arm too" jq -e '.arm == "ts" and .experiment == "'"$EXP"'"' "$BODY"

serve_stop B
serve_stop C
drop_dbs
finish
