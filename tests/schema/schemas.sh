#!/usr/bin/env bash
# schemas.sh MODELS: every JSON keyart writes, checked against its schema in
# docs/schemas (tests/schema/check_json.py: the schema, and times printed with at most
# 3 decimals). A real analysis of a short clip (SQLite), then every CLI --json output
# (analyze, shots, titles, variants, export and its --shots and --candidates, jobs,
# cast list, identify, ope, train-ranker), then a real `keyart serve` on that database: health,
# titles, a title, its variants and policies, artwork and batches, events (the request
# and the answers, good and refused), users, the dashboard's routes (title view,
# controls, preview, policy types, daily series), experiments created, started,
# reported, stopped and shipped, and the error shape. /metrics is text: not checked here.
# A renamed or retyped member, a count printed as a real or a time with a binary tail
# fails the check that reads it.
set -euo pipefail
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/../store/lib_store.sh" sqlite
. "$(dirname "$0")/../serve/lib_serve.sh"
MODELS=${1:?models folders (ROOT/models:SHARED/models)}
SCHEMAS="$(cd "$(dirname "$0")/../../docs/schemas" && pwd)"
CHECK_JSON="$(dirname "$0")/check_json.py"
T=faces_single_shot_3s
DB=$(fresh_db schemas)
ART="$WORK/artwork"
NOW=$(date +%s)
export KEYART_DB=$DB KEYART_ARTWORK=$ART

# valid DESC SCHEMA FILE...: the files match docs/schemas/SCHEMA.schema.json.
valid() {
    local desc=$1 name=$2 out
    shift 2
    if out=$(python3 "$CHECK_JSON" "$SCHEMAS/$name.schema.json" "$@" 2>&1); then
        pass "$desc: matches $name.schema.json"
    else
        fail "$desc: matches $name.schema.json" "$(grep -v '^ok ' <<<"$out" | head -n 12)"
    fi
}

check "python3-jsonschema is installed (scripts/setup.sh)" python3 -c 'import jsonschema'
check_eq "every schema is valid JSON Schema" "" "$(for s in "$SCHEMAS"/*.schema.json; do
    python3 -c 'import json, sys, jsonschema; jsonschema.Draft202012Validator.check_schema(
        json.load(open(sys.argv[1])))' "$s" >/dev/null 2>&1 || echo "$s"; done)"

# ---- the command line ------------------------------------------------------------------
ka_run analyze "$KEYART_BIN" analyze "$MEDIA/$T.mp4" -o "$WORK/out" --genre drama --json -q
check_rc "analyze $T --json" 0
cp "$OUT" "$WORK/analyze.json"
valid "analyze --json" metadata "$WORK/analyze.json"
valid "metadata.json" metadata "$WORK/out/metadata.json"
valid "shots.json" shots "$WORK/out/shots.json"
ka_run shots "$KEYART_BIN" shots "$MEDIA/$T.mp4" -q
valid "keyart shots" shots "$OUT"
for cmd in "titles:titles --json" "variants:variants $T --json" "metadata:export $T" \
           "shots:export $T --shots" "candidates:export $T --candidates" \
           "candidates:export $T --candidates --quality-weights 0,0,1,0,0,0"; do
    ka_run "cli-${cmd%%:*}" "$KEYART_BIN" ${cmd#*:}
    check_rc "keyart ${cmd#*:}" 0
    case ${cmd%%:*} in metadata|shots) s=${cmd%%:*} ;; *) s=cli-${cmd%%:*} ;; esac
    valid "keyart ${cmd#*:}" "$s" "$OUT"
done
check "export --candidates --quality-weights has quality_score_rescored" \
    jq -e 'all(.[]; .quality_score_rescored | type == "number")' "$OUT"
ka_run enqueue "$KEYART_BIN" enqueue "$MEDIA/$T.mp4" --min-quality 0.3
ka_run jobs "$KEYART_BIN" jobs --json
check "keyart jobs lists the job" jq -e 'length == 1' "$OUT"
valid "keyart jobs --json" cli-jobs "$OUT"
PF="$KEYART_SHARED/faces/public-figures"
ka_run cast-add "$KEYART_BIN" cast add --title "$T" --name Obama --role hero --models "$MODELS" \
    "$PF/obama.jpg"
