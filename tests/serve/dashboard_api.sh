#!/usr/bin/env bash
# dashboard_api.sh BACKEND: the dashboard's routes on a real database (sqlite or pg)
# holding one analysed clip and 60 copies of it (tests/web/make_catalogue.sh): the
# catalogue list (default artwork, controls, live counts, q, total, pages), the title
# view model, an editor's controls respected by every policy and experiment arm for many
# users (pin, unpin, exclude, include, the last servable variant refused, other servers
# after their refresh, a server started later), an experiment's daily series against
# its report, the viewer preview (which records nothing) and the policy types.
set -euo pipefail
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/../store/lib_store.sh"
. "$(dirname "$0")/lib_serve.sh"
MAKE_CATALOGUE="$(dirname "$0")/../web/make_catalogue.sh"

DB=$(fresh_db dashboard_api)
ART="$WORK/artwork"
T=tears_of_steel_10s
COPIES=60
USERS=60
NOW=$(date +%s)

ka_run analyze env KEYART_DB="$DB" KEYART_ARTWORK="$ART" "$KEYART_BIN" analyze \
    "$MEDIA/$T.mp4" -o "$WORK/out" --genre action --quiet
check_rc "analyse $T into the $BACKEND database" 0
check_eq "make_catalogue.sh: $COPIES copies, $((COPIES + 1)) titles" "$((COPIES + 1))" \
    "$(bash "$MAKE_CATALOGUE" "$DB" "$COPIES" "$T")"
check_eq "  the copies have the source's variants" "$(db_sql "$DB" "SELECT count(*) FROM variants
    v JOIN titles t ON t.id = v.title WHERE t.title_id = '$T'")" \
    "$(db_sql "$DB" "SELECT count(*) FROM variants v JOIN titles t ON t.id = v.title WHERE
    t.title_id = '$T-00042'")"

serve_start A "$DB" "$ART" --refresh 0.3 --snapshot 1
serve_start B "$DB" "$ART" --refresh 0.3 --policy uniform
A=${URL_OF[A]}
B=${URL_OF[B]}

# ---- the catalogue list ----------------------------------------------------------------
http titles GET "$A/v1/titles?limit=50"
check_code "GET /v1/titles?limit=50" 200
check_eq "a page of 50, total $((COPIES + 1)), a next page" "50 $((COPIES + 1)) true" \
    "$(jqv -r '"\(.titles | length) \(.total) \(.next != null)"' "$BODY")"
check "every row: n_variants, default_variant 1 with its urls, not pinned, no counts yet" \
    jq -e 'all(.titles[]; .n_variants >= 1 and .default_variant.variant_number == 1
        and (.default_variant.variant_id | test("^[0-9a-f]{16}$"))
        and (.default_variant.urls | has("full") and has("16x9") and has("2x3") and has("1x1"))
        and .pinned == null and .impressions == 0 and .clicks == 0 and .ctr == null)' "$BODY"
http titles-2 GET "$A$(jqv -r .next "$BODY")"
check_eq "the next page: the other $((COPIES + 1 - 50)), and no more" "$((COPIES + 1 - 50)) null" \
    "$(jqv -r '"\(.titles | length) \(.next)"' "$BODY")"
http titles-q GET "$A/v1/titles?q=$T-0005&limit=4"
check_eq "q: the titles holding it (total 10), a page of 4, q kept in next" \
    "10 4 $T-00050 /v1/titles?q=$T-0005&after=$T-00053&limit=4" \
    "$(jqv -r '"\(.total) \(.titles | length) \(.titles[0].title_id) \(.next)"' "$BODY")"
http titles-q2 GET "$A$(jqv -r .next "$BODY")"
check_eq "  its next page holds the next ones" "$T-00054" "$(jqv -r '.titles[0].title_id' "$BODY")"
http titles-none GET "$A/v1/titles?q=no-such-title"
check_eq "q matching nothing: total 0" "0 0 null" \
    "$(jqv -r '"\(.total) \(.titles | length) \(.next)"' "$BODY")"
http titles-badlimit GET "$A/v1/titles?limit=abc"
check_error "a bad limit" 400 "limit must be 1..1000"
http titles-longq GET "$A/v1/titles?q=$(head -c 300 /dev/zero | tr '\0' x)"
check_error "a q of 300 bytes" 400 "q is at most"

