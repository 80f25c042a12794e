#!/bin/bash
# train_cli.sh: `keyart train-ranker` end to end on grade files written here for two
# shared clips: the ranker file it writes, --loco, --save-features / --features
# (the same ranker either way), --exclude, --ignore; keyart analyze --ranker with it
# (metadata.json names it, the variants follow it); and every way to get it wrong:
# a missing video, malformed grade files, bad options, a bad ranker file.
set -euo pipefail
source "$(dirname "$0")/../cli/lib.sh"
K="$KEYART_BIN"

# Two clips, every 10th frame graded: the first 30 frames of each poor, the rest good.
python3 - "$WORK/grades.json" <<'EOF'
import json, sys
def clip(path, frames, good_from):
    return {"path": path, "grades": {str(f): {"grade": 1 if f < good_from else 3, "why": "test"}
                                     for f in range(0, frames, 10)}}
json.dump({"clips": {"faces_single_shot_3s.mp4": clip("media/faces_single_shot_3s.mp4", 90, 30),
                     "marathon_5s.mkv": clip("media/marathon_5s.mkv", 138, 60)}},
          open(sys.argv[1], "w"))
EOF

ka_run train "$K" train-ranker "$WORK/grades.json" --media "$KEYART_SHARED" -o "$WORK/r.json" \
    --save-features "$WORK/f.json" --loco -q
check_rc "train-ranker" 0
check_eq "a keyart ranker file" "keyart-ranker 1" \
    "$(jqv -r '"\(.format) \(.version)"' "$WORK/r.json")"
check_eq "every feature named once" "$(jq '.features | length' "$WORK/r.json")" \
    "$(jq '[.features[].name] | unique | length' "$WORK/r.json")"
check_eq "it names the clips it learned from" "faces_single_shot_3s.mp4 marathon_5s.mkv" \
    "$(jqv -r '.trained_on' "$WORK/r.json")"
check_eq "it learned from the 23 graded frames" 23 "$(jqv '.frames' "$WORK/r.json")"
check_grep "--loco: each clip held out" "$OUT" "faces_single_shot_3s.mp4 .* held out: tau"
check_grep "--loco: the mean" "$OUT" "leave-one-clip-out mean: tau"

ka_run train-features "$K" train-ranker --features "$WORK/f.json" -o "$WORK/r2.json" -q
check_rc "train-ranker --features" 0
check_eq "the same ranker from saved features" "" \
    "$(diff <(jq -S 'del(.trained_on)' "$WORK/r.json") <(jq -S 'del(.trained_on)' "$WORK/r2.json"))"
ka_run train-json "$K" train-ranker --features "$WORK/f.json" --loco --json -q
check_rc "train-ranker --loco --json" 0
check "--json: tau and ndcg3 per clip" jq -e '.clips | length == 2 and all(has("tau") and has("ndcg3"))' "$OUT"
ka_run train-exclude "$K" train-ranker --features "$WORK/f.json" --exclude marathon_5s.mkv \
    --ignore motion,text -o "$WORK/r3.json" -q
check_rc "--exclude, --ignore" 0
check_eq "--exclude: the other clip only" "faces_single_shot_3s.mp4" \
    "$(jqv -r '.trained_on' "$WORK/r3.json")"
check_eq "--ignore: those weigh 0" "0 0" \
    "$(jqv -r '[.features[] | select(.name == "motion" or .name == "text") | .weight] | join(" ")' "$WORK/r3.json")"

# analyze with it
ka_run analyze "$K" analyze "$MEDIA/marathon_5s.mkv" --ranker "$WORK/r.json" -o "$WORK/out" \
    --db none -q
check_rc "analyze --ranker" 0
check_eq "metadata.json names the ranker" "$WORK/r.json" \
    "$(jqv -r '.title.ranker.source' "$WORK/out/metadata.json")"
check "variant 1 has the highest appeal" jq -e \
    '.variants | (.[0].appeal.score) >= (map(.appeal.score) | max)' "$WORK/out/metadata.json"
check "appeal parts add up to the score" jq -e '.variants | all(
    ((.appeal.parts | [.[].contribution] | add) - .appeal.score | fabs) < 0.01)' "$WORK/out/metadata.json"
