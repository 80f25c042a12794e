#!/usr/bin/env bash
# ope_cli.sh: `keyart ope` end to end on the Open Bandit Dataset sample: the bts policy
# evaluated from the uniform log (table and JSON, every 99% interval around the bts
# log's click rate, also with DR's ridge reward model), the uniform policy on its own
# log (IPS = SNIPS = observed), and bad command lines and inputs (exit codes,
# messages, no crash).
set -euo pipefail
source "$(dirname "$0")/../cli/lib.sh"

OBD="$KEYART_SHARED/data/obd"
RND="$OBD/random/men/men.csv"
BTS="$OBD/bts/men/men.csv"

ka_run bts_json "$KEYART_BIN" ope --log "$RND" --policy bts --compare "$BTS" --json \
    --boot 1000 --sims 20000 --level 0.99
check_rc "ope --policy bts --json" 0
check "JSON output" jq -e . "$OUT"
check_eq "events" 10000 "$(jq -r '.log.events' "$OUT")"
check_eq "positions" 3 "$(jq -r '.log.positions' "$OUT")"
check_eq "bts log observed" 0.0069 "$(jq -r '.compare.observed' "$OUT")"
check_eq "campaign from the folder" men "$(jq -r '.policy.campaign' "$OUT")"
for m in replay ips snips dr; do
    check "$m 99% interval holds the bts log's click rate" \
        jq -e --arg m "$m" '.estimates[$m] as $e | .compare.observed as $o |
            $e.ci.lo <= $o and $o <= $e.ci.hi and $e.ci.lo <= $e.value and $e.value <= $e.ci.hi' "$OUT"
done

ka_run ridge "$KEYART_BIN" ope --log "$RND" --policy bts --compare "$BTS" --json \
    --boot 300 --sims 20000 --level 0.99 --dr-model ridge --ridge 2
check_rc "ope --dr-model ridge" 0
check_eq "DR model named" ridge "$(jq -r '.dr_model.name' "$OUT")"
check_eq "ridge penalty" 2 "$(jq -r '.dr_model.penalty' "$OUT")"
check "ridge DR 99% interval holds the bts log's click rate" \
    jq -e '.estimates.dr as $e | .compare.observed as $o | $e.ci.lo <= $o and $o <= $e.ci.hi' "$OUT"
ka_run mean "$KEYART_BIN" ope --log "$RND" --policy bts --json --boot 0 --sims 5000
check_eq "mean is the default DR model" mean "$(jq -r '.dr_model.name' "$OUT")"
ka_run ridge_table "$KEYART_BIN" ope --log "$RND" --policy uniform --boot 20 --dr-model ridge
check_rc "ridge table output" 0
check_grep "table names the DR model" "$OUT" '^dr model +ridge'

ka_run uniform "$KEYART_BIN" ope --log "$RND" --policy uniform --json --boot 50
check_rc "ope --policy uniform" 0
check "IPS = SNIPS = observed" jq -e \
    '.estimates.ips.value == .log.observed and .estimates.snips.value == .log.observed' "$OUT"

ka_run table "$KEYART_BIN" ope --log "$RND" --policy bts --boot 50 --sims 5000
check_rc "table output" 0
check_grep "table has the four estimators" "$OUT" '^dr +0\.0'
check_grep "table names the log" "$OUT" 'click rate 0\.00460'

ka_run help "$KEYART_BIN" ope --help
check_rc "--help" 0
check_grep "help mentions replay" "$OUT" 'replay'

ka_run nolog "$KEYART_BIN" ope --policy bts
check_rc "no --log" 1
check_stderr "no --log: a message"
ka_run badpolicy "$KEYART_BIN" ope --log "$RND" --policy nosuch
check_rc "unknown policy" 1
check_grep "unknown policy named" "$ERR" "unknown policy 'nosuch'"
ka_run badboot "$KEYART_BIN" ope --log "$RND" --policy uniform --boot -3
check_rc "bad --boot" 1
check_grep "bad value named" "$ERR" 'bad value for --boot'
ka_run baddr "$KEYART_BIN" ope --log "$RND" --policy uniform --dr-model lasso
check_rc "unknown --dr-model" 1
check_grep "unknown DR model named" "$ERR" "unknown --dr-model 'lasso'"
ka_run badridge "$KEYART_BIN" ope --log "$RND" --policy uniform --dr-model ridge --ridge 0
check_rc "bad --ridge" 1
check_grep "bad ridge value named" "$ERR" 'bad value for --ridge'
ka_run missing "$KEYART_BIN" ope --log "$WORK/none.csv" --policy uniform
check_rc "missing log" 2
check_grep "missing log named" "$ERR" 'none\.csv'
printf 'a,b\n1,2\n' >"$WORK/bad.csv"
ka_run badcsv "$KEYART_BIN" ope --log "$WORK/bad.csv" --policy uniform
check_rc "not an OBD log" 2
check_grep "missing column named" "$ERR" "no column 'item_id'"
ka_run noprior "$KEYART_BIN" ope --log "$RND" --policy bts --prior "$WORK/none.yaml"
check_rc "missing prior" 2
{ head -1 "$RND"; sed -n 2,50p "$RND" | sed 's/,0\.029411764705882353,/,0,/'; } >"$WORK/zero.csv"
ka_run zeroprop "$KEYART_BIN" ope --log "$WORK/zero.csv" --policy uniform
check_rc "zero propensity" 2
check_grep "zero propensity explained" "$ERR" 'propensity'
finish
