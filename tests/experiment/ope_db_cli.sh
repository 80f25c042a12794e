#!/usr/bin/env bash
# ope_db_cli.sh BACKEND: `keyart ope --db` on a log that the real `keyart serve` wrote
# (sqlite or pg): one analysed clip, an experiment of a uniform arm against Thompson
# sampling, simulated users who click variant v with probability 0.05 + 0.1 v, over
# rounds of choices asked from the server and events posted to it. Then: the counts
# (windows still open at 600 s, none at 1 s), the IPS/SNIPS/DR intervals of
# variant:N and of a policy file around their true click rates (on the uniform arm; and
# variant:N on the whole title, where the Thompson arm's propensities are far from uniform),
# uniform = the observed rate, a learned policy, JSON shape and table, and the errors
# (exit codes and messages).
set -euo pipefail
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/../store/lib_store.sh"
. "$(dirname "$0")/../serve/lib_serve.sh"

DB=$(fresh_db ope_db)
ART="$WORK/artwork"
T=caminandes_10s
EXP=ope_ab
USERS=600
ROUNDS=4

ka_run analyze env KEYART_DB="$DB" KEYART_ARTWORK="$ART" "$KEYART_BIN" analyze \
    "$MEDIA/$T.mp4" -o "$WORK/out" --genre animation --quiet
check_rc "analyse $T into the $BACKEND database" 0
NV=$("$KEYART_BIN" variants "$T" --db "$DB" --json | jq length)
check "$T has 3..9 variants ($NV; clicks at 0.05 + 0.1 v need at most 9)" test "$NV" -ge 3 -a "$NV" -le 9

serve_start A "$DB" "$ART" --refresh 0.2 --snapshot 0 --threads 1 --seed 7
A=${URL_OF[A]}
http exp POST "$A/v1/experiments" "${AUTH[@]}" "${JSON[@]}" -d "{\"name\": \"$EXP\",
    \"arms\": [{\"name\": \"random\", \"policy\": \"uniform\"}, {\"name\": \"ts\", \"policy\": \"thompson\"}],
    \"titles\": [\"$T\"], \"seed\": \"ope\"}"
check_code "create the experiment" 201
http start POST "$A/v1/experiments/$EXP/start" "${AUTH[@]}"
check_code "start it" 200
http empty POST "$A/v1/experiments" "${AUTH[@]}" "${JSON[@]}" -d "{\"name\": \"ope_empty\",
    \"arms\": [{\"name\": \"a\", \"variant_number\": 1}, {\"name\": \"b\", \"variant_number\": 2}], \"titles\": [\"$T\"]}"
check_code "an experiment that never runs" 201
in_experiment() { curl -s "$A/v1/artwork?user=probe&title=$T" | jq -e --arg n "$EXP" '.experiment == $n'; }
check "the server picks the experiment up" wait_for 30 in_experiment

# Rounds: every user asks for the title, is shown the answer and clicks it with
# probability 0.05 + 0.1 v (awk's seeded draws); events go in batches that never part an
# impression from its click. users.last: whether each user's last impression was clicked.
for ((round = 1; round <= ROUNDS; round++)); do
    for ((i = 0; i < USERS; i++)); do
        printf 'url = "%s/v1/artwork?user=u%d&title=%s"\n' "$A" "$i" "$T"
    done >"$WORK/urls.cfg"
    curl -s --max-time 120 -K "$WORK/urls.cfg" | jq -r \
        '[.user, .variant_number, .propensity, .policy, .arm] | @tsv' >"$WORK/round$round.tsv"
    awk -F '\t' -v seed="$round" -v round="$round" -v title="$T" -v xp="$EXP" -v out="$WORK/ev$round" '
        BEGIN { srand(seed); n = 0; part = 0 }
        function emit(s) { body = body (n ? "," : "") s; n++ }
        function flush() { if (n) print "{\"events\": [" body "]}" > (out "." part ".json"); part++; n = 0; body = "" }
        {
            base = sprintf("\"user\": \"%s\", \"title_id\": \"%s\", \"variant_number\": %d, \"experiment\": \"%s\", \"arm\": \"%s\"",
                           $1, title, $2, xp, $5)
            emit(sprintf("{\"id\": \"i%d-%s\", \"type\": \"impression\", %s, \"propensity\": %s, \"policy\": \"%s\"}",
                         round, $1, base, $3, $4))
            clicked = rand() < 0.05 + 0.1 * $2
            if (clicked) emit(sprintf("{\"id\": \"c%d-%s\", \"type\": \"click\", %s}", round, $1, base))
            print $1 "\t" $5 "\t" clicked > (out ".last")
            if (n >= 900) flush()
        }
        END { flush() }' "$WORK/round$round.tsv"
    for f in "$WORK/ev$round".*.json; do
        http "events-$round" POST "$A/v1/events" "${AUTH[@]}" "${JSON[@]}" --data-binary "@$f"
        [ "$CODE" == 200 ] && jq -e '.rejected == [] or .rejected == null' "$BODY" >/dev/null ||
            fail "round $round: events stored" "status $CODE: $(head -c 300 "$BODY")"
    done
