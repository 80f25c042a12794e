# lib_faults.sh: what the fault tests share, on top of tests/cli/lib.sh (and
# tests/store/lib_store.sh, tests/serve/lib_serve.sh when a script uses them). Source
# it last. It gives:
#   - need_root WHAT: skips the script (77) when not root, unless in CI ($CI set),
#     where it fails: mounting a tmpfs needs root, and CI runs as root
#   - small_tmpfs DIR SIZE: mounts a tmpfs of SIZE (e.g. 4m) on DIR, unmounted at exit
#   - fill DIR KB_LEFT: fills DIR's filesystem until about KB_LEFT KiB are left
#     (one file, DIR/.filler); unfill DIR removes it
#   - own_pg_start: a PostgreSQL cluster of this script's own (scripts/pg-test-cluster.sh),
#     which it may restart or fill without disturbing other tests; sets OWN_PG_URL,
#     OWN_PG_DIR, and KEYART_TEST_PG_URL to it (for lib_store.sh's fresh_db); stopped
#     and removed at exit. pg_restart restarts it (fast mode), pg_stop and pg_start
#     stop and start it; as_pg CMD runs CMD as the cluster's owner
#   - sqlite_ok FILE: PRAGMA integrity_check says ok
#   - half_titles DB: the titles whose rows are not all there (shots, candidates,
#     variants as the title row counts them; at least one variant); empty when none
#   - missing_art DB DIR: the variants' images the database names that are not JPEG
#     files in the artwork folder DIR; empty when none
#   - folder_whole DIR: metadata.json names exactly the variants whose images are in
#     DIR (four each), the other files are there, nothing hidden inside
#   - digest DIR: the digests of DIR's files but metadata.json (which holds the run's
#     time), to tell one result from another
#   - rand_sleep MIN MAX: sleeps a random time in [MIN, MAX] seconds (RANDOM, seeded
#     from $KEYART_FAULT_SEED when set, else printed so a failure can be replayed)
#   - bg PID...: processes killed (SIGKILL) at exit if still running
FAULT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FAULT_MOUNTS=()
FAULT_PIDS=()
OWN_PG_DIR=""

faults__exit() {
    local rc=$? m p next=ka__exit
    for p in "${FAULT_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    for p in "${FAULT_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    for m in "${FAULT_MOUNTS[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
    if [ -n "$OWN_PG_DIR" ]; then
        if declare -F drop_dbs >/dev/null; then drop_dbs; fi
        "$FAULT_ROOT/scripts/pg-test-cluster.sh" stop "$OWN_PG_DIR" >/dev/null 2>&1 || true
    fi
    if declare -F serve__exit >/dev/null; then next=serve__exit; fi
    (exit "$rc")
    "$next"
}
trap faults__exit EXIT

bg() { FAULT_PIDS+=("$@"); }

# skip_or_fail WHY: 77 locally, a failure in CI.
skip_or_fail() {
    case "${CI:-}" in
        ""|0|false)
            echo "SKIP: $1"
            trap - EXIT
            for m in "${FAULT_MOUNTS[@]}"; do umount "$m" 2>/dev/null || true; done
            rm -rf -- "$WORK"
            exit 77 ;;
        *) fail "$1 (in CI this must work)"; exit 1 ;;
    esac
}

need_root() {
    [ "$(id -u)" -eq 0 ] || skip_or_fail "$1 needs root (not root here)"
}

small_tmpfs() {
    mkdir -p "$1"
    if ! mount -t tmpfs -o "size=$2,mode=0777" keyart-faults "$1" 2>"$WORK/mount.err"; then
        skip_or_fail "cannot mount a tmpfs on $1: $(cat "$WORK/mount.err")"
    fi
    FAULT_MOUNTS+=("$1")
}

fill() {
    local avail
    avail=$(df --output=avail -k "$1" | tail -n1 | tr -d ' ')
    if [ "$avail" -gt "$2" ]; then
        fallocate -l "$(( (avail - $2) * 1024 ))" "$1/.filler" 2>/dev/null ||
            head -c "$(( (avail - $2) * 1024 ))" /dev/zero >"$1/.filler" 2>/dev/null || true
    fi
}

unfill() { rm -f "$1/.filler"; }

as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1; }

own_pg_start() {
    local env
    if ! env=$(TMPDIR=/tmp "$FAULT_ROOT/scripts/pg-test-cluster.sh" start 2>"$WORK/pg-start.err"); then
        skip_or_fail "cannot start a PostgreSQL cluster: $(tail -n 3 "$WORK/pg-start.err" | tr '\n' ' ')"
    fi
    eval "$env"
    OWN_PG_DIR=$KEYART_TEST_PG_DIR
    OWN_PG_URL=$KEYART_TEST_PG_URL
    export KEYART_TEST_PG_URL
}

