#!/bin/bash
# simulate_cli.sh: `keyart simulate` end to end. The JSON report has every policy asked
# for, with counts as integers and rates in 0..1, and the same seed prints the same
# report; --experiment prints experiment/'s report with users as the units; over a real
# store's catalogue (a shared clip analysed into it) the viewers see its variants; bad
# options and scenario files are usage errors that say why.
set -euo pipefail
source "$(dirname "$0")/../cli/lib.sh"

SIM=("$KEYART_BIN" simulate --users 200 --days 2)

ka_run "report" "${SIM[@]}" --policies random,thompson,oracle --json
check_rc "a small run" 0
check_eq "three policies, random named uniform" "uniform thompson oracle" \
    "$(jq -r '[.policies[].policy] | join(" ")' "$OUT")"
check_eq "counts are integers, rates in 0..1, a ctr per day" "true" "$(jq '[.policies[] |
    (.impressions | type == "number" and . == floor and . > 0),
    (.clicks <= .impressions), (.ctr >= 0 and .ctr <= 1), (.regret >= 0),
    (.day_ctr | length == 2)] | all' "$OUT")"
check_eq "the oracle has no regret and the largest expected ctr" "true" "$(jq '
    (.policies[2].regret == 0) and (.policies[2].expected_ctr >= (.policies | map(.expected_ctr) | max))' "$OUT")"
cp "$OUT" "$WORK/first.json"
ka_run "again" "${SIM[@]}" --policies random,thompson,oracle --json
check "the same seed, the same report" cmp -s "$OUT" "$WORK/first.json"
ka_run "seed" "${SIM[@]}" --policies random --seed 9 --json
check "another seed, another run" test "$(jq .policies[0].clicks "$OUT")" != \
    "$(jq .policies[0].clicks "$WORK/first.json")"

ka_run "table" "${SIM[@]}" --policies random,linucb
check_rc "the table" 0
check_grep "one line per policy" "$OUT" "^linucb +[0-9]+ "

ka_run "ab" "${SIM[@]}" --experiment random,thompson --json
check_rc "an A/B test" 0
check_eq "the scenario and the experiment" "experiment scenario" "$(jq -r 'keys | join(" ")' "$OUT")"
check_eq "its report counts users" "user" "$(jq -r .experiment.report.unit "$OUT")"
check_eq "two arms, control first" "control treatment" \
    "$(jq -r '[.experiment.report.arms[].name] | join(" ")' "$OUT")"

# over a real store: a shared clip analysed into it
db="sqlite:$WORK/cat.db"
ka_run "analyze" "$KEYART_BIN" analyze "$MEDIA/faces_single_shot_3s.mp4" --db "$db" \
    --artwork "$WORK/art" -q -o "$WORK/out" --title-id faces
check_rc "a clip analysed into a store" 0
ka_run "store" "${SIM[@]}" --db "$db" --policies thompson --json
check_rc "over the store's catalogue" 0
check "its one title was shown" test "$(jq .policies[0].impressions "$OUT")" -gt 0
# a uniformly random log of the simulation, stored as a server would have: keyart ope's
# estimates of each policy from it hold the policy's own (on-policy) click rate
ka_run "log" "$KEYART_BIN" simulate --db "$db" --users 3000 --days 7 --log \
    --policies uniform,thompson,seed,contextual --json
check_rc "the first policy's events stored" 0
cp "$OUT" "$WORK/onpolicy.json"
check_eq "every impression stored" "$(jq .policies[0].impressions "$WORK/onpolicy.json")" \
    "$(sqlite3 "$WORK/cat.db" "SELECT count(*) FROM events WHERE type = 'impression'")"
for p in uniform thompson seed contextual; do
    ka_run "ope-$p" "$KEYART_BIN" ope --db "$db" --title faces --policy "$p" --level 0.95 --json
    check_rc "ope of $p on the simulated log" 0
    ctr=$(jq --arg p "$p" '.policies[] | select(.policy == $p) | .ctr' "$WORK/onpolicy.json")
    check_eq "ope used every impression ($p)" "$(jq .policies[0].impressions "$WORK/onpolicy.json")" \
        "$(jq .log.impressions.used "$OUT")"
    for est in ips snips dr; do
        check_eq "$p's on-policy ctr $ctr is in $est's 95% interval" "true" \
            "$(jq --argjson c "$ctr" ".estimates.$est.ci | .lo <= \$c and \$c <= .hi" "$OUT")"
    done
done
ka_run "log-again" "$KEYART_BIN" simulate --db "$db" --users 3000 --days 7 --log \
    --policies uniform --json
check_eq "the same run logged twice stores nothing new" \
    "$(jq .policies[0].impressions "$WORK/onpolicy.json")" \
    "$(sqlite3 "$WORK/cat.db" "SELECT count(*) FROM events WHERE type = 'impression'")"
ka_run "log-nodb" "${SIM[@]}" --log
check_rc "--log needs --db" 1
ka_run "nodb" "${SIM[@]}" --db "sqlite:$WORK/none.db"
check_rc "a database that is not there" 3

# usage errors
ka_run "policy" "${SIM[@]}" --policies thompson,bogus
check_rc "an unknown policy" 1
check_grep "it is named" "$ERR" "unknown policy 'bogus'"
ka_run "days" "${SIM[@]}" --days 400
check_rc "days out of range" 1
ka_run "exp" "${SIM[@]}" --experiment thompson
check_rc "an experiment needs two arms" 1
ka_run "exp-oracle" "${SIM[@]}" --experiment uniform,oracle
check_rc "the oracle is no arm" 1
echo '{"users": 10, "dayz": 3}' > "$WORK/bad.json"
ka_run "scenario" "${SIM[@]}" --scenario "$WORK/bad.json"
check_rc "a scenario with an unknown member" 1
check_grep "it says which" "$ERR" "dayz: unknown member"
echo '{"users": 50, "days": 1, "segments": [{"name": "all", "scene": {"landscape": 1}}]}' \
    > "$WORK/good.json"
ka_run "good" "$KEYART_BIN" simulate --scenario "$WORK/good.json" --policies random --json
check_rc "a scenario file" 0
check_eq "its values are used" "50 1 all" \
    "$(jq -r '[.scenario.users, .scenario.days, .scenario.segments[0].name] | join(" ")' "$OUT")"
finish
