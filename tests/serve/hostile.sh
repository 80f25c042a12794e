#!/usr/bin/env bash
# hostile.sh: `keyart serve` against hostile HTTP input, on SQLite with one analysed
# clip: malformed, truncated and oversized bodies, wrong types and unknown fields in
# every field of an event (and of batches and experiments), missing or wrong tokens,
# wrong content types, routes and methods, path traversal on /artwork (encodings,
# symbolic links out of the folder, FIFOs), absurd query values, the dashboard's routes
# (queries, ids, bodies, racing controls), slow and incomplete
# requests, many connections at once. Every refusal must be a 4xx whose JSON body
# {"error": {"status", "message"}} names the problem; the server must keep answering
# and end with a clean log (no sanitizer report) and a clean exit.
set -euo pipefail
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/../store/lib_store.sh" sqlite
. "$(dirname "$0")/lib_serve.sh"

DB=$(fresh_db hostile)
ART="$WORK/artwork"
T=faces_single_shot_3s
NOW=$(date +%s)
ka_run analyze env KEYART_DB="$DB" KEYART_ARTWORK="$ART" "$KEYART_BIN" analyze \
    "$MEDIA/$T.mp4" -o "$WORK/out" --quiet
check_rc "analyse $T" 0

serve_start H "$DB" "$ART" --refresh 0.3 --threads 2
U=${URL_OF[H]}
HOST=127.0.0.1
PORT=${U##*:}
trap '' PIPE        # writes to connections the server closed fail, not kill the script
V=$(curl -s "$U/v1/titles/$T/variants" | jq '.variants[0].variant_number')
check "the title has a first variant ($V)" test "$V" -ge 1

# post TAG PATH BODY [CURL ARGS...]: an authorised JSON POST of BODY (a string).
post() {
    local tag=$1 path=$2 body=$3
    shift 3
    printf '%s' "$body" >"$WORK/body-$tag"
    http "$tag" POST "$U$path" "${AUTH[@]}" "${JSON[@]}" --data-binary "@$WORK/body-$tag" "$@"
}

# ---- slow and incomplete requests: opened now, checked at the end -----------------------
# Half a request line's headers, then nothing: each holds a connection, none may hold a
# thread (the server has 2); the idle timeout (10 s) must close them.
SLOW=()
for i in $(seq 40); do
    exec {fd}<>"/dev/tcp/$HOST/$PORT"
    printf 'GET /v1/titles HTTP/1.1\r\nHost: x\r\nX-Slow: %d\r\n' "$i" >&"$fd"
    SLOW+=("$fd")
done
# A POST whose body never comes in full.
exec {fd}<>"/dev/tcp/$HOST/$PORT"
printf 'POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"events": [' "$TOKEN" >&"$fd"
SLOW+=("$fd")
SLOW_AT=$(date +%s)
http slow-healthz GET "$U/healthz" --max-time 5
check_code "/healthz answers while 41 requests hang half sent" 200
http slow-artwork GET "$U/v1/artwork?user=u1&title=$T" --max-time 5
check_code "/v1/artwork too" 200

# ---- bodies that are not what they should be ----------------------------------------------
GOOD=$(jq -n -c --arg t "$T" --argjson v "$V" --argjson now "$NOW" \
    '{id: "good", type: "impression", user: "u1", title_id: $t, variant_number: $v, ts: $now}')
post bad-json1 /v1/events '{"events": ['
check_error "malformed JSON (unclosed)" 400 "malformed JSON"
post bad-json2 /v1/events '{"events": [}]}'
check_error "malformed JSON (bad token)" 400 "malformed JSON"
post bad-json3 /v1/events "{'events': []}"
check_error "malformed JSON (single quotes)" 400 "malformed JSON"
post bad-json4 /v1/events '{"events": [], }'
check_error "malformed JSON (trailing comma)" 400 "malformed JSON"
post bad-json5 /v1/events '{"events": [], "events": []}'
check_error "duplicate keys" 400 "malformed JSON|duplicate"
printf '{"events": [{"id": "a\0b"}]}' >"$WORK/nul.json"
http bad-nul POST "$U/v1/events" "${AUTH[@]}" "${JSON[@]}" --data-binary "@$WORK/nul.json"
check_error "a NUL byte in the body" 400 "malformed JSON|NUL|\\\\u0000"
printf '{"events": ["\xff\xfe"]}' >"$WORK/latin.json"
http bad-utf8 POST "$U/v1/events" "${AUTH[@]}" "${JSON[@]}" --data-binary "@$WORK/latin.json"
check_error "a body that is not UTF-8" 400 "malformed JSON|UTF-8"
post deep /v1/events "$(head -c 100000 /dev/zero | tr '\0' '[')"
check_error "100000 nested arrays" 400 "malformed JSON|depth|nest"
post scalar /v1/events '42'
check_error "a JSON number as the body" 400 "must be a JSON object"
post truncated /v1/events "$(jq -c "{events: [$GOOD, $GOOD]}" <<<null | head -c 60)"
check_error "a truncated body" 400 "malformed JSON"
for body in '[]' '"events"' '42' 'null' 'true' '[{"events": []}]'; do
    post "nonobj-$body" /v1/events "$body"
    check_error "a body that is not an object: $body" 400 "must be a JSON object|'\\[' or '\\{' expected"
done
post empty /v1/events ''
check_error "an empty body" 400 "needs a JSON body"
for body in '{}' '{"events": {}}' '{"events": "x"}' '{"events": []}' '{"events": null}'; do
    post "events-$body" /v1/events "$body"
    check_error "events not a list of events: $body" 400 "events must be a list of 1-1000"
done
post too-many /v1/events "$(jq -c --argjson g "$GOOD" '{events: [range(1001) | $g | .id = "many-\(.)"]}' <<<null)"
check_error "1001 events" 400 "1-1000"
post top-unknown /v1/events "{\"events\": [$GOOD], \"extra\": 1}"
check_error "an unknown top-level field" 400 "unknown field 'extra'"

# ---- every field of an event, wrong -------------------------------------------------------------
# DESC @ JQ (applied to a good event) @ what the reason must say
CASES=(
    'id a number@.id = 5@id must be a string'
    'id empty@.id = ""@id must be a string'
    'id of 129 characters@.id = ("x" * 129)@id must be a string of 1-128'
    'id missing@del(.id)@id must be a string'
    'type a number@.type = 1@type must be a string'
    'type unknown@.type = "purchase"@type must be impression, click'
    'type missing@del(.type)@type must be'
    'user a list@.user = []@user must be a string'
    'user empty@.user = ""@user must be a string'
    'user of 257 characters@.user = ("u" * 257)@user must be a string of 1-256'
    'user missing@del(.user)@user must be'
    'title_id an object@.title_id = {}@title_id must be a string'
    'title_id unknown@.title_id = "no_such_title"@no such title'
    'title_id missing@del(.title_id)@title_id must be'
    'title, the old name@.title = .title_id | del(.title_id)@unknown field .title.'
    'variant_number a string@.variant_number = "1"@variant_number must be an integer'
    'variant_number a fraction@.variant_number = 1.5@variant_number must be an integer'
    'variant_number null@.variant_number = null@variant_number must be an integer'
    'variant_number not the title'"'"'s@.variant_number = 99@no such variant_number'
    'variant_number missing on an impression@del(.variant_number)@need the variant_number'
    'variant, the old name@.variant = .variant_number | del(.variant_number)@unknown field .variant.'
    'ts a string@.ts = "now"@ts must be a number'
    'ts true@.ts = true@ts must be a number'
    'ts in milliseconds@.ts = 1.7e12@ts is in seconds, not milliseconds'
    'ts in 1970@.ts = 100@after 2000'
    'ts next year@.ts = (now + 4e7)@more than a day in the future'
    'dwell_s negative@.dwell_s = -1@dwell_s must be a number of seconds'
    'dwell_s a string@.dwell_s = "10"@dwell_s must be a number'
    'dwell_s of 4 months@.dwell_s = 1e7@dwell_s must be a number of seconds in 0..86400'
    'dwell_ms, the old name@.dwell_ms = 1500@unknown field .dwell_ms.'
    'policy a number@.policy = 3@policy must be a string'
    'policy of 65 characters@.policy = ("p" * 65)@policy must be a string of 1-64'
    'propensity 0@.propensity = 0@propensity must be a number in \(0, 1\]'
    'propensity above 1@.propensity = 1.5@propensity must be a number in'
    'propensity a string@.propensity = "0.5"@propensity must be a number'
    'propensity negative@.propensity = -0.1@propensity must be a number'
    'experiment a number@.experiment = 7 | .arm = "a"@experiment must be a string'
    'experiment without arm@.experiment = "x"@experiment and arm go together'
    'arm without experiment@.arm = "a"@experiment and arm go together'
    'arm a number@.experiment = "x" | .arm = 1@arm must be a string'
    'context a string@.context = "x"@context must be a JSON object'
    'context a list@.context = [1]@context must be a JSON object'
    'context of 5000 bytes@.context = {pad: ("c" * 5000)}@at most 4096 bytes'
    'an unknown field@.colour = "red"@unknown field .colour.'
    'a number, not an event@5@an event is a JSON object'
    'null, not an event@null@an event is a JSON object'
    'a list, not an event@[]@an event is a JSON object'
)
k=0
for c in "${CASES[@]}"; do
    desc=${c%%@*}
    rest=${c#*@}
    expr=${rest%@*}
    re=${rest##*@}
    k=$((k + 1))
    body=$(jq -n -c --argjson g "$GOOD" --argjson k "$k" --argjson now "$NOW" \
        "{events: [(\$g | .id = \"ok-\(\$k)\"), (\$g | .id = \"bad-\(\$k)\" | $expr)]}") || {
        fail "event with $desc: the test's jq expression"; continue; }
    post "field-$k" /v1/events "$body"
    if [ "$CODE" == 200 ] && jq -e --arg re "$re" '.accepted == 1 and (.rejected | length) == 1 and
            .rejected[0].index == 1 and (.rejected[0].reason | test($re; "i"))' "$BODY" >/dev/null 2>&1; then
        pass "event with $desc: refused alone ($(jq -r '.rejected[0].reason' "$BODY"))"
    else
        fail "event with $desc: refused alone, its good neighbour kept" "expected a reason matching /$re/" \
            "status $CODE: $(head -c 300 "$BODY")"
    fi
done
check_eq "only the good neighbours were stored" "$k" \
    "$(db_sql "$DB" "SELECT count(*) FROM events WHERE client_id LIKE 'ok-%'")"
check_eq "none of the bad ones" 0 "$(db_sql "$DB" "SELECT count(*) FROM events WHERE client_id LIKE 'bad-%'")"
post all-bad /v1/events '{"events": [{"id": "x", "type": "nope"}, 7]}'
check_error "a batch with no good event" 400 "no event was kept: events\[0\]: user must be"
check "... and its per-event reasons" jq -e '.accepted == 0 and (.rejected | length) == 2' "$BODY"
post huge-num /v1/events "{\"events\": [{\"id\": \"hn\", \"type\": \"click\", \"user\": \"u\", \"title_id\": \"$T\", \"variant_number\": 99999999999999999999999}]}"
check_error "an integer too large for JSON's parser" 400 "malformed JSON|too big|overflow"

# ---- batches and experiments, wrong ----------------------------------------------------------------
for c in '{"user": 5, "titles": ["x"]}@user must be a string' \
         '{"titles": ["x"]}@user must be a string' \
         '{"user": "u", "titles": "x"}@titles must be a non-empty list' \
         '{"user": "u", "titles": []}@titles must be a non-empty list' \
         '{"user": "u", "titles": ["x"], "shape": "4x4"}@shape must be' \
         '{"user": "u", "titles": ["x"], "shape": 5}@shape must be' \
         '{"user": "u", "titles": ["x"], "extra": 1}@unknown field .extra.' \
         '[]@must be a JSON object'; do
    http "batch-$c" POST "$U/v1/artwork:batch" "${JSON[@]}" --data-binary "${c%@*}"
    check_error "artwork batch ${c%@*}" 400 "${c#*@}"
done
http batch-many POST "$U/v1/artwork:batch" "${JSON[@]}" \
    --data-binary "$(jq -n -c --arg t "$T" '{user: "u", titles: [range(101) | $t]}')"
check_error "101 titles in a batch" 400 "too many titles"
http batch-types POST "$U/v1/artwork:batch" "${JSON[@]}" --data-binary "{\"user\": \"u\", \"titles\": [5, null, \"$T\"]}"
check "titles that are not strings are refused one by one" \
    jq -e '.artwork[0].error.status == 400 and (.artwork[0].error.message | test("string"))
           and .artwork[1].error.status == 400 and .artwork[2].variant_number >= 1' "$BODY"

ARMS='"arms": [{"name": "a", "variant_number": 1}, {"name": "b", "policy": "seed"}]'
EXPCASES=(
    "{\"name\": \"a/b\", $ARMS}@name must be"
    "{\"name\": \"$(head -c 65 /dev/zero | tr '\0' n)\", $ARMS}@name must be 1-64"
    "{$ARMS}@name must be"
    '{"name": "e", "arms": [{"name": "a", "variant_number": 1}]}@arms must be a list of 2-'
    '{"name": "e", "arms": "ab"}@arms must be a list'
    '{"name": "e", "arms": [{"name": "a", "variant_number": 1}, 5]}@arms\[1\] is not an object'
    '{"name": "e", "arms": [{"name": "a", "variant_number": 1}, {"name": "b"}]}@either a variant_number, a variant_id or a policy'
    '{"name": "e", "arms": [{"name": "a", "variant_number": 1}, {"name": "b", "variant_number": 2, "policy": "seed"}]}@either a variant_number, a variant_id or a policy'
    '{"name": "e", "arms": [{"name": "a", "variant_number": 0}, {"name": "b", "variant_number": 2}]}@variant_number must be an integer'
    '{"name": "e", "arms": [{"name": "a", "variant_number": "1"}, {"name": "b", "variant_number": 2}]}@variant_number must be an integer'
    '{"name": "e", "arms": [{"name": "a", "variant_number": 1}, {"name": "b", "policy": "oracle"}]}@unknown policy'
    '{"name": "e", "arms": [{"name": "a", "variant_number": 1}, {"name": "a", "variant_number": 2}]}@two arms are named'
    '{"name": "e", "arms": [{"name": "a", "variant_number": 1, "weight": -1}, {"name": "b", "variant_number": 2}]}@weight must be'
    '{"name": "e", "arms": [{"name": "a", "variant_number": 1, "colour": 1}, {"name": "b", "variant_number": 2}]}@unknown field .colour.'
    '{"name": "e", "arms": [{"name": "a", "variant": 1}, {"name": "b", "variant_number": 2}]}@unknown field .variant.'
    "{\"name\": \"e\", $ARMS, \"coverage\": 2}@coverage must be"
    "{\"name\": \"e\", $ARMS, \"hash_version\": 3}@hash_version must be 1 or 2"
    "{\"name\": \"e\", $ARMS, \"seed\": \"\"}@seed must be"
    "{\"name\": \"e\", $ARMS, \"control\": \"nobody\"}@control must name an arm"
    "{\"name\": \"e\", $ARMS, \"titles\": []}@titles must be a list"
    "{\"name\": \"e\", $ARMS, \"titles\": [5]}@titles\[0\]"
    "{\"name\": \"e\", $ARMS, \"namespace\": {\"id\": \"n\", \"start\": 0.5, \"end\": 0.2}}@namespace end"
    "{\"name\": \"e\", $ARMS, \"namespace\": 5}@namespace"
    "{\"name\": \"e\", $ARMS, \"shipped\": \"a\"}@no shipped arm"
    "{\"name\": \"e\", $ARMS, \"owner\": \"me\"}@unknown field .owner."
    "{\"name\": \"e\", $ARMS, \"metric\": \"revenue\"}@metric must be one of ctr, take_rate"
    "{\"name\": \"e\", $ARMS, \"metric\": 1}@metric must be one of"
)
k=0
for c in "${EXPCASES[@]}"; do
    k=$((k + 1))
    post "exp-$k" /v1/experiments "${c%@*}"
    check_error "experiment ${c%@*}" 400 "${c##*@}"
done
# well formed, but not what the catalogue can serve: 422 with the reason
post exp-variant /v1/experiments '{"name": "e", "arms": [{"name": "a", "variant_number": 1}, {"name": "b", "variant_number": 12}]}'
check_error "an arm naming a variant the titles do not have" 422 "variant_number 12, which title '$T' does not have"
post exp-title /v1/experiments "{\"name\": \"e\", $ARMS, \"titles\": [\"no_such_title\"]}"
check_error "a title that is not in the catalogue" 422 "'no_such_title' is not in the catalogue"
check_eq "no experiment was stored" 0 "$(db_sql "$DB" "SELECT count(*) FROM experiments")"
post exp-ok /v1/experiments "{\"name\": \"h1\", $ARMS}"
check_code "a good experiment" 201
post exp-mixed /v1/experiments '{"name": "mixed", "arms": [{"name": "a", "variant_number": 1,
    "weight": 1}, {"name": "b", "policy": "thompson"}]}'
