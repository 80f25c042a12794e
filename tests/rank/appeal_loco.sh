#!/bin/bash
# appeal_loco.sh SOURCE_ROOT: keyart's picks judged by editors' grades on clips the
# ranker never saw. Runs bench/eval_appeal.sh (leave-one-clip-out over every graded
# clip: ../shared/grades/editor_dev.json and data/grades/) and checks, on the
# editor's development set (issue 11's targets): variant 1's mean grade at least 2.5,
# the first three's at least 2.3, no grade-0 variant among anyone's first four, and
# both above a random frame. Then the shipped ranker must be the one the training
# gives on all graded clips (scripts/train-ranker.sh rebuilds it).
set -euo pipefail
source "$(dirname "$0")/../cli/lib.sh"
ROOT=${1:?source root}

ka_run eval env KEYART_SHARED="$KEYART_SHARED" bash "$ROOT/bench/eval_appeal.sh" \
    --keyart "$KEYART_BIN" --out "$WORK/ev"
check_rc "eval_appeal.sh" 0
cat "$OUT"
line=$(grep '^editor_dev.json: first' "$OUT" || true)
read -r first top3 random <<<"$(sed -E 's/.*first ([0-9.]+), top-3 ([0-9.]+), .*random frame ([0-9.]+).*/\1 \2 \3/' <<<"$line")"
check "the development set was graded ($line)" test -n "$line"
check "first three's mean grade $top3 >= 2.3" awk -v v="$top3" 'BEGIN { exit !(v >= 2.3) }'
check "variant 1's mean grade $first >= 2.5" awk -v v="$first" 'BEGIN { exit !(v >= 2.5) }'
check "variant 1 ($first) beats a random frame ($random)" awk -v a="$first" -v b="$random" 'BEGIN { exit !(a > b) }'
check "the first three ($top3) beat a random frame ($random)" awk -v a="$top3" -v b="$random" 'BEGIN { exit !(a > b) }'
check_grep "no grade-0 variant among the first four" "$OUT" "grade 0 among the first four: 0$"
check_grep "the held-out ranker agrees with the grades (mean tau > 0)" "$OUT" \
    "leave-one-clip-out mean: tau 0\.[0-9]"

# the shipped ranker is what the training gives on every graded clip
ka_run retrain "$KEYART_BIN" train-ranker --features "$WORK/ev/features.json" -o "$WORK/all.json" -q
check_rc "train on every graded clip" 0
DIFF=$(jq -n --slurpfile a "$WORK/all.json" --slurpfile b "$ROOT/data/ranker/default.json" '
  [($a[0].features | map({(.name): .weight}) | add) as $x
   | ($b[0].features | map({(.name): .weight}) | add) as $y
   | ($x | keys[]) as $k | select((($x[$k] // 0) - ($y[$k] // 0)) | fabs > 0.02) | $k] | join(" ")')
check_eq "data/ranker/default.json is the ranker trained on the graded clips (weights within 0.02)" \
    '""' "$DIFF"
check_eq "and on the same frames" "$(jq .frames "$ROOT/data/ranker/default.json")" \
    "$(jq .frames "$WORK/all.json")"
finish
