#!/usr/bin/env bash
# kill_worker.sh: `keyart worker` SIGKILLed at random points, at least 20 times, while
# it drains a queue of jobs on SQLite (kept at two or more queued titles; a 2 s lease,
# so a dead worker's job is taken again soon), a third of the kills inside the
# transaction that stores a title and marks its job done. After every kill: the database passes
# integrity_check, no title is half-written, every stored title's images are in the
# artwork folder, no title was stored twice. At the end a worker that is not killed
# drains the queue: every job done, every title stored exactly once and whole.
set -euo pipefail
source "$(dirname "$0")/../cli/lib.sh"
source "$(dirname "$0")/../store/lib_store.sh" sqlite
source "$(dirname "$0")/lib_faults.sh"

KILLS=${KEYART_FAULT_KILLS:-20}
CLIP="$MEDIA/faces_single_shot_3s.mp4"
DB="sqlite:$WORK/keyart.db"
ART="$WORK/artwork"
W=("$KEYART_BIN" worker --db "$DB" --artwork "$ART" --drain --lease 2 --poll 0.2 -q)
mkdir -p "$WORK/tmp"
export TMPDIR="$WORK/tmp"
n_titles=0

# keeps two titles queued; killed workers' jobs may be killed again and again: they
# must not end failed as a poison input would
top_up() {
    while [ "$(db_sql "$DB" "SELECT count(*) FROM jobs WHERE state = 'queued'" 2>/dev/null || echo 0)" -lt 2 ]; do
        n_titles=$((n_titles + 1))
        "$KEYART_BIN" enqueue "$CLIP" --title-id "w$n_titles" --stage-opt faces.enabled=0 \
            --db "$DB" >/dev/null
        db_sql "$DB" "UPDATE jobs SET max_attempts = 1000"
    done
}

whole_now() {
    sqlite_ok "${DB#sqlite:}" || echo "integrity_check: $(sqlite3 "${DB#sqlite:}" 'PRAGMA integrity_check' 2>&1 | head -n 3)"
    local h
    h=$(half_titles "$DB")
    [ -z "$h" ] || echo "half-written: $h"
    h=$(missing_art "$DB" "$ART")
    [ -z "$h" ] || echo "images missing: $h"
    h=$(db_sql "$DB" "SELECT title_id FROM titles WHERE analysis_version <> 1")
    [ -z "$h" ] || echo "stored twice: $h"
    h=$(db_sql "$DB" "SELECT t.title_id FROM titles t JOIN jobs j ON j.title_id = t.title_id WHERE j.state <> 'done'")
    [ -z "$h" ] || echo "stored, its job not done: $h"
}

# how long a job takes
top_up
t0=$(date +%s%N)
ka_run first "${W[@]}" --once
check_rc "a worker runs one job" 0
T=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "       (a job takes about $T ms)"

kills=0 bad=0 i=0
while [ "$kills" -lt "$KILLS" ] && [ "$i" -lt $((KILLS * 3)) ]; do
    i=$((i + 1))
    top_up
    # two kills in three anywhere in a job (a worker may finish several first); one
    # in three inside the transaction that stores a title and marks its job done
    # (held there by save.c's test hook)
    if [ $((RANDOM % 3)) -ne 0 ]; then
        "${W[@]}" --name "k$i" >/dev/null 2>"$WORK/w.err" &
        pid=$!
        rand_sleep 0.05 "$(awk -v t="$T" 'BEGIN { printf "%.2f", t * 1.2 / 1000 }')"
    else
        KEYART_TEST_SAVE_STALL=1 "${W[@]}" --name "k$i" >/dev/null 2>"$WORK/w.err" &
        pid=$!
        for _ in $(seq 1200); do
            grep -q stalling "$WORK/w.err" || ! kill -0 "$pid" 2>/dev/null && break
            sleep 0.05
        done
        rand_sleep 0 0.9
    fi
    kill -KILL "$pid" 2>/dev/null || true
    st=0
    wait "$pid" 2>/dev/null || st=$?
    if [ "$st" -eq 137 ]; then
        kills=$((kills + 1))
    elif [ "$st" -ne 0 ]; then
        fail "worker $i: exit $st, neither drained nor killed" "$(tail -n 3 "$WORK/w.err")"
    fi
    why=$(whole_now)
    if [ -n "$why" ]; then
        bad=$((bad + 1))
        fail "after worker $i (exit $st): all whole" "$why"
    fi
done
check "$KILLS workers killed ($kills killed, $i workers)" test "$kills" -ge "$KILLS"
check_eq "after every kill: database, titles and images whole, nothing stored twice" 0 "$bad"

ka_run drain "${W[@]}" --name last
check_rc "a worker not killed drains the queue" 0
check_no_sanitizer "  no sanitizer report" "$ERR"
check_eq "every job done" "$n_titles $n_titles" \
    "$(db_sql "$DB" "SELECT count(*), sum(CASE WHEN state = 'done' THEN 1 ELSE 0 END) FROM jobs" | tr '|' ' ')"
check_eq "every title stored exactly once" "$n_titles $n_titles" \
    "$(db_sql "$DB" "SELECT count(*), sum(analysis_version) FROM titles" | tr '|' ' ')"
check_eq "  all whole" "" "$(whole_now)"
echo "       ($n_titles titles; attempts: $(db_sql "$DB" "SELECT group_concat(attempts, ' ') FROM jobs");" \
    "artwork temp files the kills left: $(find "$ART" -name '.tmp-*' | wc -l))"
finish
