#!/bin/bash
# workers.sh BACKEND: the work queue with real `keyart worker` processes, on sqlite or
# pg (the scale-out engine).
#  1. Four workers process eight enqueued titles (the shared clips): every title is
#     analysed exactly once (one attempt per job), its variants are stored once.
#     A title enqueued with --quality-weights 0,0,1,0,0,0 --min-quality 0.5 comes out
#     as `keyart analyze` with them would: only sharpness weighs in every variant's
#     quality parts, and the threshold is 0.5's; bad values are refused (exit 1, the
#     same messages as analyze's) and nothing is enqueued. A title enqueued with
#     --detector cascade and --ranker FILE is analysed and ranked with them by
#     whichever worker takes it (the options travel with the job).
#  2. A worker killed with SIGKILL in the middle of storing (held inside its
#     transaction by a test hook) and one killed in the middle of analysing: another
#     worker finishes each job after the lease ends; no duplicate rows, no
#     half-written title, and readers never saw one.
#  3. A longer video (clips joined by ffmpeg) split into segments analysed by
#     different workers gives the same shots as `keyart shots` on the whole file,
#     and its merge selects with the weights it was enqueued with.
# On SQLite only 1 and the first kill of 2 run.
set -euo pipefail
source "$(dirname "$0")/../cli/lib.sh"
source "$(dirname "$0")/lib_store.sh" "${1:-sqlite}"

ART="$WORK/artwork"
# Killed workers leave their scratch folders behind: keep them inside WORK.
mkdir -p "$WORK/tmp"
export TMPDIR="$WORK/tmp"
W=("$KEYART_BIN" worker --artwork "$ART" --poll 0.2 --threads 2)

# ---- 1. four workers, eight titles
DB=$(fresh_db workers)
# a ranker of our own: the built-in one, renamed (the title's metadata names it)
jq '.trained_on = "worker-test"' "$(dirname "$0")/../../data/ranker/default.json" \
    >"$WORK/custom-ranker.json"