# pg_stop, pg_start: the cluster down and up again (pg-test-cluster.sh's options)
pg_stop() {
    as_pg "$(pg_bin)/pg_ctl" -D "$OWN_PG_DIR/data" -m fast -w -t 60 stop >/dev/null
}

pg_start() {
    as_pg "$(pg_bin)/pg_ctl" -D "$OWN_PG_DIR/data" -l "$OWN_PG_DIR/server.log" -w -t 60 \
        -o "-c listen_addresses='' -k $OWN_PG_DIR -c fsync=off -c synchronous_commit=off -c max_connections=60" \
        start >/dev/null
}

pg_restart() {
    as_pg "$(pg_bin)/pg_ctl" -D "$OWN_PG_DIR/data" -l "$OWN_PG_DIR/server.log" -m fast -w \
        -t 60 restart >/dev/null
}

sqlite_ok() {
    [ "$(sqlite3 -batch "$1" 'PRAGMA integrity_check' 2>&1)" == ok ]
}

half_titles() {
    db_sql "$1" "SELECT t.title_id FROM titles t WHERE t.n_variants < 1
        OR (SELECT count(*) FROM variants v WHERE v.title = t.id) <> t.n_variants
        OR (SELECT count(*) FROM candidates c WHERE c.title = t.id) <> t.n_candidates
        OR (SELECT count(*) FROM shots s WHERE s.title = t.id) <> t.n_shots ORDER BY 1"
}

missing_art() {
    local f
    db_sql "$1" "SELECT image_full, image_16x9, image_2x3, image_1x1 FROM variants" |
        tr '|' '\n' | while read -r f; do
            is_jpeg "$2/$f" || echo "${f:-(no name)}"
        done
}

folder_whole() {
    local dir=$1 n want have f
    [ -d "$dir" ] || { echo "no folder $dir"; return 1; }
    n=$(jq -r '[.variants[].variant_number] | map(tostring) | join(" ")' "$dir/metadata.json") ||
        { echo "metadata.json unreadable"; return 1; }
    want=$(for v in $n; do for s in "" _16x9 _2x3 _1x1; do printf 'variant_%02d%s.jpg\n' "$v" "$s"; done; done | sort)
    have=$(cd "$dir" && ls | grep '^variant_' | sort)
    [ "$want" == "$have" ] || { echo "variant files: want [$want] have [$have]"; return 1; }
    for f in $have contact_sheet.jpg; do is_jpeg "$dir/$f" || { echo "$f is not a JPEG"; return 1; }; done
    for f in shots.json shots.csv; do [ -s "$dir/$f" ] || { echo "no $f"; return 1; }; done
    [ -z "$(ls -A "$dir" | grep '^\.' || true)" ] || { echo "hidden files inside"; return 1; }
}

digest() {
    (cd "$1" && find . -type f ! -name metadata.json | sort | xargs sha256sum)
}

FAULT_SEED=${KEYART_FAULT_SEED:-$(( $$ ^ $(date +%s) ))}
RANDOM=$FAULT_SEED
echo "random seed: $FAULT_SEED (KEYART_FAULT_SEED=$FAULT_SEED replays it)"

rand_sleep() {
    sleep "$(awk -v a="$1" -v b="$2" -v r="$RANDOM" 'BEGIN { printf "%.2f", a + (b - a) * r / 32767 }')"
}

# event_client URL_FILE TITLE DIR: posts batches of four impressions of TITLE (ids
# DIR's name-N-K, arms one and two of experiment "faults") to the server whose URL is
# in URL_FILE (read before every batch: the server may move) until DIR/stop exists.
# Every batch is written to DIR/N.json and its name appended to DIR/sent before it is
# posted; to DIR/acked when the reply was 200 with all four accepted or duplicates;
# the status of any other reply (000: no connection) to DIR/refused.
event_client() {
    local urlf=$1 title=$2 dir=$3 i=0 code url prefix
    prefix=$(basename "$dir")
    while [ ! -e "$dir/stop" ]; do
        i=$((i + 1))
        jq -nc --arg p "$prefix-$i" --arg t "$title" '{events: [range(4) | {id: "\($p)-\(.)",
            type: "impression", user: "\($p)-u\(.)", title_id: $t, variant_number: (. % 2 + 1),
            experiment: "faults", arm: (if . % 2 == 0 then "one" else "two" end)}]}' >"$dir/$i.json"
        echo "$i" >>"$dir/sent"
        url=$(cat "$urlf" 2>/dev/null || true)
        code=$(curl -s -o "$dir/reply" -w '%{http_code}' --max-time 30 -X POST "${AUTH[@]}" \
            "${JSON[@]}" --data-binary "@$dir/$i.json" "$url/v1/events" 2>/dev/null) || true
        if [ "$code" == 200 ] && jq -e '.accepted + .duplicates == 4' "$dir/reply" >/dev/null 2>&1; then
            echo "$i" >>"$dir/acked"
        else
            echo "${code:-000}" >>"$dir/refused"
            sleep 0.1
        fi
    done
}