# ---- the title view model --------------------------------------------------------------
http analysis GET "$A/v1/titles/$T/analysis"
check_code "GET /v1/titles/$T/analysis" 200
cp "$BODY" "$WORK/analysis.json"
check_eq "shots as stored, each with its transition" \
    "$(db_sql "$DB" "SELECT n_shots FROM titles WHERE title_id = '$T'") true" \
    "$(jqv -r '"\(.shots | length) \(all(.shots[]; .transition_in | type == "string"))"' "$BODY")"
check_eq "candidates as stored; those chosen name their variant" \
    "$(db_sql "$DB" "SELECT n_candidates FROM titles WHERE title_id = '$T'") \
$(db_sql "$DB" "SELECT count(*) FROM variants v JOIN titles t ON t.id = v.title WHERE t.title_id = '$T'")" \
    "$(jqv -r '"\(.candidates | length) \([.candidates[] | select(.variant_number != null)] | length)"' "$BODY")"
check "a chosen candidate's image is its variant's" jq -e '[.candidates[] |
    select(.variant_number != null) | .image | test("^/artwork/")] | all' "$BODY"
check "variants: ids, urls, reasons, not pinned, not excluded; controls empty" jq -e '
    (.variants | length) >= 2 and all(.variants[]; (.variant_id | test("^[0-9a-f]{16}$"))
    and (.urls.full | test("^/artwork/")) and (.reason.text | length > 0)
    and .pinned == false and .excluded == false)
    and .controls == {"pinned": null, "excluded": []} and .title.title_id == "'"$T"'"' "$BODY"
check "cast: characters with their faces (boxes, candidate index, time)" jq -e '
    (.cast | length) >= 1 and all(.cast[].faces[]; (.box | length == 4 and all(.[]; type == "number")
    and .[2] > 0 and .[3] > 0) and (.candidate_index | type == "number") and (.time_s | type == "number"))' "$BODY"
check_eq "  every face stored is in one character" \
    "$(db_sql "$DB" "SELECT count(*) FROM faces f JOIN candidates c ON c.id = f.candidate JOIN
        titles t ON t.id = c.title JOIN identities i ON i.id = f.identity WHERE t.title_id = '$T'")" \
    "$(jqv -r '[.cast[].faces[]] | length' "$BODY")"
http analysis404 GET "$A/v1/titles/no_such_title/analysis"
check_error "the analysis of an unknown title" 404 "no such title"