echo '{"format": "not a ranker"}' >"$WORK/bad-ranker.json"
n=0
# (the clips without crowds of faces: the others cost ten times more to analyse)
for spec in caminandes_10s.mp4: sintel_10s.mp4: tears_of_steel_10s.mp4: \
            caminandes_10s.mp4:caminandes_b sintel_10s.mp4:sintel_b \
            caminandes_10s.mp4:caminandes_c sintel_10s.mp4:sintel_c \
            caminandes_10s.mp4:caminandes_d; do
    file=${spec%%:*}; id=${spec#*:}
    args=("$MEDIA/$file" --db "$DB" --genre action)
    [ -n "$id" ] && args+=(--title-id "$id")
    [ "$id" == caminandes_d ] && args+=(--quality-weights 0,0,1,0,0,0 --min-quality 0.5)
    [ "$id" == sintel_b ] && args+=(--detector cascade --stage-opt faces.max_side=640
                                    --ranker "$WORK/custom-ranker.json")
    "$KEYART_BIN" enqueue "${args[@]}" >/dev/null
    n=$((n + 1))
done
check_eq "eight jobs queued" 8 "$(db_sql "$DB" "SELECT count(*) FROM jobs WHERE state = 'queued'")"
check_eq "  one with its weights and minimum quality" "0,0,1,0,0,0|0.5" \
    "$(db_sql "$DB" "SELECT quality_weights, min_quality FROM jobs WHERE min_quality IS NOT NULL")"

# bad_enqueue TAG STDERR_ERE ARGS...: refused with exit 1 and analyze's message.
bad_enqueue() {
    local tag=$1 want=$2
    shift 2
    ka_run "bad-enqueue-$tag" "$KEYART_BIN" enqueue "$MEDIA/caminandes_10s.mp4" --title-id bad \
        --db "$DB" "$@"
    check_rc "enqueue $* ($tag)" 1
    check_grep "  says why" "$ERR" "$want"
}
bad_enqueue "too few" "^keyart enqueue: bad value '1,2' for --quality-weights: too few numbers" \
    --quality-weights 1,2
bad_enqueue "all zero" "^keyart enqueue: bad value '0,0,0,0,0,0' for --quality-weights: all are 0" \
    --quality-weights 0,0,0,0,0,0
bad_enqueue "letters" "for --quality-weights: 'x' is not a number from 0 to 1000" \
    --quality-weights 1,1,x,1,1,1
bad_enqueue "quality 1.5" "^keyart enqueue: bad value '1.5' for --min-quality" --min-quality 1.5
bad_enqueue "quality -1" "bad value '-1' for --min-quality" --min-quality -1
bad_enqueue "stage option" "faces.nope=1: unknown option 'nope' \\(there are: enabled, detector" \
    --stage-opt faces.nope=1
bad_enqueue "detector" "faces.detector=sharp: detector is one of auto, cascade" --detector sharp
bad_enqueue "ranker" "cannot enqueue: the ranker" --ranker "$WORK/bad-ranker.json"
ka_run jobs-after-bad "$KEYART_BIN" jobs --json --db "$DB"
check_eq "bad values enqueue nothing" 8 "$(jqx "$OUT" length)"
ka_run enqueue-help "$KEYART_BIN" enqueue --help
check_grep "enqueue --help lists --quality-weights" "$OUT" '--quality-weights B,C,S,X,R,F'
check_grep "enqueue --help lists --min-quality" "$OUT" '--min-quality Q'

pids=()
for i in 1 2 3 4; do
    "${W[@]}" --db "$DB" --drain --lease 20 --name "w$i" >"$WORK/w$i.out" 2>"$WORK/w$i.err" &
    pids+=($!)
done
st=0
for p in "${pids[@]}"; do wait "$p" || st=$?; done
check_eq "the four workers exit 0" 0 "$st"
check_no_sanitizer "no sanitizer report from the workers" "$WORK"/w?.err
check_eq "every job done, each in one attempt" "8 8" \
    "$(db_sql "$DB" "SELECT count(*), sum(CASE WHEN attempts = 1 THEN 1 ELSE 0 END) FROM jobs WHERE state = 'done'" | tr '|' ' ')"
check_eq "eight titles, each analysed once" "8 8" \
    "$(db_sql "$DB" "SELECT count(*), sum(analysis_version) FROM titles" | tr '|' ' ')"
check_eq "variants stored once per title" "" \
    "$(db_sql "$DB" "SELECT t.title_id FROM titles t LEFT JOIN variants v ON v.title = t.id GROUP BY t.title_id, t.n_variants HAVING count(v.id) <> t.n_variants OR count(v.id) = 0")"
check_eq "candidates stored once per title" "" \
    "$(db_sql "$DB" "SELECT t.title_id FROM titles t LEFT JOIN candidates c ON c.title = t.id GROUP BY t.title_id, t.n_candidates HAVING count(c.id) <> t.n_candidates")"
workers=$(db_sql "$DB" "SELECT count(DISTINCT worker) FROM jobs")
check "the work was shared ($workers workers took jobs)" test "$workers" -ge 2
check_eq "the options went with sintel_b's job" '["faces.detector=cascade","faces.max_side=640"]' \
    "$(db_sql "$DB" "SELECT stage_opts FROM jobs WHERE title_id = 'sintel_b'")"
ka_run export-b "$KEYART_BIN" export sintel_b --db "$DB"
check_eq "  the worker found its faces with the cascades" cascade \
    "$(jqx "$OUT" '[.variants[].vision.detector] | unique | join(",")')"
check_eq "  and ranked with the enqueued ranker" worker-test "$(jqx "$OUT" .title.ranker.trained_on)"
ka_run export-plain "$KEYART_BIN" export sintel --db "$DB"
check "  while sintel, enqueued without them, used the default detector and ranker" \
    jq -e '([.variants[].vision.detector] | unique) != ["cascade"]
           and .title.ranker.trained_on != "worker-test"' "$OUT"
ka_run jobs "$KEYART_BIN" jobs --json --db "$DB"
check_eq "keyart jobs lists them" 8 "$(jqx "$OUT" '[.[] | select(.state == "done")] | length')"

# only_sharpness FILE: every variant weighs sharpness alone (analyze's quality_weights.sh)
only_sharpness() {
    jq -e '(.variants | length) >= 1 and all(.variants[].reason.quality_parts;
        .sharpness.weight == 1 and ([to_entries[] | select(.key != "sharpness" and
        .key != "exposure_factor") | .value.weight] | all(. == 0)))' "$1"
}
ka_run export-sharp "$KEYART_BIN" export caminandes_d --db "$DB"
check_rc "export the title queued with weights" 0
check "  every variant: sharpness weight 1, the others 0" only_sharpness "$OUT"
check "  the threshold is 0.5's (0.5, or relaxed to 0.4, 0.3, 0.25)" jq -e \
    '.title.min_quality_used as $m | any(0.5, 0.4, 0.3, 0.25; (. - $m) | fabs < 0.001)' "$OUT"