# resend_all URL DIR: every batch the client sent, posted again: prints how many were
# not answered 200 with all four accepted or duplicates (0 when the server took all).
resend_all() {
    local url=$1 dir=$2 i bad=0 code
    for i in $(cat "$dir/sent"); do
        code=$(curl -s -o "$dir/reply" -w '%{http_code}' --max-time 30 -X POST "${AUTH[@]}" \
            "${JSON[@]}" --data-binary "@$dir/$i.json" "$url/v1/events") || true
        [ "$code" == 200 ] && jq -e '.accepted + .duplicates == 4' "$dir/reply" >/dev/null 2>&1 ||
            bad=$((bad + 1))
    done
    echo "$bad"
}

# acked_missing DB DIR: the acknowledged events not stored; empty when none.
acked_missing() {
    local i k p
    p=$(basename "$2")
    for i in $(cat "$2/acked" 2>/dev/null); do
        for k in 0 1 2 3; do echo "$p-$i-$k"; done
    done | sort >"$2/acked-ids"
    db_sql "$1" "SELECT client_id FROM events" | sort >"$2/stored-ids"
    comm -23 "$2/acked-ids" "$2/stored-ids"
}

# experiment_start URL TITLE: experiment "faults" on TITLE, arms one (variant 1) and
# two (variant 2), started.
experiment_start() {
    curl -s -o /dev/null -X POST "${AUTH[@]}" "${JSON[@]}" "$1/v1/experiments" -d "{\"name\": \"faults\",
        \"arms\": [{\"name\": \"one\", \"variant_number\": 1}, {\"name\": \"two\", \"variant_number\": 2}],
        \"titles\": [\"$2\"], \"seed\": \"faults\"}"
    curl -s -o /dev/null -w '%{http_code}' -X POST "${AUTH[@]}" "$1/v1/experiments/faults/start"
}

# report_vs_db URL DB: "impressions per arm in the report | in the database".
report_vs_db() {
    local rep
    rep=$(curl -s --max-time 30 "${AUTH[@]}" "$1/v1/experiments/faults/report" |
        jq -r '[.report.arms[] | "\(.name)=\(.impressions)"] | join(" ")')
    echo "$rep | $(db_sql "$2" "SELECT arm || '=' || count(*) FROM events WHERE experiment = 'faults'
        AND type = 'impression' GROUP BY arm ORDER BY arm" | tr '\n' ' ' | sed 's/ $//')"
}

# client_done CLIENT_PID DIR: stops event_client (its pid and folder) and says how it
# went: batches sent, acknowledged, refused (by status).
client_done() {
    touch "$2/stop"
    wait "$1" || true
    echo "       (batches sent $(wc -l <"$2/sent"), acknowledged $(wc -l <"$2/acked"), refused: $(sort "$2/refused" 2>/dev/null | uniq -c | tr -s ' ' | tr '\n' ',' || true))"
}

# events_settled URL DB DIR: what event_client's folder DIR says against the database
# DB and the server at URL: every acknowledged event stored, every batch sent taken
# when posted again, each event stored once, every event folded, and the experiment
# report counting each stored impression once.
events_settled() {
    local url=$1 db=$2 dir=$3 sent rep
    check_eq "every acknowledged event is stored" "" "$(acked_missing "$db" "$dir")"
    check_eq "every batch sent, posted again, is taken" 0 "$(resend_all "$url" "$dir")"
    sent=$(( $(wc -l <"$dir/sent") * 4 ))
    check_eq "every event sent is stored, once" "$sent $sent" \
        "$(db_sql "$db" "SELECT count(*), count(DISTINCT client_id) FROM events" | tr '|' ' ')"
    folded() { [ "$(curl -s "$url/healthz" | jq -r .watermark)" == \
                 "$(db_sql "$db" "SELECT max(id) FROM events")" ]; }
    check "the server folds every stored event" wait_for 60 folded
    rep=$(report_vs_db "$url" "$db")
    check "the report counts each stored impression once ($rep)" test "${rep% | *}" == "${rep#* | }"
    check_eq "  all of them" "$sent" "$(awk -F'[ =|]+' '{ print $2 + $4 }' <<<"${rep% | *}")"
}