mapfile -t VID < <(jq -r '.variants | sort_by(.variant_number)[] | .variant_id' "$WORK/analysis.json")
NV=${#VID[@]}
V1=${VID[0]}
V2=${VID[1]}

# ---- an experiment with an arm per policy type, and a fixed arm showing variant 1 -------
mapfile -t POLICIES < <(curl -s "$A/v1/policies" | jq -r '.policies[].name')
check "GET /v1/policies: thompson, linucb, uniform among them, each described" \
    jq -e '([.policies[].name] | index("thompson") and index("linucb") and index("uniform"))
        and all(.policies[]; .description | length > 0)' <(curl -s "$A/v1/policies")
EXP=dash_ab
ARMS=$(printf '%s\n' "${POLICIES[@]}" | jq -R '{name: ("p_" + .), policy: .}' | jq -sc \
    '[{name: "control", variant_number: 1}] + .')
http exp POST "$A/v1/experiments" "${AUTH[@]}" "${JSON[@]}" -d "{\"name\": \"$EXP\",
    \"arms\": $ARMS, \"control\": \"control\", \"titles\": [\"$T\"], \"seed\": \"dash\"}"
check_code "create an experiment with an arm per policy (${#POLICIES[@]}) and a fixed arm" 201
http exp-start POST "$A/v1/experiments/$EXP/start" "${AUTH[@]}"
check_code "start it" 200
in_exp() { curl -s "$1/v1/artwork?user=probe&title=$T" | jq -e '.experiment != null'; }
check "server A picks it up" wait_for 30 in_exp "$A"
check "server B picks it up" wait_for 30 in_exp "$B"

# serve_all SERVER TAG: /v1/artwork for T, $USERS users; the answers in $WORK/TAG.jsonl.
serve_all() {
    local i
    for ((i = 0; i < USERS; i++)); do
        printf 'url = "%s/v1/artwork?user=u%d&title=%s"\n' "$1" "$i" "$T"
    done >"$WORK/urls-$2.cfg"
    curl -s --max-time 120 -K "$WORK/urls-$2.cfg" | jq -c . >"$WORK/$2.jsonl" || true
}
serve_all "$A" before
check_eq "before any control: every arm has users, the control arm shows variant 1" \
    "$(( ${#POLICIES[@]} + 1 )) true" \
    "$(jq -s -r '"\([.[].arm] | unique | length) \(all(.[] | select(.arm == "control");
        .variant_id == "'"$V1"'" and .policy == "fixed"))"' "$WORK/before.jsonl")"

# ---- controls: refused ones ---------------------------------------------------------------
http pin-noauth POST "$A/v1/titles/$T/variants/$V2/pin"
check_error "pin without the token" 401 "Authorization"
http pin-notitle POST "$A/v1/titles/no_such_title/variants/$V2/pin" "${AUTH[@]}"
check_error "pin in an unknown title" 404 "no title"
http pin-novariant POST "$A/v1/titles/$T/variants/0123456789abcdef/pin" "${AUTH[@]}"
check_error "pin an unknown variant" 404 "no variant"
http pin-body POST "$A/v1/titles/$T/variants/$V2/pin" "${AUTH[@]}" "${JSON[@]}" -d '{"x": 1}'
check_error "pin with a body that is not empty" 400 "unknown|x"
http pin-get GET "$A/v1/titles/$T/variants/$V2/pin"
check_error "GET of a pin" 405 "method|allowed"

# ---- pin ----------------------------------------------------------------------------------
http pin POST "$A/v1/titles/$T/variants/$V2/pin" "${AUTH[@]}"
check_code "pin variant 2" 200
check_eq "  the answer: the title's controls" "{\"controls\":{\"excluded\":[],\"pinned\":\"$V2\"},\"title_id\":\"$T\"}" \
    "$(jq -cS . "$BODY")"
check_eq "  stored" "$V2|pinned" "$(db_sql "$DB" "SELECT variant_id, control FROM variant_controls
    WHERE title_id = '$T' AND control IS NOT NULL")"
PINNED_BEFORE=$(metric "$A" 'keyart_selections_total{policy="pinned"}')
serve_all "$A" pinned
check_eq "/metrics counts them as policy pinned" "$((PINNED_BEFORE + USERS))" \
    "$(metric "$A" 'keyart_selections_total{policy="pinned"}')"
check_eq "pinned: all $USERS users of every arm get variant 2, policy pinned, propensity 1, no experiment" \
    "$USERS" "$(jq -s '[.[] | select(.variant_id == "'"$V2"'" and .policy == "pinned"
        and .propensity == 1 and .experiment == null)] | length' "$WORK/pinned.jsonl")"
pinned_on() {
    curl -s "$1/v1/artwork?user=u3&title=$T" | jq -e '.variant_id == "'"$V2"'" and .policy == "pinned"'
}
check "server B serves the pin after its refresh" wait_for 20 pinned_on "$B"
serve_all "$B" pinned-b
check_eq "  to all $USERS users" "$USERS" "$(jq -s '[.[] | select(.variant_id == "'"$V2"'"
    and .policy == "pinned")] | length' "$WORK/pinned-b.jsonl")"
http batch-pinned POST "$A/v1/artwork:batch" "${JSON[@]}" -d "{\"user\": \"u1\", \"titles\": [\"$T\"]}"
check_eq "a batch answers the pin too" "$V2 pinned" "$(jqv -r '.artwork[0] | "\(.variant_id) \(.policy)"' "$BODY")"
http policies-pinned GET "$A/v1/titles/$T/policies"
check "/policies: every policy gives the pinned variant 1" jq -e --arg v "$V2" '
    .controls.pinned == $v and all(.policies[].probabilities[];
    .probability == (if .variant_id == $v then 1 else 0 end))' "$BODY"
http titles-pinned GET "$A/v1/titles?q=$T&limit=1"
check_eq "the catalogue row: pinned, and the pin is its default artwork" "$V2 $V2" \
    "$(jqv -r '.titles[0] | "\(.pinned) \(.default_variant.variant_id)"' "$BODY")"
http analysis-pinned GET "$A/v1/titles/$T/analysis"
check_eq "the title view: variant 2 pinned, controls say so" "$V2 $V2" \
    "$(jqv -r '"\([.variants[] | select(.pinned) | .variant_id] | join(",")) \(.controls.pinned)"' "$BODY")"