ka_run export-default "$KEYART_BIN" export caminandes_c --db "$DB"
check "  (the same clip queued without them has the defaults)" jq -e \
    'all(.variants[].reason.quality_parts; .sharpness.weight == 0.3) and
     (.title.min_quality_used | . <= 0.35)' "$OUT"

# wait_for DESC SECONDS CMD...: polls CMD until it succeeds.
wait_for() {
    local desc=$1 limit=$2 t=0
    shift 2
    until "$@" >/dev/null 2>&1; do
        sleep 0.1
        t=$((t + 1))
        if [ "$t" -ge $((limit * 10)) ]; then fail "$desc (waited ${limit} s)"; return 1; fi
    done
    pass "$desc"
}

job_running() {
    [ "$(db_sql "$1" "SELECT state FROM jobs")" == running ]
}

# kill_test NAME STALL: worker A takes NAME; it is killed while storing (STALL=1) or
# half a second into the job (analysing); worker B must finish the job once A's
# 3-second lease has run out.
kill_test() {
    local name=$1 stall=$2 db a
    db=$(fresh_db "kill_$name")
    "$KEYART_BIN" enqueue "$MEDIA/caminandes_10s.mp4" --title-id "$name" --db "$db" >/dev/null
    if [ "$stall" == 1 ]; then
        KEYART_TEST_SAVE_STALL=120 "${W[@]}" --db "$db" --once --lease 3 --name A \
            >/dev/null 2>"$WORK/A-$name.err" &
        a=$!
        wait_for "$name: worker A is inside its storing transaction" 120 \
            grep -q 'stalling' "$WORK/A-$name.err" || true
        ka_run "readers-$name" "$KEYART_BIN" titles --json --db "$db"
        check_eq "$name: meanwhile readers see no half-written title" 0 "$(jqx "$OUT" length)"
    else
        "${W[@]}" --db "$db" --once --lease 3 --name A >/dev/null 2>"$WORK/A-$name.err" &
        a=$!
        wait_for "$name: worker A is running the job" 60 job_running "$db" || true
        sleep 0.5
    fi
    kill -KILL "$a"
    wait "$a" 2>/dev/null || true
    local t0=$SECONDS
    ka_run "B-$name" "${W[@]}" --db "$db" --drain --lease 3 --name B
    check_rc "$name: worker B drains the queue" 0
    check_eq "$name: the job is done by B in a second attempt" "done|2|B" \
        "$(db_sql "$db" "SELECT state, attempts, worker FROM jobs")"
    check "$name: B waited for the lease, not forever ($((SECONDS - t0)) s)" \
        test $((SECONDS - t0)) -lt 90
    check_eq "$name: one title, stored once" "1|1" \
        "$(db_sql "$db" "SELECT count(*), max(analysis_version) FROM titles")"
    check_eq "$name: its rows are whole (shots, candidates, variants as recorded)" "ok" \
        "$(db_sql "$db" "SELECT CASE WHEN (SELECT count(*) FROM shots) = n_shots AND (SELECT count(*) FROM candidates) = n_candidates AND (SELECT count(*) FROM variants) = n_variants AND n_variants > 0 THEN 'ok' ELSE 'bad' END FROM titles")"
}