check_rc "cast add" 0
ka_run cast-list "$KEYART_BIN" cast list --json
check "cast list names the member" jq -e 'length == 1' "$OUT"
valid "keyart cast list --json" cli-cast "$OUT"
ka_run identify "$KEYART_BIN" identify "$PF/obama_and_biden.jpg" --title "$T" --json --models "$MODELS"
check "identify finds the faces" jq -e '.faces | length >= 2' "$OUT"
valid "keyart identify --json" cli-identify "$OUT"
OBD="$KEYART_SHARED/data/obd"
for policy in uniform bts; do
    ka_run "ope-$policy" "$KEYART_BIN" ope --log "$OBD/random/men/men.csv" --policy "$policy" \
        --compare "$OBD/bts/men/men.csv" --json --boot 30 --sims 2000
    check_rc "ope --policy $policy --json" 0
    valid "keyart ope --policy $policy --json" cli-ope "$OUT"
done
ka_run ope-noboot "$KEYART_BIN" ope --log "$OBD/random/men/men.csv" --policy uniform --json --boot 0
valid "keyart ope --boot 0 --json (no intervals)" cli-ope "$OUT"

python3 - "$WORK/grades.json" <<'PY'
import json, sys
def clip(path, frames):
    return {"path": path, "grades": {str(f): {"grade": f // 30 % 4, "why": "test"}
                                     for f in range(0, frames, 15)}}
json.dump({"clips": {"faces_single_shot_3s.mp4": clip("media/faces_single_shot_3s.mp4", 90),
                     "marathon_5s.mkv": clip("media/marathon_5s.mkv", 138)}}, open(sys.argv[1], "w"))
PY
ka_run train "$KEYART_BIN" train-ranker "$WORK/grades.json" --media "$KEYART_SHARED" \
    -o "$WORK/ranker.json" --loco --json -q --models "$MODELS"
check_rc "train-ranker --loco --json" 0
valid "keyart train-ranker --loco --json" cli-train-ranker "$OUT"

# ---- the server --------------------------------------------------------------------------
serve_start S "$DB" "$ART" --refresh 0.2
U=${URL_OF[S]}
# get TAG SCHEMA PATH [STATUS]: GET one route, check its status and its answer.
get() {
    http "$1" GET "$U$3" "${AUTH[@]}"
    check_code "GET $3" "${4:-200}"
    valid "GET $3" "$2" "$BODY"
}
# post TAG SCHEMA PATH BODY [STATUS]
post() {
    printf '%s' "$4" >"$WORK/req-$1.json"
    http "$1" POST "$U$3" "${AUTH[@]}" "${JSON[@]}" --data-binary "@$WORK/req-$1.json"
    check_code "POST $3" "${5:-200}"
    valid "POST $3" "$2" "$BODY"
}
get healthz http-healthz /healthz
get livez http-livez /livez
get titles http-titles /v1/titles
get title http-title "/v1/titles/$T"
get variants http-title-variants "/v1/titles/$T/variants"
get policies http-title-policies "/v1/titles/$T/policies"
get title404 http-error /v1/titles/no_such_title 404
V=$(jq -c '[.variants[].variant_number]' "$WORK/http-variants.body")
get artwork http-artwork "/v1/artwork?user=u1&title=$T&shape=2x3"
get artwork-plain http-artwork "/v1/artwork?user=u2&title=$T"
post batch http-artwork-batch '/v1/artwork:batch' \
    "{\"user\": \"u1\", \"titles\": [\"$T\", \"no_such_title\", 5], \"shape\": \"1x1\"}"
check "the batch answers the missing titles with the error shape" \
    jq -e '[.artwork[1:][] | .error.status] == [404, 400]' "$BODY"

# Events from the answers, as a client sends them.
jq -c -s --argjson now "$NOW" --argjson v "$V" '[.[] | {title_id, user, variant_number, policy,
    propensity} as $b | ($b + {id: "imp-\(.user)", type: "impression", ts: $now}),
    ($b + {id: "clk-\(.user)", type: "click", ts: ($now + 1), dwell_s: 2.5,
           context: {page: "home"}})] | {events: .}' \
    "$WORK/http-artwork.body" "$WORK/http-artwork-plain.body" >"$WORK/events.json"
valid "the events sent" http-events-request "$WORK/events.json"
post events http-events /v1/events "$(cat "$WORK/events.json")"
check "they are accepted" jq -e '.accepted == 4' "$BODY"
post events-some http-events /v1/events "{\"events\": [{\"id\": \"x1\", \"type\": \"skip\",
    \"user\": \"u3\", \"title_id\": \"$T\", \"ts\": $NOW}, {\"id\": \"x2\", \"type\": \"nope\"}]}"
check "one kept, one refused" jq -e '.accepted == 1 and (.rejected | length) == 1' "$BODY"
post events-none http-events /v1/events '{"events": [{"id": "x3", "type": "nope"}]}' 400
check "none kept: the error shape beside the reasons" jq -e '.error.status == 400' "$BODY"
post events-old-name http-error /v1/events "{\"events\": [], \"title\": \"$T\"}" 400