http pin-other POST "$A/v1/titles/$T/variants/$V1/pin" "${AUTH[@]}"
check_eq "pinning another variant replaces the pin" "$V1" "$(jqv -r .controls.pinned "$BODY")"
http unpin-other POST "$A/v1/titles/$T/variants/$V2/unpin" "${AUTH[@]}"
check_eq "  unpinning one that is not pinned changes nothing" "$V1" "$(jqv -r .controls.pinned "$BODY")"
http unpin POST "$A/v1/titles/$T/variants/$V1/unpin" "${AUTH[@]}"
check_code "unpin" 200
check_eq "  no pin left" null "$(jqv -r .controls.pinned "$BODY")"
serve_all "$A" unpinned
check_eq "unpinned: the same arms and choices as before the pin (control shows variant 1 again)" \
    "$(jq -r '"\(.user) \(.arm)"' "$WORK/before.jsonl")" "$(jq -r '"\(.user) \(.arm)"' "$WORK/unpinned.jsonl")"
unpinned_on() { curl -s "$1/v1/artwork?user=u3&title=$T" | jq -e '.policy != "pinned"'; }
check "server B drops the pin after its refresh" wait_for 20 unpinned_on "$B"

# ---- exclude ------------------------------------------------------------------------------
http exclude POST "$A/v1/titles/$T/variants/$V1/exclude" "${AUTH[@]}"
check_code "exclude variant 1" 200
check_eq "  the answer" "[\"$V1\"] null" "$(jqv -r '"\(.controls.excluded | tojson) \(.controls.pinned)"' "$BODY")"
for round in 1 2 3; do
    serve_all "$A" "excluded$round"
done
cat "$WORK"/excluded[123].jsonl >"$WORK/excluded.jsonl"
check_eq "excluded: $((3 * USERS)) answers, none shows variant 1" "$((3 * USERS)) 0" \
    "$(jq -s -r '"\(length) \([.[] | select(.variant_id == "'"$V1"'")] | length)"' "$WORK/excluded.jsonl")"
check_eq "  the control arm's users fall to the server's policy (no experiment)" "" \
    "$(jq -c 'select(.arm == "control")' "$WORK/excluded.jsonl")"
check "  every policy's propensity is in (0, 1]" jq -s -e 'all(.[]; .propensity > 0 and .propensity <= 1)' \
    "$WORK/excluded.jsonl"
http policies-excl GET "$A/v1/titles/$T/policies"
check "/policies: variant 1 has probability 0, the rest sum to 1, for every policy" jq -e --arg v "$V1" '
    all(.policies[]; ([.probabilities[] | select(.variant_id == $v) | .probability] == [0])
    and (([.probabilities[].probability] | add) - 1 | fabs < 1e-9))' "$BODY"
# the uniform policy renormalised: 1/(NV-1) for each variant left
http policies-b GET "$B/v1/titles/$T/policies"
excluded_on() { curl -s "$B/v1/titles/$T/policies" | jq -e '.controls.excluded == ["'"$V1"'"]'; }
check "server B applies the exclusion after its refresh" wait_for 20 excluded_on
serve_all "$B" excluded-b
check_eq "  server B (uniform): none of variant 1, propensity 1/$((NV - 1)) for the policy's users" "0 true" \
    "$(jq -s -r --argjson k "$((NV - 1))" '"\([.[] | select(.variant_id == "'"$V1"'")] | length) \(
        all(.[] | select(.experiment == null); (.propensity - 1 / $k) | fabs < 1e-9))"' "$WORK/excluded-b.jsonl")"
for ((k = 1; k < NV - 1; k++)); do
    http "exclude-$k" POST "$A/v1/titles/$T/variants/${VID[$k]}/exclude" "${AUTH[@]}"
    check_code "exclude variant $((k + 1))" 200
done
LAST=${VID[$((NV - 1))]}
http exclude-last POST "$A/v1/titles/$T/variants/$LAST/exclude" "${AUTH[@]}"
check_error "excluding the last servable variant" 409 "last servable"
check_eq "  nothing stored for it" "" "$(db_sql "$DB" "SELECT control FROM variant_controls WHERE
    title_id = '$T' AND variant_id = '$LAST'")"
