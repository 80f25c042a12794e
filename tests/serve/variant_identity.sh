#!/usr/bin/env bash
# variant_identity.sh BACKEND: what a server learned about a picture follows the
# picture, not its number, when the title is analysed again (on sqlite or pg).
#
# A real clip is analysed as a drama; a real server learns from events that users
# click one picture (sent by number, as most clients do); an experiment pins a
# picture by number and another shows one that will go. The clip is analysed again
# as a comedy with fewer variants while the server runs: numbers move, two
# pictures retire. The clicked picture must keep its high probability under its new
# number; the retired ones are listed, never served, reported in the experiment that
# shows one, and an arm can no longer name them; events may still name them by id.
# A server restarted from the snapshot knows the same; a third analysis brings the
# retired pictures back.
set -euo pipefail
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/../store/lib_store.sh"
. "$(dirname "$0")/lib_serve.sh"

DB=$(fresh_db serve_ids)
ART="$WORK/artwork"
T=people_single_shot_17s
NOW=$(date +%s)

analyse() {     # GENRE VARIANTS
    ka_run "analyze-$1-$2" env KEYART_DB="$DB" KEYART_ARTWORK="$ART" "$KEYART_BIN" analyze \
        "$MEDIA/$T.mp4" -o "$WORK/out-$1-$2" --genre "$1" --variants "$2" --quiet
    check_rc "analyse $T as $1 with up to $2 variants" 0
}

# id -> number of the title's variants now, as "id:number" words sorted by number
ids_by_number() {
    jget "$A/v1/titles/$T/variants" '[.variants[] | "\(.variant_id):\(.variant_number)"] | join(" ")'
}

analyse drama 8
check_eq "metadata.json gives every variant a 16-hex-digit id" 8 \
    "$(jq '[.variants[].variant_id | select(test("^[0-9a-f]{16}$"))] | length' \
       "$WORK/out-drama-8/metadata.json")"
serve_start A "$DB" "$ART" --refresh 0.3 --snapshot 1 --policy thompson
A=${URL_OF[A]}

http variants GET "$A/v1/titles/$T/variants"
check_code "GET the variants" 200
check "8 variants, each with its id, none retired" \
    jq -e '(.variants | length) == 8 and ([.variants[].variant_id | test("^[0-9a-f]{16}$")]
           | all) and .retired == []' "$BODY"
check_eq "the store's ids are metadata.json's" \
    "$(jq -c '[.variants[] | [.variant_number, .variant_id]]' "$WORK/out-drama-8/metadata.json")" \
    "$(jq -c '[.variants[] | [.variant_number, .variant_id]]' "$BODY")"
LIKED=$(jqv -r '.variants[] | select(.variant_number == 3) | .variant_id' "$BODY")
GONE=$(jqv -r '.variants[] | select(.variant_number == 8) | .variant_id' "$BODY")
http artwork GET "$A/v1/artwork?user=someone&title=$T"
check "an artwork answer gives the variant's id beside its number" \
    jq -e '.variant_id | test("^[0-9a-f]{16}$")' "$BODY"

# ---- users click variant 3 (the events name it by number) ----------------------------
{
    echo '{"events": ['
    for ((u = 0; u < 60; u++)); do
        for n in 1 2 3 4 5 6 7 8; do
            [ $((u % 8 + 1)) -eq "$n" ] || continue
            printf '{"id": "i%d", "type": "impression", "user": "u%d", "title_id": "%s", "variant_number": %d, "ts": %d},\n' \
                "$u" "$u" "$T" "$n" "$NOW"
            if [ "$n" -eq 3 ]; then
                printf '{"id": "c%d", "type": "click", "user": "u%d", "title_id": "%s", "variant_number": 3, "ts": %d},\n' \
                    "$u" "$u" "$T" "$((NOW + 1))"
            fi
        done
    done
    printf '{"id": "last", "type": "play", "user": "z", "title_id": "%s", "variant_number": 1}]}\n' "$T"
} >"$WORK/events.json"
http events POST "$A/v1/events" "${AUTH[@]}" "${JSON[@]}" --data-binary "@$WORK/events.json"
check_code "post 60 impressions and the clicks on variant 3" 200
check_eq "the store gave each event its picture's id" "$LIKED" \
    "$(db_sql "$DB" "SELECT DISTINCT variant_id FROM events WHERE type = 'click'")"