done
serve_stop A
check_eq "every impression is stored" $((USERS * ROUNDS)) \
    "$(db_sql "$DB" "SELECT count(*) FROM events WHERE type = 'impression'")"
RANDOM_IMPS=$(db_sql "$DB" "SELECT count(*) FROM events WHERE type = 'impression' AND arm = 'random'")
OPEN_RANDOM=$(awk -F '\t' '$2 == "random" && $3 == 0' "$WORK/ev$ROUNDS.last" | wc -l)
check "both arms were served" test "$RANDOM_IMPS" -gt 600 -a "$RANDOM_IMPS" -lt 1800

# ---- counts: at 600 s the users' last unclicked impressions wait; at 1 s none -------
ope() { ka_run "$1" "$KEYART_BIN" ope --db "$DB" "${@:2}"; }
ope open --experiment $EXP --arm random --policy uniform --json --boot 50
check_rc "ope --experiment --arm --policy uniform" 0
check_eq "seen, unsettled (the random users' last impressions without a click)" \
    "$RANDOM_IMPS $OPEN_RANDOM" "$(jqv -r '.log.impressions | "\(.seen) \(.unsettled)"' "$OUT")"
check_eq "attribution: serve's default" 600 "$(jqv -r .log.attribution_s "$OUT")"
sleep 1.5
ope counts --experiment $EXP --arm random --policy uniform --attribution 1 --json --boot 200
check_rc "ope --attribution 1" 0
check_eq "all used, none skipped" "$RANDOM_IMPS $RANDOM_IMPS 0" \
    "$(jqv -r '.log.impressions | "\(.seen) \(.used) \(.skipped)"' "$OUT")"
check "counts are integers" jq -e '[.log.impressions[], .log.events, .log.actions, .log.titles,
    .bootstrap] | all(type == "number" and . == floor)' "$OUT"
check "the answer matches its schema (docs/schemas/cli-ope-db)" python3 \
    "$(dirname "$0")/../schema/check_json.py" \
    "$(dirname "$0")/../../docs/schemas/cli-ope-db.schema.json" "$OUT"
check "every interval is {lo, hi} around its value" jq -e '[.observed, .estimates[]] |
    all(.ci.lo <= .value and .value <= .ci.hi and (.ci | keys) == ["hi", "lo"])' "$OUT"
check "estimators named, level 0.99" jq -e \
    '.estimators == ["replay", "ips", "snips", "dr"] and .level == 0.99 and .policy.kind == "fixed"' "$OUT"
check "uniform on the uniform arm: IPS = SNIPS = observed" jq -e \
    '.estimates.ips.value == .observed.value and .estimates.snips.value == .observed.value' "$OUT"
TRUE_UNIFORM=$(awk -v n="$NV" 'BEGIN { for (v = 1; v <= n; v++) s += 0.05 + 0.1 * v; print s / n }')
check "observed near the uniform truth ($TRUE_UNIFORM)" jq -e --argjson t "$TRUE_UNIFORM" \
    '(.observed.value - $t) | fabs < 0.1' "$OUT"

# ---- fixed policies cover their truth -------------------------------------------------
# The server answers on one thread with --seed 7, so the uniform arm's choices (and the
# simulated clicks) are the same every run: the log is fixed and the checks cannot
# flake. They use 99.9% intervals all the same (test_ope_store.c checks 99% ones).
covers() {    # DESC TRUTH: IPS, SNIPS and DR intervals of $OUT hold TRUTH, and are narrow
    local m
    for m in ips snips dr; do
        check "$1: $m [$(jqv -r ".estimates.$m.ci | \"\(.lo), \(.hi)\"" "$OUT")] holds $2" \
            jq -e --arg m "$m" --argjson t "$2" \
            '.estimates[$m].ci as $i | $i.lo <= $t and $t <= $i.hi and $i.hi - $i.lo < 0.35' "$OUT"
    done
}
ope v2 --experiment $EXP --arm random --policy variant:2 --attribution 1 --json \
    --level 0.999 --boot 2000