check "each variant's appeal: a grade 0..3 and a sentence" jq -e '.variants | all(
    .appeal.grade >= 0 and .appeal.grade <= 3 and (.appeal.text | test("for: .*; against: ")))' \
    "$WORK/out/metadata.json"
check "variants_reason with fewer than asked, else null" jq -e '
    (.variants | length) as $n | .title.variants_requested as $want
    | if $n < $want then .title.variants_reason == "few_good_moments" and (.why_fewer | length > 0)
      else .title.variants_reason == null end' "$WORK/out/metadata.json"
ka_run analyze-default "$K" analyze "$MEDIA/marathon_5s.mkv" -o "$WORK/out0" --db none -q
check_eq "without --ranker: the built-in one" "default" \
    "$(jqv -r '.title.ranker.source' "$WORK/out0/metadata.json")"

# every way to get it wrong
ka_run no-args "$K" train-ranker
check_rc "no grade files: usage" 1
ka_run no-out "$K" train-ranker "$WORK/grades.json"
check_rc "no -o and no --loco: usage" 1
check_grep "it says what is missing" "$ERR" "give -o FILE"
ka_run both "$K" train-ranker "$WORK/grades.json" --features "$WORK/f.json" -o "$WORK/x.json"
check_rc "grade files and --features: usage" 1
ka_run bad-l2 "$K" train-ranker "$WORK/grades.json" --l2 -1 -o "$WORK/x.json"
check_rc "--l2 -1: usage" 1
ka_run bad-ignore "$K" train-ranker --features "$WORK/f.json" --ignore nothing -o "$WORK/x.json"
check_rc "--ignore an unknown feature: usage" 1
check_grep "it names it" "$ERR" "no feature 'nothing'"
ka_run bad-exclude "$K" train-ranker --features "$WORK/f.json" --exclude nope.mp4 -o "$WORK/x.json"
check_rc "--exclude an unknown clip: usage" 1
check_grep "it names it" "$ERR" "nope.mp4"
jq '.clips["marathon_5s.mkv"].path = "media/gone.mkv" | .clips["gone.mkv"] = .clips["marathon_5s.mkv"]
    | del(.clips["marathon_5s.mkv"])' "$WORK/grades.json" >"$WORK/missing.json"
ka_run missing "$K" train-ranker "$WORK/missing.json" --media "$KEYART_SHARED" -o "$WORK/x.json"
check_rc "a clip whose video is missing: input error" 2
check_grep "it names the clip and says what to do" "$ERR" "clip 'gone.mkv' is not found.*--media"
for bad in '{"clips": 3}' 'not json' '{"clips": {"a.mp4": {"grades": {"x": {"grade": 1}}}}}' \
           '{"clips": {"faces_single_shot_3s.mp4": {"path": "media/faces_single_shot_3s.mp4", "grades": {"0": {"grade": 5}}}}}'; do
    printf '%s' "$bad" >"$WORK/bad.json"
    ka_run bad-grades "$K" train-ranker "$WORK/bad.json" --media "$KEYART_SHARED" -o "$WORK/x.json"
    check_rc "malformed grade file ($bad): input error" 2
done
check_grep "a grade out of range says so" "$ERR" "0..3"
ka_run dup "$K" train-ranker "$WORK/grades.json" "$WORK/grades.json" --media "$KEYART_SHARED" -o "$WORK/x.json"
check_rc "a clip graded twice: input error" 2
check_grep "it says so" "$ERR" "graded twice"
check "no ranker file written by the failures" test ! -e "$WORK/x.json"
ka_run no-dir "$K" train-ranker --features "$WORK/f.json" -o /no/such/dir/r.json
check_rc "an output that cannot be written: output error" 3
printf '{"format": "keyart-ranker", "version": 1, "features": [], "cuts": [0, 1, 2]}' >"$WORK/bad-r.json"
ka_run bad-ranker "$K" analyze "$MEDIA/marathon_5s.mkv" --ranker "$WORK/bad-r.json" -o "$WORK/o2" --db none
check_rc "analyze --ranker with a bad file: usage" 1
check_grep "it says why" "$ERR" "--ranker: .*features"
ka_run no-ranker "$K" analyze "$MEDIA/marathon_5s.mkv" --ranker /no/such.json -o "$WORK/o2" --db none
check_rc "analyze --ranker with no file: usage" 1
finish