check_code "an experiment whose second arm has no weight (0: nobody)" 201
http exp-mixed-report GET "$U/v1/experiments/mixed/report"
check_code "  its report (the empty arm of weight 0 left out of the SRM check)" 200
check "  no sample-ratio mismatch while it is empty" jq -e '.report.srm.mismatch == false' "$BODY"
http exp-start-body POST "$U/v1/experiments/h1/start" "${AUTH[@]}" "${JSON[@]}" -d '{"now": true}'
check_error "start with an unknown field" 400 "unknown field .now."
http exp-start-missing POST "$U/v1/experiments/nope/start" "${AUTH[@]}"
check_error "start an unknown experiment" 404 "nope"
http exp-report-missing GET "$U/v1/experiments/nope/report"
check_error "report of an unknown experiment" 404 "nope"
http exp-ship-type POST "$U/v1/experiments/h1/ship" "${AUTH[@]}" "${JSON[@]}" -d '{"arm": 5}'
check_error "ship an arm that is not a string" 400 "arm must be a string"
http exp-start POST "$U/v1/experiments/h1/start" "${AUTH[@]}"
check_code "start it" 200
http exp-ship-arm POST "$U/v1/experiments/h1/ship" "${AUTH[@]}" "${JSON[@]}" -d '{"arm": "zz"}'
check_error "ship an arm it does not have" 400 "no arm 'zz'"
http exp-ship-none POST "$U/v1/experiments/h1/ship" "${AUTH[@]}"
check_error "ship with no significant winner" 409 "beats control|significant"
http exp-stop POST "$U/v1/experiments/h1/stop" "${AUTH[@]}"
check_code "stop it" 200
http exp-stop2 POST "$U/v1/experiments/h1/stop" "${AUTH[@]}"
check_error "stop it twice" 409 "stopped"