# ---- 2. SIGKILL mid-job
kill_test victim_storing 1
if [ "$BACKEND" == sqlite ]; then
    # SQLite runs the same queue code (test_queue.c covers its segment scheduling);
    # the rest runs on PostgreSQL, the engine for many workers, to keep the suite short.
    drop_dbs
    finish
    exit 0
fi
kill_test victim_running 0

# ---- 3. segments: the same shots as one pass over the whole file, on a longer
# video: three clips joined (30 s, 24 fps, keyframes every 2 s)
LONG="$WORK/joined.mp4"
f="scale=640:360,setsar=1,fps=24,format=yuv420p"
ffmpeg -nostdin -v error -y -i "$MEDIA/sintel_10s.mp4" -i "$MEDIA/tears_of_steel_10s.mp4" \
    -i "$MEDIA/caminandes_10s.mp4" -filter_complex \
    "[0:v]$f[a];[1:v]$f[b];[2:v]$f[c];[a][b][c]concat=n=3:v=1:a=0[v]" \
    -map "[v]" -c:v libx264 -preset veryfast -g 48 "$LONG"
DB=$(fresh_db segments)
ka_run enqueue-seg "$KEYART_BIN" enqueue "$LONG" --segment 8 --title-id joined --db "$DB" \
    --quality-weights 0,0,1,0,0,0
check_rc "enqueue with --segment" 0
check_grep "  split into segments" "$OUT" "as 4 segments merged by job"
pids=()
for i in 1 2 3; do
    "${W[@]}" --db "$DB" --drain --lease 20 --name "s$i" >/dev/null 2>"$WORK/s$i.err" &
    pids+=($!)
done
st=0
for p in "${pids[@]}"; do wait "$p" || st=$?; done
check_eq "segment workers exit 0" 0 "$st"
check_eq "four segments and the merge done" "5" \
    "$(db_sql "$DB" "SELECT count(*) FROM jobs WHERE state = 'done'")"
segw=$(db_sql "$DB" "SELECT count(DISTINCT worker) FROM jobs WHERE kind = 'segment'")
check "segments went to several workers ($segw)" test "$segw" -ge 2
ka_run single "$KEYART_BIN" shots "$LONG" -q
check_rc "keyart shots on the whole file" 0
cp "$OUT" "$WORK/single.json"
ka_run merged "$KEYART_BIN" export joined --shots --db "$DB"
check_rc "export --shots of the merged title" 0
norm='[.[] | {index, start_frame, end_frame, transition_in, s: (.start_s * 100 | round), e: (.end_s * 100 | round)}]'
check_eq "segmented shots = single-pass shots" "$(jq -c "$norm" "$WORK/single.json")" \
    "$(jq -c "$norm" "$OUT")"
check "  (and there are several)" test "$(jqx "$WORK/single.json" length)" -ge 8
ka_run merged-meta "$KEYART_BIN" export joined --db "$DB"
check_eq "the merged title has its variants" "$(jq '.variants | length' "$OUT")" \
    "$(db_sql "$DB" "SELECT count(*) FROM variants")"
check "  (8, or fewer with the reason)" jq -e '(.variants | length) as $n | $n >= 1 and
    ($n == 8 or (.title.variants_reason == "few_good_moments" and (.why_fewer | length) > 0))' "$OUT"
check "the merge selected with the weights it was enqueued with" only_sharpness "$OUT"
check_eq "candidates come from every segment" "ok" "$(db_sql "$DB" \
    "SELECT CASE WHEN min(time_s) < 5 AND max(time_s) > 25 THEN 'ok' ELSE 'bad' END FROM candidates")"

drop_dbs
finish