# Impressions without a click are learned when the attribution window ends (600 s by
# default): let the clicks alone teach, then compare the picture's probability.
probability_of() {   # ID: thompson's probability of that picture for a new user
    curl -s --max-time 30 "$A/v1/titles/$T/policies" |
        jq -c --arg id "$1" '.policies.thompson.probabilities[] | select(.variant_id == $id) | .probability'
}
learned() { jget "$A/v1/titles/$T/policies" '.policies.thompson.version > 0' | grep -q true; }
# The refresher may learn from the first of the folded events before the rest: wait for
# the clicks' lesson as a whole rather than for the first one.
likeliest() { jq -en --argjson p "$(probability_of "$LIKED")" '$p > 0.5' >/dev/null 2>&1; }
check "the server learns the clicks" wait_for 30 learned
check "variant 3 ($LIKED) becomes the likeliest by far" wait_for 30 likeliest
P_BEFORE=$(probability_of "$LIKED")

# ---- experiments: one pins a picture by number, one shows the picture that will go ----
http pin POST "$A/v1/experiments" "${AUTH[@]}" "${JSON[@]}" -d "{\"name\": \"pinned\",
    \"arms\": [{\"name\": \"a\", \"policy\": \"thompson\"}, {\"name\": \"b\", \"variant_number\": 3}],
    \"titles\": [\"$T\"]}"
check_code "an experiment with an arm by number" 201
check_eq "  the arm is pinned to the picture's id" "$LIKED" \
    "$(jqv -r --arg t "$T" '.config.arms[1].variant_ids[$t]' "$BODY")"
http gone POST "$A/v1/experiments" "${AUTH[@]}" "${JSON[@]}" -d "{\"name\": \"gone\",
    \"arms\": [{\"name\": \"a\", \"policy\": \"thompson\"}, {\"name\": \"b\", \"variant_id\": \"$GONE\"}],
    \"titles\": [\"$T\"]}"
check_code "an experiment with an arm by id" 201
http gone-start POST "$A/v1/experiments/gone/start" "${AUTH[@]}"
check_code "  it starts" 200
check "  no retired arm yet" jq -e '.retired_arms == []' "$BODY"

# ---- the title analysed again, while the server runs -----------------------------------
BEFORE=$(ids_by_number)
analyse comedy 6
reloaded() { jget "$A/v1/titles/$T/policies" '.policies.thompson.probabilities | length' | grep -qx 6; }
check "the server reloads the title" wait_for 30 reloaded
AFTER=$(ids_by_number)
NEW_N=$(tr ' ' '\n' <<<"$AFTER" | sed -n "s/^$LIKED://p")
check "variant 3's picture is now variant $NEW_N ($BEFORE -> $AFTER)" \
    test -n "$NEW_N" -a "$NEW_N" != 3
P_AFTER=$(probability_of "$LIKED")
check "its learned probability followed it ($P_BEFORE -> $P_AFTER)" \
    jq -en --argjson a "$P_BEFORE" --argjson b "$P_AFTER" '$b > 0.5 and $b >= $a - 0.1'
P3=$(jget "$A/v1/titles/$T/policies" \
    '.policies.thompson.probabilities[] | select(.variant_number == 3) | .probability')
check "the picture now numbered 3 did not inherit it ($P3)" jq -en --argjson p "$P3" '$p < 0.3'

http variants2 GET "$A/v1/titles/$T/variants"
check "two pictures retired, with the time and their last number" \
    jq -e --arg g "$GONE" '(.retired | length) == 2 and ([.retired[].variant_id] | index($g) != null)
           and ([.retired[] | .retired_at > 0 and .variant_number >= 7] | all)' "$BODY"
check "  the answer matches its schema (docs/schemas)" python3 "$(dirname "$0")/../schema/check_json.py" \
    "$(dirname "$0")/../../docs/schemas/http-title-variants.schema.json" "$BODY"
check "  a retired picture keeps its images" \
    jq -e '[.retired[].urls.full | startswith("/artwork/")] | all' "$BODY"
served_retired=0
for ((i = 0; i < 200; i++)); do
    printf 'url = "%s/v1/artwork?user=r%d&title=%s"\n' "$A" "$i" "$T"