check_rc "--policy variant:2" 0
covers "variant:2 on the uniform arm" 0.25
ope vN --title $T --policy "variant:$NV" --attribution 1 --json --level 0.999 --boot 2000
check_rc "--title --policy variant:$NV (both arms)" 0
TRUE_N=$(awk -v n="$NV" 'BEGIN { print 0.05 + 0.1 * n }')
covers "variant:$NV on the whole title" "$TRUE_N"
check_eq "  every impression of the title" $((USERS * ROUNDS)) "$(jqv -r .log.events "$OUT")"
printf '{"description": "half 1, half 3", "titles": {"%s": {"1": 0.5, "3": 0.5}}}\n' "$T" >"$WORK/half.json"
# (on the uniform arm: the Thompson arm nearly never shows variants 1 and 3, and weights
# of 1/propensity that large make IPS's interval wide and its bootstrap unreliable)
ope file --experiment $EXP --arm random --policy "$WORK/half.json" --attribution 1 --json \
    --level 0.999 --boot 2000
check_rc "--policy FILE" 0
check_eq "  policy kind and path" "file $WORK/half.json" "$(jqv -r '"\(.policy.kind) \(.policy.path)"' "$OUT")"
covers "the file policy" 0.25

# ---- a learned policy, and the table --------------------------------------------------
ope ts --title $T --policy thompson --attribution 1 --json --boot 100
check_rc "--policy thompson" 0
check "thompson: four estimates in 0..1, kind learned" jq -e '.policy.kind == "learned" and
    ([.estimates[].value] | all(. >= 0 and . <= 1)) and (.estimates | length) == 4' "$OUT"
check "thompson learns to beat uniform" jq -e --argjson t "$TRUE_UNIFORM" '.estimates.snips.value > $t' "$OUT"
ope table --experiment $EXP --policy variant:1 --attribution 1 --boot 100
check_rc "table output" 0
check_grep "table: the log line" "$OUT" "^log +.*experiment $EXP: $((USERS * ROUNDS)) impressions used"
check_grep "table: observed with its interval" "$OUT" '^observed +click rate 0\.[0-9]+ +99% \['
check_grep "table: dr" "$OUT" '^dr +0\.[0-9]+ +99% \['

# ---- errors -----------------------------------------------------------------------------
ope e-title --title no_such_title --policy uniform
check_rc "unknown title" 1
check_grep "  named" "$ERR" "no title 'no_such_title'"
ope e-exp --experiment no_such_exp --policy uniform
check_rc "unknown experiment" 1
check_grep "  named" "$ERR" "no experiment 'no_such_exp'"
ope e-arm --experiment $EXP --arm nope --policy uniform
check_rc "unknown arm" 1
check_grep "  named" "$ERR" "no arm 'nope'"
ope e-empty --experiment ope_empty --policy uniform
check_rc "no impressions" 2
check_grep "  said so" "$ERR" 'no impressions to evaluate for experiment ope_empty: 0 in the log'
ope e-policy --title $T --policy nosuch
check_rc "a policy neither known nor a file" 1
check_grep "  named" "$ERR" "unknown policy 'nosuch'.*readable policy file"
ope e-variant --title $T --policy variant:99 --attribution 1
check_rc "a variant the title does not have" 1
check_grep "  named" "$ERR" "has no variant 99"
ope e-variant0 --title $T --policy variant:0
check_rc "variant:0" 1
printf '{"titles": {"%s": {"1": 0.5, "2": 0.4}}}' "$T" >"$WORK/sum.json"
ope e-sum --title $T --policy "$WORK/sum.json"
check_rc "a policy file that does not sum to 1" 2
check_grep "  said so" "$ERR" 'sum to 0\.9'
printf '{"titles": {"%s": {"1": 0.5,' "$T" >"$WORK/broken.json"
ope e-json --title $T --policy "$WORK/broken.json"
check_rc "a policy file that is not JSON" 2
check_grep "  said so" "$ERR" 'broken\.json: not JSON'
printf '{"titles": {"other": {"1": 1}}}' >"$WORK/other.json"
ope e-cover --title $T --policy "$WORK/other.json" --attribution 1
check_rc "a policy file without the title" 2
check_grep "  said so" "$ERR" "gives no probabilities for title '$T'"
ope e-level --title $T --policy uniform --level 2
check_rc "bad --level" 1
check_grep "  named" "$ERR" "bad value for --level: '2'"
ope e-attr --title $T --policy uniform --attribution 0
check_rc "bad --attribution" 1
ope e-scope --policy uniform
check_rc "neither --title nor --experiment" 1
check_grep "  said so" "$ERR" 'wants --title ID or --experiment NAME'
ope e-arm-alone --title $T --arm random --policy uniform
check_rc "--arm without --experiment" 1
ope e-log --title $T --policy uniform --log x.csv
check_rc "--log with --db" 1
check_grep "  said so" "$ERR" 'for Open Bandit Dataset logs'
ka_run e-nodb "$KEYART_BIN" ope --db "sqlite:$WORK/none.db" --title $T --policy uniform
check_rc "a database that does not exist" 3
ka_run help "$KEYART_BIN" ope --help
check_rc "--help" 0
check_grep "help: --db" "$OUT" '--db URL'
check_grep "help: --log still" "$OUT" '--log FILE'
drop_dbs
finish