# two experiments on one title: only when a namespace keeps their users apart
for e in 'n1@{"id": "ns", "start": 0, "end": 0.5}' 'n2@{"id": "ns", "start": 0.5, "end": 1}' \
         'n3@{"id": "ns", "start": 0.4, "end": 0.8}' 'n4@{"id": "other", "start": 0, "end": 0.1}'; do
    post "exp-${e%@*}" /v1/experiments "{\"name\": \"${e%@*}\", $ARMS, \"namespace\": ${e#*@}}"
    check_code "create ${e%@*} (namespace ${e#*@})" 201
done
post exp-plain /v1/experiments "{\"name\": \"n5\", $ARMS, \"titles\": [\"$T\"]}"
http start-n1 POST "$U/v1/experiments/n1/start" "${AUTH[@]}"
check_code "start n1" 200
http start-n2 POST "$U/v1/experiments/n2/start" "${AUTH[@]}"
check_code "start n2: the other half of its namespace" 200
http start-n3 POST "$U/v1/experiments/n3/start" "${AUTH[@]}"
check_error "start n3: its range meets n1's" 409 "cannot start: experiment 'n1' already runs on every title"
http start-n4 POST "$U/v1/experiments/n4/start" "${AUTH[@]}"
check_error "start n4: another namespace does not keep users apart" 409 "already runs"
http start-n5 POST "$U/v1/experiments/n5/start" "${AUTH[@]}"
check_error "start n5: no namespace, on a title n1 covers" 409 "already runs"
check_eq "  and they stay drafts" "draft draft draft" "$(db_sql "$DB" "SELECT status FROM experiments
    WHERE name IN ('n3', 'n4', 'n5') ORDER BY name" | paste -sd' ')"