folded() { [ "$(curl -s "$U/healthz" | jq -r .watermark)" == "$(db_sql "$DB" "SELECT max(id) FROM events")" ]; }
check "the server folds the events" wait_for 30 folded
post admin-refresh http-admin-refresh /v1/admin/refresh '' 200
check "a refresh asked for says how far it folded" jq -e '.watermark > 0' "$BODY"
get users http-users /v1/users
get user http-user /v1/users/u1
get profile http-user /v1/users/u1/profile
get user404 http-error /v1/users/nobody 404
get policies-after http-title-policies "/v1/titles/$T/policies"

# The dashboard's: the title view, an editor's controls, the preview, the policy types.
get analysis http-title-analysis "/v1/titles/$T/analysis"
VID=$(jq -r '.variants[0].variant_id' "$BODY")
post pin http-title-controls "/v1/titles/$T/variants/$VID/pin" '' 200
get artwork-pinned http-artwork "/v1/artwork?user=u1&title=$T"
check "a pinned title's answer says policy pinned" jq -e '.policy == "pinned"' "$BODY"
get titles-pinned http-titles "/v1/titles?q=$T&limit=1"
get policies-pinned http-title-policies "/v1/titles/$T/policies"
get preview-pinned http-user-preview "/v1/users/u1/preview?limit=5&shape=1x1"
post unpin http-title-controls "/v1/titles/$T/variants/$VID/unpin" '' 200
post exclude http-title-controls "/v1/titles/$T/variants/$VID/exclude" '' 200
get analysis-excluded http-title-analysis "/v1/titles/$T/analysis"
post include http-title-controls "/v1/titles/$T/variants/$VID/include" '' 200
post pin404 http-error "/v1/titles/$T/variants/0000000000000000/pin" '' 404
get preview http-user-preview "/v1/users/u1/preview"
get preview-new http-user-preview "/v1/users/nobody/preview"
get policy-types http-policies /v1/policies

# An experiment: a fixed variant against a policy, through its life.
EXP="{\"name\": \"sx\", \"arms\": [{\"name\": \"control\", \"variant_number\": 1, \"weight\": 1},
    {\"name\": \"ts\", \"policy\": \"thompson\", \"weight\": 1}], \"control\": \"control\",
    \"titles\": [\"$T\"], \"seed\": \"schemas\", \"namespace\": {\"id\": \"ns\", \"start\": 0, \"end\": 1}}"
printf '%s' "$EXP" >"$WORK/exp.json"
valid "the experiment sent" http-experiment-request "$WORK/exp.json"
post exp-create http-experiment /v1/experiments "$EXP" 201
post exp-start http-experiment /v1/experiments/sx/start '' 200
get exps http-experiments /v1/experiments
get exp http-experiment /v1/experiments/sx
in_exp() { curl -s "$U/v1/artwork?user=e1&title=$T" | jq -e '.experiment == "sx"'; }
check "the server runs the experiment" wait_for 30 in_exp
for i in $(seq 12); do curl -s "$U/v1/artwork?user=e$i&title=$T" >"$WORK/ea-$i.json"; done
valid "answers in the experiment" http-artwork "$WORK"/ea-*.json
jq -c -s --argjson now "$NOW" '[.[] | {title_id, user, variant_number, policy, propensity,
    experiment, arm} as $b | ($b + {id: "e-imp-\(.user)", type: "impression", ts: $now}),
    ($b + {id: "e-dw-\(.user)", type: "dwell", ts: ($now + 2), dwell_s: 3.25})] | {events: .}' \
    "$WORK"/ea-*.json >"$WORK/exp-events.json"
post exp-events http-events /v1/events "$(cat "$WORK/exp-events.json")"
get report http-experiment-report /v1/experiments/sx/report
check "the report counts the impressions as integers" \
    jq -e '[.report.arms[].impressions] | add == 12' "$BODY"
get daily http-experiment-daily /v1/experiments/sx/daily
check "the daily series counts the same impressions" \
    jq -e '[.days[].arms[].impressions] | add == 12' "$BODY"
check "the report's units are the users" \
    jq -e '.report.unit == "user" and ([.report.arms[].users] | add == 12)' "$BODY"
post exp-stop http-experiment /v1/experiments/sx/stop '' 200
post exp-ship http-experiment /v1/experiments/sx/ship '{"arm": "ts"}' 200
get report-shipped http-experiment-report /v1/experiments/sx/report
post exp-bad http-error /v1/experiments \
    '{"name": "old", "arms": [{"name": "a", "variant": 1}, {"name": "b", "variant_number": 1}]}' 400
get exp404 http-error /v1/experiments/nope 404
serve_stop S
finish