serve_all "$A" one-left
check_eq "only variant $NV is left: all $USERS users get it" "$USERS" \
    "$(jq -s '[.[] | select(.variant_id == "'"$LAST"'")] | length' "$WORK/one-left.jsonl")"
http pin-excluded POST "$A/v1/titles/$T/variants/$V1/pin" "${AUTH[@]}"
check_eq "pinning an excluded variant takes it out of the excluded" "$V1 false" \
    "$(jqv -r '"\(.controls.pinned) \(.controls.excluded | index("'"$V1"'") != null)"' "$BODY")"
http unpin-2 POST "$A/v1/titles/$T/variants/$V1/unpin" "${AUTH[@]}"
for ((k = 1; k < NV - 1; k++)); do
    http "include-$k" POST "$A/v1/titles/$T/variants/${VID[$k]}/include" "${AUTH[@]}"
    check_code "include variant $((k + 1))" 200
done
check_eq "  no control left" "null []" "$(jqv -r '"\(.controls.pinned) \(.controls.excluded | tojson)"' "$BODY")"
serve_all "$A" restored
check_eq "included again: the same arms as before the controls, control shows variant 1" \
    "$(jq -r '"\(.user) \(.arm) \(.arm == "control" and .variant_id == "'"$V1"'")"' "$WORK/before.jsonl")" \
    "$(jq -r '"\(.user) \(.arm) \(.arm == "control" and .variant_id == "'"$V1"'")"' "$WORK/restored.jsonl")"

# ---- events: live counts, the daily series against the report -----------------------------
# Every answer of "restored" gets an impression at noon (UTC) of one of two days, half
# each; a third click a second later.
NOON=$(( NOW / 86400 * 86400 + 43200 ))
[ "$NOON" -le "$NOW" ] || NOON=$(( NOON - 86400 ))
jq -s -c --argjson noon "$NOON" '[to_entries[] | .key as $i | .value |
    {title_id, user, variant_id, policy, propensity, experiment, arm} as $b |
    (if $i % 2 == 0 then $noon - 86400 else $noon end) as $ts |
    ($b + {id: "imp-\($i)", type: "impression", ts: $ts}),
    (select($i % 3 == 0) | $b + {id: "clk-\($i)", type: "click", ts: ($ts + 1)})]
    | {events: .}' "$WORK/restored.jsonl" >"$WORK/events.json"
# and some on a copy, outside the experiment
jq -c --argjson now "$NOW" '.events += [range(7) | {id: "cp-\(.)", type: "impression",
    user: "v\(.)", title_id: "'"$T-00007"'", variant_number: 1, ts: $now}]' \
    "$WORK/events.json" >"$WORK/events2.json"
N_IMP=$(jq '[.events[] | select(.type == "impression" and .title_id == "'"$T"'")] | length' "$WORK/events2.json")
N_CLK=$(jq '[.events[] | select(.type == "click")] | length' "$WORK/events2.json")
http events POST "$A/v1/events" "${AUTH[@]}" "${JSON[@]}" --data-binary "@$WORK/events2.json"
check_eq "events accepted" "$(jq '.events | length' "$WORK/events2.json") 0" \
    "$(jqv -r '"\(.accepted) \(.rejected | length)"' "$BODY")"
counted() {
    curl -s "$1/v1/titles?q=$T&limit=1" | jq -e --argjson i "$N_IMP" --argjson c "$N_CLK" \
        '.titles[0].impressions == $i and .titles[0].clicks == $c' &&
    curl -s "$1/v1/titles?q=$T-00007" | jq -e '.titles[0] | .impressions == 7 and .clicks == 0'
}
check "the catalogue counts them live on A ($N_IMP impressions, $N_CLK clicks)" wait_for 20 counted "$A"
check "  and on B" wait_for 20 counted "$B"
http titles-ctr GET "$A/v1/titles?q=$T&limit=1"
check "  ctr = clicks / impressions" jq -e '.titles[0] | (.ctr - .clicks / .impressions) | fabs < 1e-6' "$BODY"

http daily GET "$A/v1/experiments/$EXP/daily"
check_code "GET /v1/experiments/$EXP/daily" 200
cp "$BODY" "$WORK/daily.json"
check_eq "two UTC days, in order" "$(date -u -d @$((NOON - 86400)) +%F) $(date -u -d @"$NOON" +%F)" \
    "$(jqv -r '[.days[].day] | join(" ")' "$BODY")"