http restart-h1 POST "$U/v1/experiments/h1/start" "${AUTH[@]}"
check_error "restart h1 while n1 and n2 run" 409 "already runs"
for e in n1 n2; do
    http "stop-$e" POST "$U/v1/experiments/$e/stop" "${AUTH[@]}"
    check_code "stop $e" 200
done
http restart-h1b POST "$U/v1/experiments/h1/start" "${AUTH[@]}"
check_code "restart h1 once they stopped" 200
check "  it keeps its first start and lists both runs" jq -e '.runs | length == 2 and
    .[1].stopped_at == null and .[0].stopped_at >= .[0].started_at' "$BODY"
http stop-h1 POST "$U/v1/experiments/h1/stop" "${AUTH[@]}"
check "  stopped again: the last stop is after the first start" jq -e '.stopped_at >= .started_at
    and (.runs | length == 2 and all(.stopped_at >= .started_at))' "$BODY"

# ---- tokens ---------------------------------------------------------------------------------------------
http noauth POST "$U/v1/events" "${JSON[@]}" --data-binary "{\"events\": [$GOOD]}"
check_error "events without a token" 401 "Authorization: Bearer"
check "401 says how to authenticate (WWW-Authenticate)" test -n "$(header WWW-Authenticate)"
for tok in "wrong" "${TOKEN}x" "${TOKEN%?}" "" "$TOKEN $TOKEN"; do
    http "badtok-$tok" POST "$U/v1/events" -H "Authorization: Bearer $tok" "${JSON[@]}" \
        --data-binary "{\"events\": [$GOOD]}"
    check_error "a wrong token ('${tok:0:12}...')" 403 "token is not this server's"