done >"$WORK/urls.cfg"
curl -s --max-time 120 -K "$WORK/urls.cfg" | jq -r .variant_id >"$WORK/served.txt" || true
check_eq "200 answers" 200 "$(wc -l <"$WORK/served.txt")"
check "a retired picture is never served" \
    test -z "$(grep -Fx -f <(jqv -r '.retired[].variant_id' "$BODY") "$WORK/served.txt" || true)"

http gone-get GET "$A/v1/experiments/gone"
check "  the experiment matches its schema" python3 "$(dirname "$0")/../schema/check_json.py" \
    "$(dirname "$0")/../../docs/schemas/http-experiment.schema.json" "$BODY"
check "the running experiment reports its arm's retired picture" \
    jq -e --arg g "$GONE" --arg t "$T" '.retired_arms == [{"arm": "b", "title_id": $t, "variant_id": $g}]' "$BODY"
check_grep "the server log says so" "${LOG_OF[A]}" "experiment 'gone': arm 'b' shows variant $GONE"
http gone-report GET "$A/v1/experiments/gone/report"
check "  so does its report" jq -e '.retired_arms | length == 1' "$BODY"
http pinned-get GET "$A/v1/experiments/pinned"
check "the experiment pinned to the clicked picture has nothing retired" \
    jq -e '.retired_arms == []' "$BODY"
http gone-new POST "$A/v1/experiments" "${AUTH[@]}" "${JSON[@]}" -d "{\"name\": \"gone2\",
    \"arms\": [{\"name\": \"a\", \"policy\": \"thompson\"}, {\"name\": \"b\", \"variant_id\": \"$GONE\"}],
    \"titles\": [\"$T\"]}"
check_error "a new arm cannot name a retired picture" 422 "retired"
http gone-ship POST "$A/v1/experiments/gone/ship" "${AUTH[@]}" "${JSON[@]}" -d '{"arm": "b"}'
check_error "  nor can it be shipped" 422 "retired"
http gone-stop POST "$A/v1/experiments/gone/stop" "${AUTH[@]}"
check_code "stop it" 200
http gone-restart POST "$A/v1/experiments/gone/start" "${AUTH[@]}"
check_error "  and it cannot start again" 422 "retired"

http late POST "$A/v1/events" "${AUTH[@]}" "${JSON[@]}" -d "{\"events\": [
    {\"id\": \"late1\", \"type\": \"click\", \"user\": \"u7\", \"title_id\": \"$T\", \"variant_id\": \"$GONE\"},
    {\"id\": \"late2\", \"type\": \"click\", \"user\": \"u7\", \"title_id\": \"$T\", \"variant_id\": \"0123456789abcdef\"},
    {\"id\": \"late3\", \"type\": \"click\", \"user\": \"u7\", \"title_id\": \"$T\", \"variant_id\": \"NOT-AN-ID\"}]}"
check_code "events naming pictures by id" 200
check "  a retired picture's event is taken; unknown and malformed ids are refused" \
    jq -e '.accepted == 1 and ([.rejected[].index] == [1, 2])
           and (.rejected[0].reason | test("no variant of that variant_id"))
           and (.rejected[1].reason | test("16 lowercase hex"))' "$BODY"
check_eq "  stored with its id (no number: it has none now)" "$GONE|" \
    "$(db_sql "$DB" "SELECT variant_id, variant_number FROM events WHERE client_id = 'late1'")"

# ---- a restart from the snapshot knows the same ------------------------------------------
snapshotted() { [ "$(db_sql "$DB" "SELECT count(*) FROM policy_state WHERE scope = '$T'")" -ge 1 ]; }
sleep 1.5
check "the server wrote its snapshot" wait_for 20 snapshotted
P_A=$(probability_of "$LIKED")
serve_stop A
serve_start B "$DB" "$ART" --refresh 0.3 --snapshot 1 --policy thompson
A=${URL_OF[B]}
check_eq "a restarted server gives the picture the same probability" "$P_A" \
    "$(probability_of "$LIKED")"

# ---- analysed as at first: the retired pictures come back ----------------------------------
analyse drama 8
back() { jget "$A/v1/titles/$T/variants" '.retired | length' | grep -qx 0; }
check "a third analysis choosing them again brings the retired pictures back" wait_for 30 back
check_eq "  with their first ids and numbers" "$BEFORE" "$(ids_by_number)"
serve_stop B
drop_dbs
finish