http report GET "$A/v1/experiments/$EXP/report"
check_code "GET the report" 200
check_eq "the daily impressions per arm sum to the report's" \
    "$(jq -cS '[.report.arms[] | {(.name): .impressions}] | add | with_entries(select(.value > 0))' "$BODY")" \
    "$(jq -c '[.days[].arms | to_entries[] | {key, value: .value.impressions}] | group_by(.key)
        | map({(.[0].key): (map(.value) | add)}) | add' -S "$WORK/daily.json")"
check_eq "the daily clicks per arm sum to the report's (ctr x impressions)" \
    "$(jq -cS '[.report.arms[] | select(.impressions > 0) | {(.name): (.metrics.ctr * .impressions + 0.5 | floor)}] | add' "$BODY")" \
    "$(jq -c '[.days[].arms | to_entries[] | {key, value: .value.clicks}] | group_by(.key)
        | map({(.[0].key): (map(.value) | add)}) | add' -S "$WORK/daily.json")"
check "each day's ctr is its clicks / impressions, users <= impressions" jq -e '
    all(.days[].arms[]; (.ctr - .clicks / .impressions | fabs) < 1e-6 and .users <= .impressions)' \
    "$WORK/daily.json"
http daily404 GET "$A/v1/experiments/no_such_exp/daily"
check_error "the daily series of an unknown experiment" 404 "no experiment"

# ---- the preview records nothing ------------------------------------------------------------
ev_count() { db_sql "$DB" "SELECT (SELECT count(*) FROM events) || ' ' || (SELECT count(*) FROM assignments)"; }
BEFORE=$(ev_count)
SELS_BEFORE=$(metric "$A" 'keyart_selections_total{policy="thompson"}')
http pin-copy POST "$A/v1/titles/$T-00003/variants/$V2/pin" "${AUTH[@]}"
check_code "pin variant 2 of a copy" 200
http preview GET "$A/v1/users/u4/preview?limit=5&shape=2x3" "${AUTH[@]}"
check_code "GET /v1/users/u4/preview" 200
check_eq "the first 5 titles by id, each with a variant, an image and reasons" \
    "$T $T-00001 $T-00002 $T-00003 $T-00004 true" \
    "$(jqv -r '"\([.row[].title_id] | join(" ")) \(all(.row[]; (.variant_id | test("^[0-9a-f]{16}$"))
        and (.image | test("^/artwork/")) and (.reasons | length > 0) and .propensity > 0))"' "$BODY")"
check "  u4's profile (it has events), its arm in the experiment, the pin with its reason" jq -e '
    .profile.user == "u4" and (.row[0].arm | type == "string")
    and (.row[3] | .policy == "pinned" and .variant_id == "'"$V2"'" and (.reasons | index("pinned by an editor")))' "$BODY"
for i in 1 2 3; do curl -s "${AUTH[@]}" "$A/v1/users/u$i/preview?limit=60" >/dev/null; done
check_eq "previews store no event and no assignment" "$BEFORE" "$(ev_count)"
check_eq "  nor count as selections" "$SELS_BEFORE" "$(metric "$A" 'keyart_selections_total{policy="thompson"}')"
http preview-new GET "$A/v1/users/nobody/preview" "${AUTH[@]}"
check_eq "a user without events: no profile, 20 titles" "null 20" \
    "$(jqv -r '"\(.profile) \(.row | length)"' "$BODY")"
http preview-noauth GET "$A/v1/users/u4/preview"
check_error "a preview without the token" 401 "Authorization"
http preview-limit GET "$A/v1/users/u4/preview?limit=0" "${AUTH[@]}"
check_error "a preview of 0 titles" 400 "limit must be"
http preview-shape GET "$A/v1/users/u4/preview?shape=3x4" "${AUTH[@]}"
check_error "a preview in an unknown shape" 400 "shape must be"

# ---- a server started later knows the controls and the counts ---------------------------------
serve_stop B
serve_start C "$DB" "$ART" --refresh 0.3
C=${URL_OF[C]}
check_eq "server C: the copy's pin" "$V2 pinned" "$(curl -s "$C/v1/artwork?user=z&title=$T-00003" \
    | jq -r '"\(.variant_id) \(.policy)"')"
check "server C: the catalogue's counts from the store" counted "$C"
serve_stop C
serve_stop A
finish