done
http basic POST "$U/v1/events" -H "Authorization: Basic $(printf 'a:%s' "$TOKEN" | base64 -w0)" \
    "${JSON[@]}" --data-binary "{\"events\": [$GOOD]}"
check_error "Basic instead of Bearer" 403 "token"
head -c 2000000 /dev/zero | tr '\0' ' ' >"$WORK/2mb"
http noauth-big POST "$U/v1/events" "${JSON[@]}" --data-binary "@$WORK/2mb"
check_error "no token and a huge body: refused before reading it" 401 "Bearer"
for route in "GET /v1/users" "GET /v1/users/u1" "POST /v1/experiments" "POST /v1/experiments/h1/start" \
             "POST /v1/experiments/h1/stop" "POST /v1/experiments/h1/ship"; do
    http "auth-${route// /}" "${route% *}" "$U${route#* }"
    check_error "$route without a token" 401 "Bearer"
done

# ---- content types and sizes ------------------------------------------------------------------------------
for ct in "text/plain" "application/x-www-form-urlencoded" "application/jsonx" "multipart/form-data" \
          "application/xml"; do
    http "ct-$ct" POST "$U/v1/events" "${AUTH[@]}" -H "Content-Type: $ct" --data-binary "{\"events\": [$GOOD]}"
    check_error "Content-Type $ct" 415 "must be application/json"
done
http ct-none POST "$U/v1/events" "${AUTH[@]}" -H "Content-Type:" --data-binary "{\"events\": [$GOOD]}"
check_error "a body without a Content-Type" 415 "must be application/json"
http ct-binary POST "$U/v1/events" "${AUTH[@]}" -H $'Content-Type: \xff\xfe' --data-binary "{\"events\": [$GOOD]}"
check_error "a Content-Type that is not text" 415 "must be application/json"
http ct-charset POST "$U/v1/events" "${AUTH[@]}" -H "Content-Type: application/json; charset=utf-8" \
    --data-binary "{\"events\": [$(jq -c '.id = "charset"' <<<"$GOOD")]}"
check_code "application/json with a charset is fine" 200
http big POST "$U/v1/events" "${AUTH[@]}" "${JSON[@]}" --data-binary "@$WORK/2mb"
check_error "Content-Length over 1 MiB" 413 "larger than 1048576"
http big-chunked POST "$U/v1/events" "${AUTH[@]}" "${JSON[@]}" -H "Transfer-Encoding: chunked" \
    --data-binary "@$WORK/2mb"
