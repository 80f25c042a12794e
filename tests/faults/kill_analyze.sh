#!/usr/bin/env bash
# kill_analyze.sh: `keyart analyze` SIGKILLed at random points, at least 20 times,
# always into the same output folder and the same SQLite database and title; the runs
# alternate at random between two clips whose results differ (2 and 3 variants), so a
# mix would show. After every kill: the database passes integrity_check; the title is
# one clip's analysis, whole, its images in the artwork folder; the output folder is
# one clip's result byte for byte (metadata.json aside) and whole, or absent before
# any run finished. At the end a run that is not killed succeeds, and no stage folder
# of the killed runs is left beside the output folder.
set -euo pipefail
source "$(dirname "$0")/../cli/lib.sh"
source "$(dirname "$0")/../store/lib_store.sh" sqlite
source "$(dirname "$0")/lib_faults.sh"

KILLS=${KEYART_FAULT_KILLS:-20}
CLIPS=("$MEDIA/faces_single_shot_3s.mp4" "$MEDIA/sintel_10s.mp4")
DB="sqlite:$WORK/keyart.db"
ART="$WORK/artwork"
RES="$WORK/out/t"
RUN=("$KEYART_BIN" analyze -q --stage-opt faces.enabled=0 --title-id t --db "$DB" --artwork "$ART")
mkdir -p "$WORK/tmp"
export TMPDIR="$WORK/tmp"           # killed runs leave their spooled frames behind

# the two results, and how long a run takes (the kills fall anywhere in it)
declare -a DIG NV
T=0
for c in 0 1; do
    t0=$(date +%s%N)
    ka_run "ref$c" "${RUN[@]}" "${CLIPS[$c]}" -o "$WORK/ref$c"
    check_rc "a whole run of clip $c" 0
    T=$(( T + ($(date +%s%N) - t0) / 1000000 ))
    DIG[$c]=$(digest "$WORK/ref$c")
    NV[$c]=$(jq '.variants | length' "$WORK/ref$c/metadata.json")
done
check "  the two clips' results differ (${NV[0]} and ${NV[1]} variants)" test "${DIG[0]}" != "${DIG[1]}"
T=$(( T / 2 ))
echo "       (a run takes about $T ms)"

# whole_now: the invariants after a kill; prints what is wrong
whole_now() {
    sqlite_ok "${DB#sqlite:}" || echo "integrity_check: $(sqlite3 "${DB#sqlite:}" 'PRAGMA integrity_check' 2>&1 | head -n 3)"
    local h row
    h=$(half_titles "$DB")
    [ -z "$h" ] || echo "half-written: $h"
    row=$(db_sql "$DB" "SELECT source || '|' || n_variants FROM titles WHERE title_id = 't'")
    case "$row" in ""|"${CLIPS[0]}|${NV[0]}"|"${CLIPS[1]}|${NV[1]}") ;; *) echo "title row: $row" ;; esac
    h=$(missing_art "$DB" "$ART")
    [ -z "$h" ] || echo "images missing: $h"
    if [ -e "$RES" ]; then
        folder_whole "$RES" || true
        h=$(digest "$RES")
        [ "$h" == "${DIG[0]}" ] || [ "$h" == "${DIG[1]}" ] || echo "the folder is neither clip's result"
    fi
}

kills=0 done=0 bad=0 i=0
while [ "$kills" -lt "$KILLS" ] && [ "$i" -lt $((KILLS * 3)) ]; do
    i=$((i + 1))
    c=$((RANDOM % 2))
    "${RUN[@]}" "${CLIPS[$c]}" -o "$RES" >/dev/null 2>"$WORK/run.err" &
    pid=$!
    # half the kills anywhere in a run, half once it writes its folder aside (then
    # it stores the title and swaps the folder in): a fraction of a second later
    if [ $((RANDOM % 2)) -eq 0 ]; then
        rand_sleep 0.05 "$(awk -v t="$T" 'BEGIN { printf "%.2f", t * 0.9 / 1000 }')"
    else
        for _ in $(seq 600); do
            [ -d "$WORK/out/.t.tmp.$pid" ] || ! kill -0 "$pid" 2>/dev/null && break
            sleep 0.05
        done
        rand_sleep 0 0.8
    fi
    kill -KILL "$pid" 2>/dev/null || true
    st=0
    wait "$pid" 2>/dev/null || st=$?
    if [ "$st" -eq 137 ]; then
        kills=$((kills + 1))
    elif [ "$st" -eq 0 ]; then
        done=$((done + 1))
    else
        fail "run $i: exit $st, neither finished nor killed" "$(tail -n 3 "$WORK/run.err")"
    fi
    why=$(whole_now)
    if [ -n "$why" ]; then
        bad=$((bad + 1))
        fail "after run $i (clip $c, exit $st): all whole" "$why"
    fi
done
check "$KILLS runs killed ($kills killed, $done finished first, $i runs)" test "$kills" -ge "$KILLS"
check_eq "after every kill: database, title, images and folder whole" 0 "$bad"

ka_run last "${RUN[@]}" "${CLIPS[0]}" -o "$RES"
check_rc "a run not killed succeeds" 0
check_eq "  the folder is its result" "${DIG[0]}" "$(digest "$RES")"
check_eq "  the title too" "${CLIPS[0]}|${NV[0]}" \
    "$(db_sql "$DB" "SELECT source || '|' || n_variants FROM titles WHERE title_id = 't'")"
check_eq "  all whole" "" "$(whole_now)"
check_eq "  no stage folder of the killed runs is left" "t" "$(ls -A "$WORK/out")"
echo "       (artwork temp files the kills left: $(find "$ART" -name '.tmp-*' | wc -l))"
finish
