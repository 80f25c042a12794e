# lib_serve.sh: what the end-to-end scripts of `keyart serve` share, on top of
# tests/cli/lib.sh (and tests/store/lib_store.sh when a script runs on both backends).
# Source it last. It gives:
#   - TOKEN: the bearer token every server of the script gets; AUTH: curl's header args
#   - serve_start NAME DB ARTWORK [ARGS...]: starts `keyart serve` on 127.0.0.1:0 in
#     the background (log in $WORK/server-NAME.log), waits for its "listening on" line
#     and for /healthz to say it has loaded its state, and sets URL_OF[NAME]; fails the
#     script when it does not come up (SERVE_NO_WAIT=1: only the listening line)
#   - serve_stop NAME: SIGTERM, waits, checks a clean exit and a clean log
#   - check_log_clean NAME: no sanitizer report in the server's log
#   - http TAG METHOD URL [CURL ARGS...]: one request; CODE (000 when the connection
#     failed), BODY (file), HDRS (file)
#   - check_code DESC EXPECTED: the last http's status
#   - check_error DESC STATUS ERE: a 4xx reply of the agreed shape: that status, a JSON
#     body {"error": {"status": STATUS, "message": M}} with M matching ERE
#   - wait_for SECONDS CMD...: runs CMD every 0.2 s until it succeeds (1 on timeout)
#   - metric URL SERIES: the value of one /metrics series ("name{labels}"), 0 if absent
#   - at exit: every server still running is stopped (SIGKILL after 20 s)
TOKEN="keyart-test-$$-${RANDOM}"
AUTH=(-H "Authorization: Bearer $TOKEN")
JSON=(-H "Content-Type: application/json")
declare -A URL_OF=() PID_OF=() LOG_OF=()

serve__exit() {
    local rc=$? name pid
    for name in "${!PID_OF[@]}"; do
        pid=${PID_OF[$name]}
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    if [ "$KA_FAILS" -gt 0 ]; then        # the servers' last words help to see why
        for name in "${!LOG_OF[@]}"; do
            [ -s "${LOG_OF[$name]}" ] || continue
            echo "---- server $name log (last lines):"
            tail -n 15 "${LOG_OF[$name]}" | cut -c1-300
        done
    fi
    if declare -F drop_dbs >/dev/null; then drop_dbs; fi
    (exit "$rc")
    ka__exit
}
trap serve__exit EXIT

serve_start() {
    local name=$1 db=$2 art=$3 port="" pid log
    shift 3
    log="$WORK/server-$name.log"
    # made before the server opens it: else the first sed below may find no file, and
    # with pipefail that failure ends the whole script (a flake on a loaded machine)
    : >"$log"
    "$KEYART_BIN" serve --db "$db" --listen 127.0.0.1:0 --artwork "$art" --token "$TOKEN" \
        "$@" >"$log" 2>&1 </dev/null &
    pid=$!
    PID_OF[$name]=$pid
    LOG_OF[$name]=$log
    for _ in $(seq 1200); do
        port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p' "$log" | head -n1)
        [ -n "$port" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$port" ]; then
        fail "server $name starts" "keyart serve --db $db $*" "log: $(tail -n 5 "$log" | tr '\n' '|')"
        exit 1
    fi
    URL_OF[$name]="http://127.0.0.1:$port"
    pass "server $name listens on port $port"
    [ "${SERVE_NO_WAIT:-0}" == 1 ] && return 0
    local code=""
    for _ in $(seq 1200); do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "${URL_OF[$name]}/healthz") || true
        [ "$code" == 200 ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if [ "$code" != 200 ]; then
        fail "server $name loads its state" "/healthz: $code" "log: $(tail -n 5 "$log" | tr '\n' '|')"
        exit 1
    fi
}

check_log_clean() {
    check_no_sanitizer "server $1: no sanitizer report in its log" "${LOG_OF[$1]}"
}

serve_stop() {
    local name=$1 pid=${PID_OF[$1]} rc=0 gone=0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 600); do
        if ! kill -0 "$pid" 2>/dev/null; then gone=1; break; fi
        sleep 0.1
    done
    if [ "$gone" -eq 1 ]; then
        wait "$pid" || rc=$?
        check_eq "server $name exits 0 on SIGTERM" 0 "$rc"
    else
        kill -KILL "$pid" 2>/dev/null || true
        fail "server $name stops within 60 s of SIGTERM"
    fi
    unset "PID_OF[$name]"
    check_grep "server $name says it stops" "${LOG_OF[$name]}" 'SIGTERM: stopping'
    check_log_clean "$name"
}

http() {
    local tag=${1//[^A-Za-z0-9_.-]/_} method=$2 url=$3
    shift 3
    BODY="$WORK/http-$tag.body"
    HDRS="$WORK/http-$tag.hdr"
    local m=(-X "$method")
    [ "$method" == HEAD ] && m=(-I)
    CODE=$(curl -s -o "$BODY" -D "$HDRS" -w '%{http_code}' --max-time 60 "${m[@]}" "$@" "$url") || true
    [ -n "$CODE" ] || CODE=000
    LAST_REQ="$method $url"
}

check_code() {
    if [ "$CODE" == "$2" ]; then
        pass "$1 ($2)"
    else
        fail "$1 ($2)" "request: $LAST_REQ" "status: $CODE" "body: $(head -c 400 "$BODY" | tr '\n' ' ')"
    fi
}

# A header's value (case-insensitive name) in the last reply.
header() {
    grep -i "^$1:" "$HDRS" | head -n1 | sed 's/^[^:]*: *//' | tr -d '\r'
}

check_error() {
    local desc=$1 status=$2 re=$3 why=()
    [ "$CODE" == "$status" ] || why+=("status $CODE, expected $status")
    case "$(header Content-Type)" in application/json*) ;; *) why+=("content type '$(header Content-Type)'") ;; esac
    if ! jq -e --argjson s "$status" '(.error | type == "object") and .error.status == $s
            and (.error.message | type == "string" and length > 0)' "$BODY" >/dev/null 2>&1; then
        why+=("body is not {\"error\": {\"status\": $status, \"message\": ...}}")
    elif ! jq -r .error.message "$BODY" | grep -Eiq -- "$re"; then
        why+=("message does not match /$re/")
    fi
    if [ ${#why[@]} -eq 0 ]; then
        pass "$desc ($status: $(jq -r .error.message "$BODY" | cut -c1-90))"
    else
        fail "$desc" "request: $LAST_REQ" "${why[@]}" "body: $(head -c 400 "$BODY" | tr '\n' ' ')"
    fi
}

wait_for() {
    local secs=$1 end
    shift
    end=$(( $(date +%s) + secs ))
    while ! "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$end" ] || return 1
        sleep 0.2
    done
}

metric() {
    curl -s --max-time 30 "$1/metrics" | awk -v s="$2" '$1 == s { print $2; found = 1 }
        END { if (!found) print 0 }'
}

# A JSON field of one GET (for polling and comparing): jget URL FILTER
jget() {
    curl -s --max-time 30 "${AUTH[@]}" "$1" | jq -cS "$2"
}