check_error "a chunked body over 1 MiB" 413 "larger than 1048576"
http big-batch POST "$U/v1/artwork:batch" "${JSON[@]}" -H "Transfer-Encoding: chunked" --data-binary "@$WORK/2mb"
check_error "a chunked artwork batch over 1 MiB" 413 "larger than"
# Exactly 1 MiB is allowed, one byte more is not.
ev="{\"events\": [$(jq -c '.id = "mib"' <<<"$GOOD")]}"
{ printf '%s' "$ev"; head -c $((1048576 - ${#ev})) /dev/zero | tr '\0' ' '; } >"$WORK/1mib"
http mib POST "$U/v1/events" "${AUTH[@]}" "${JSON[@]}" --data-binary "@$WORK/1mib"
check_code "a body of exactly 1 MiB" 200
printf ' ' >>"$WORK/1mib"
http mib1 POST "$U/v1/events" "${AUTH[@]}" "${JSON[@]}" --data-binary "@$WORK/1mib"
check_error "1 MiB and a byte" 413 "larger than"

# ---- routes and methods ------------------------------------------------------------------------------------
for path in /nothing /v1 /v1/titles/ /v1/titles/$T/frames /v1/artwork/extra /artwork /artwork/ab \
            "/v1/users/u1/profile/x" /metrics.txt /HEALTHZ; do
    http "route-$path" GET "$U$path" "${AUTH[@]}"
    check_error "GET $path" 404 "no such resource"
done
for route in "DELETE /v1/events@POST" "GET /v1/events@POST" "PUT /healthz@GET, HEAD" \
             "POST /healthz@GET, HEAD" "POST /v1/titles@GET, HEAD" \
             "DELETE /v1/experiments/h1@GET, HEAD" "PATCH /v1/artwork@GET, HEAD" \
             "GET /v1/artwork:batch@POST" "POST /v1/experiments/h1/report@GET, HEAD" \
             "GET /v1/experiments/h1/start@POST" "PUT /v1/experiments@GET, HEAD, POST"; do
    r=${route%@*}
    http "method-${r// /}" "${r% *}" "$U${r#* }" "${AUTH[@]}"
    check_error "$r" 405 "${r% *} is not allowed"
    check_eq "  Allow: what the path takes" "${route#*@}" "$(header Allow)"
done

# ---- path traversal and links on /artwork -------------------------------------------------------------------
IMG=$(curl -s "$U/v1/titles/$T/variants" | jq -r '.variants[0].urls.full')
http img-ok GET "$U$IMG"
check_code "a real image" 200
check "... is a JPEG" is_jpeg "$BODY"
mkdir -p "$WORK/outside/cd"
echo "SECRET outside the artwork folder" >"$WORK/outside/secret.txt"
cp "$BODY" "$WORK/outside/cd/cd$(printf '%062d' 0).jpg"
mkdir -p "$ART/ab" "$ART/ef" "$ART/12"
ln -s "$WORK/outside/secret.txt" "$ART/ab/ab$(printf '%062d' 1).jpg"       # file link out
ln -s "$WORK/outside/cd" "$ART/cd"                                          # folder link out
ln -s /etc/passwd "$ART/ab/ab$(printf '%062d' 2).jpg"
mkfifo "$ART/ef/ef$(printf '%062d' 3).jpg"                                  # would block a reader
mkdir "$ART/12/12$(printf '%062d' 4).jpg"                                   # a folder
for p in "/artwork/ab/ab$(printf '%062d' 1).jpg@404" \
         "/artwork/cd/cd$(printf '%062d' 0).jpg@404" \
         "/artwork/ab/ab$(printf '%062d' 2).jpg@404" \
         "/artwork/ef/ef$(printf '%062d' 3).jpg@404" \
         "/artwork/12/12$(printf '%062d' 4).jpg@404" \
         "/artwork/ab/ab$(printf '%062d' 9).jpg@404" \
         "/artwork/../../../../etc/passwd@404" \
         "/artwork/ab/../../../../etc/passwd@404" \
         "/artwork/%2e%2e/%2e%2e/%2e%2e/etc/passwd@404" \
         "/artwork/%2e%2e/passwd@400" \
         "/artwork/ab/..%2f..%2f..%2fetc%2fpasswd@404" \
         "/artwork/..%2f..%2fetc/passwd@404" \
         "/artwork/%2fetc/passwd@404" \
         "/artwork//etc/passwd@404" \
         "/artwork/etc/passwd@400" \
         "/artwork/..%5c..%5cetc/passwd@400" \
         "/artwork/ab/..@400" \
         "/artwork/AB/AB$(printf '%062d' 1).jpg@400" \
         "/artwork/ab/ab$(printf '%062d' 1).JPG@400" \
         "/artwork/ab/ab$(printf '%062d' 1).jpg.png@400" \
         "/artwork/ab/cd$(printf '%062d' 1).jpg@400" \
         "/artwork/ab/ab$(printf '%063d' 1).jpg@400" \
         "/artwork/ab/ab$(printf '%062d' 1)%00.jpg@400"; do
    http "trav-$p" GET "$U${p%@*}" --path-as-is
    check_error "GET ${p%@*}" "${p##*@}" "no such resource|no image|image paths are"
    if grep -q -e SECRET -e 'root:' "$BODY"; then
        fail "GET ${p%@*} must not leak a file outside the artwork folder" "$(head -c 200 "$BODY")"
    fi
done
check "nothing outside the folder was ever served" test "$(cat "$WORK"/http-trav-*.body | grep -c -e SECRET -e 'root:')" -eq 0

# ---- absurd query values ---------------------------------------------------------------------------------------
LONG300=$(head -c 300 /dev/zero | tr '\0' u)
LONG20K=$(head -c 20000 /dev/zero | tr '\0' u)
for q in "user=u1@user and title are required" "title=$T@user and title are required" \
         "user=&title=$T@user and title are required" "user=u1&title=@user and title are required" \
         "@user and title are required" "user=$LONG300&title=$T@1-256 characters" \
         "user=u1&title=$LONG300@1-256 characters" "user=$LONG20K&title=$T@1-256 characters" \
         "user=u1&title=$T&shape=4x4@shape must be" "user=u1&title=$T&shape=@shape must be" \
         "user=%ff%fe&title=$T@UTF-8" "user=u1&title=%c0%af@UTF-8" "user=%ed%a0%80&title=$T@UTF-8" \
         "user=a%00b&title=$T@no %00"; do
    http "query-${#q}" GET "$U/v1/artwork?${q%@*}"
    check_error "GET /v1/artwork?$(cut -c1-60 <<<"${q%@*}")" 400 "${q#*@}"
done
http query-unknown GET "$U/v1/artwork?user=u1&title=nope"
check_error "an unknown title" 404 "no such title"
http path-utf8 GET "$U/v1/titles/%ff%ff/policies"
check_error "a path that is not UTF-8" 400 "UTF-8"
http route-utf8 GET "$U/nothing%ff"
check_error "an unknown path that is not UTF-8" 400 "UTF-8"
for q in "limit=0" "limit=abc" "limit=100000" "limit=-5" "limit=10x"; do
    http "users-$q" GET "$U/v1/users?$q" "${AUTH[@]}"
    check_error "GET /v1/users?$q" 400 "limit must be 1..1000"
done
http user-unknown GET "$U/v1/users/nobody" "${AUTH[@]}"
check_error "an unknown user" 404 "nobody"
http policies-unknown GET "$U/v1/titles/nope/policies"
check_error "policies of an unknown title" 404 "no such title"
# Beyond libmicrohttpd's request buffer it answers itself (414/431, not JSON): no crash.
http uri-huge GET "$U/v1/artwork?user=$(head -c 70000 /dev/zero | tr '\0' u)&title=$T"
check "a 70 KB URL gets a 4xx ($CODE)" test "${CODE:0:1}" == 4
http header-huge GET "$U/healthz" -H "X-Big: $(head -c 70000 /dev/zero | tr '\0' b)"
check "a 70 KB header gets a 4xx ($CODE)" test "${CODE:0:1}" == 4

# ---- the dashboard's routes ----------------------------------------------------------------------------------------
VID=$(curl -s "$U/v1/titles/$T/variants" | jq -r '.variants[0].variant_id')
for q in "q=$LONG300@q is at most" "limit=0@limit must be" "limit=1001@limit must be" \
         "q=%ff@UTF-8" "q=a%00b@no %00"; do
    http "titles-${q%%=*}-${#q}" GET "$U/v1/titles?${q%@*}"
    check_error "GET /v1/titles?$(cut -c1-40 <<<"${q%@*}")" 400 "${q#*@}"
done
http titles-q-sql GET "$U/v1/titles?q=%27%20OR%201%3D1%20--"
check_eq "a q that is SQL is a substring like any other: no title" "0 0" \
    "$(jqv -r '"\(.total) \(.titles | length)"' "$BODY")"
for q in "limit=0" "limit=-1" "limit=201" "limit=99999999999999999999" "limit=1e2" "limit=" \
         "shape=4x4" "shape=" "shape=%00"; do
    http "preview-${#q}-${q%%=*}" GET "$U/v1/users/u1/preview?$q" "${AUTH[@]}"
    check_error "GET /v1/users/u1/preview?$q" 400 "limit must be|shape must be|no %00"
done
http preview-long GET "$U/v1/users/$LONG300/preview" "${AUTH[@]}"
check "a preview for a 300-byte user: answered, not a server error ($CODE)" test "${CODE:0:1}" != 5
# (an id with an encoded / is a path the routes do not match: 404 "no such resource")
for id in "%27%3B%20DROP%20TABLE%20titles%3B%20--" "..%2F..%2Fetc" "$LONG300" "%2F" "%20"; do
    http "analysis-${#id}" GET "$U/v1/titles/$id/analysis"
    check_error "the analysis of title '$(cut -c1-30 <<<"$id")'" 404 "no such title|no such resource"
    http "daily-${#id}" GET "$U/v1/experiments/$id/daily"
    check_error "the daily series of experiment '$(cut -c1-30 <<<"$id")'" 404 "no experiment|no such resource"
    http "pin-${#id}" POST "$U/v1/titles/$T/variants/$id/pin" "${AUTH[@]}"
    check_error "pinning variant '$(cut -c1-30 <<<"$id")'" 404 "no variant|no such resource"
    http "pin-t-${#id}" POST "$U/v1/titles/$id/variants/$VID/pin" "${AUTH[@]}"
    check_error "pinning in title '$(cut -c1-30 <<<"$id")'" 404 "no title|no such resource"
done
check_eq "the titles table is still there" 1 "$(db_sql "$DB" "SELECT count(*) FROM titles")"
for b in '{"pinned": true}' '[]' 'null' '{' "$(head -c 5000 /dev/zero | tr '\0' '[')"; do
    post "ctl-body-${#b}" "/v1/titles/$T/variants/$VID/exclude" "$b"
    check_error "exclude with the body $(cut -c1-20 <<<"$b")" 400 "JSON|unknown|object|pinned"
done
http ctl-type POST "$U/v1/titles/$T/variants/$VID/exclude" "${AUTH[@]}" -H "Content-Type: text/plain" -d 'x'
check_error "exclude with a text body" 415 "application/json"
http ctl-wrongtoken POST "$U/v1/titles/$T/variants/$VID/exclude" -H "Authorization: Bearer nope"
check_error "exclude with a wrong token" 403 "token"
check_eq "none of it stored a control" 0 "$(db_sql "$DB" "SELECT count(*) FROM variant_controls")"
# Excluding then including every variant, many times at once: never all excluded.
for round in 1 2 3; do
    RACE=()
    for v in $(curl -s "$U/v1/titles/$T/variants" | jq -r '.variants[].variant_id'); do
        curl -s --max-time 60 -o /dev/null -X POST "${AUTH[@]}" "$U/v1/titles/$T/variants/$v/exclude" &
        RACE+=($!)
        curl -s --max-time 60 -o /dev/null -X POST "${AUTH[@]}" "$U/v1/titles/$T/variants/$v/pin" &
        RACE+=($!)
    done
    wait "${RACE[@]}" || true      # only these: the script holds other children
done
check "racing controls never exclude every variant" test "$(db_sql "$DB" "SELECT count(*) FROM
    variants v WHERE NOT EXISTS (SELECT 1 FROM variant_controls c JOIN titles t ON
    t.title_id = c.title_id WHERE t.id = v.title AND c.variant_id = v.variant_id AND
    c.control = 'excluded')")" -ge 1
check_eq "  and keep at most one pin" 1 "$(db_sql "$DB" "SELECT count(*) <= 1 FROM variant_controls
    WHERE control = 'pinned'")"
http after-race GET "$U/v1/artwork?user=u1&title=$T"
check_code "the title is still served" 200

# ---- broken HTTP -------------------------------------------------------------------------------------------------
raw() {     # raw TAG TEXT: sends TEXT on a new connection, prints the status line
    local fd line=""
    exec {fd}<>"/dev/tcp/$HOST/$PORT"
    printf '%b' "$2" >&"$fd" 2>/dev/null || true     # the server may close first
    IFS= read -r -t 10 -u "$fd" line || true
    exec {fd}>&-
    printf '%s\n' "${line%$'\r'}"
}
# raw_check DESC ERE TEXT: the status line of the reply to TEXT matches ERE.
raw_check() {
    local line
    line=$(raw x "$3")
    if grep -Eq -- "$2" <<<"$line"; then pass "$1 (${line:0:40})"; else fail "$1" "status line: '$line'"; fi
}
raw_check "garbage instead of a request line gets a 4xx" '^HTTP/1\.[01] 4' 'HELLO WORLD\r\n\r\n'
raw_check "an unknown HTTP version gets a 4xx or 5xx, or the door" '^(HTTP/[0-9.]+ [45]|$)' \
    'GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n'
raw_check "a bad Content-Length gets a 4xx" '^HTTP/1\.[01] 4' \
    "POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $TOKEN\r\nContent-Type: application/json\r\nContent-Length: -5\r\n\r\n"
# A body cut short: the client goes away mid-body.
exec {fd}<>"/dev/tcp/$HOST/$PORT"
printf 'POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{"events": [{"id": "cut", ' "$TOKEN" >&"$fd" || true
exec {fd}>&-
http after-cut GET "$U/healthz"
check_code "the server answers after a client left mid-body" 200
check_eq "the cut event was not stored" 0 "$(db_sql "$DB" "SELECT count(*) FROM events WHERE client_id = 'cut'")"

# ---- many connections at once --------------------------------------------------------------------------------------
IDLE=()
for i in $(seq 300); do
    exec {fd}<>"/dev/tcp/$HOST/$PORT"
    IDLE+=("$fd")
done
for i in $(seq 600); do
    printf 'url = "%s/v1/artwork?user=c%d&title=%s"\noutput = "/dev/null"\n' "$U" "$i" "$T"
done >"$WORK/many.cfg"
curl -s --no-progress-meter --parallel --parallel-immediate --parallel-max 100 --max-time 120 -w '%{http_code}\n' \
    -K "$WORK/many.cfg" >"$WORK/many.codes" 2>/dev/null || true
check_eq "600 requests on 100 connections at once, with 300 idle ones open: all 200" "600 200" \
    "$(sort "$WORK/many.codes" | uniq -c | awk '{ printf "%s %s", $1, $2 }')"
for fd in "${IDLE[@]}"; do exec {fd}>&-; done

# ---- the slow requests of the start were closed by the idle timeout --------------------------------------------------
while [ $(( $(date +%s) - SLOW_AT )) -lt 15 ]; do sleep 1; done
closed=0
for fd in "${SLOW[@]}"; do
    # EOF (status 1) or a reply means the server let go; > 128 means it still holds it.
    st=0
    IFS= read -r -t 2 -u "$fd" _ || st=$?
    [ "$st" -gt 128 ] || closed=$((closed + 1))
    exec {fd}>&-
done
check_eq "the idle timeout closed every half-sent request" "${#SLOW[@]}" "$closed"

# ---- still standing ------------------------------------------------------------------------------------------------
http final GET "$U/healthz"
check_code "/healthz at the end" 200
check "/metrics counts the refused events" test "$(metric "$U" keyart_events_rejected_total)" -gt 40
check "/metrics counts 4xx replies" test "$(curl -s "$U/metrics" | grep -c 'code="4xx"')" -gt 5
check_log_clean H
serve_stop H
finish
