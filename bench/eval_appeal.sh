#!/usr/bin/env bash
# eval_appeal.sh [--keyart BIN] [--out DIR] [GRADES.json...]: how well keyart picks
# artwork, judged by editors' grades, on clips the ranker has never seen.
#
# Leave-one-clip-out: the graded frames of every clip are measured once (keyart
# train-ranker --save-features); then for each clip a ranker is trained on the other
# clips only, `keyart analyze` runs on the clip with it, and ../shared/tools/
# grade_picks.py grades the variants it chose. Printed per grade file and overall:
# variant 1's grade, the mean of the first three, unusable (grade 0) picks among the
# first four, and the held-out ranker's agreement with the grades on every graded
# frame (Kendall's tau-b, NDCG at 3). The targets (issue 11) are checked by
# tests/rank/appeal_loco.sh, which runs this script.
#
# Default grade files: ../shared/grades/editor_dev.json and data/grades/*.json.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${KEYART_SHARED:-$ROOT/../shared}
BIN=${KEYART_BIN:-$ROOT/build/src/cli/keyart}
OUT=""
FEATURES=""
TRAIN=()
GRADES=()
while [ $# -gt 0 ]; do
    case "$1" in
        --keyart) BIN=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --features) FEATURES=$2; shift 2 ;;     # frames measured before (no measuring)
        --l2|--pointwise|--ignore) TRAIN+=("$1" "$2"); shift 2 ;;
        -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) GRADES+=("$1"); shift ;;
    esac
done
if [ ${#GRADES[@]} -eq 0 ]; then
    GRADES=("$SHARED/grades/editor_dev.json")
    for g in "$ROOT"/data/grades/*.json; do [ -f "$g" ] && GRADES+=("$g"); done
fi
[ -x "$BIN" ] || { echo "eval_appeal: no keyart at $BIN (build it, or --keyart BIN)" >&2; exit 1; }
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/keyart-appeal.XXXXXX")}
mkdir -p "$OUT/models"

if [ -n "$FEATURES" ]; then
    cp "$FEATURES" "$OUT/features.json"
    "$BIN" train-ranker --features "$OUT/features.json" --loco -q ${TRAIN[@]+"${TRAIN[@]}"} |
        tee "$OUT/loco.txt"
else
    echo "== measuring the graded frames (${#GRADES[@]} grade files)"
    "$BIN" train-ranker "${GRADES[@]}" --media "$SHARED" --save-features "$OUT/features.json" \
        --loco -q ${TRAIN[@]+"${TRAIN[@]}"} | tee "$OUT/loco.txt"
fi

# every clip: its grade file, its name, its video
python3 - "$SHARED" "${GRADES[@]}" > "$OUT/clips.tsv" <<'EOF'
import json, os, sys
shared = sys.argv[1]
for g in sys.argv[2:]:
    for name, c in json.load(open(g))["clips"].items():
        rel = c.get("path", name)
        for base in (shared, os.path.dirname(g), os.path.dirname(os.path.dirname(g))):
            p = os.path.join(base, rel)
            if os.path.isfile(p):
                break
        print(f"{g}\t{name}\t{p}")
EOF

echo "== leave-one-clip-out picks"
while IFS=$'\t' read -r grades name video; do
    dir="$OUT/picks/$(basename "$grades" .json)"
    mkdir -p "$dir"
    "$BIN" train-ranker --features "$OUT/features.json" --exclude "$name" -q \
        ${TRAIN[@]+"${TRAIN[@]}"} -o "$OUT/models/$name.json" >/dev/null
    "$BIN" analyze "$video" --ranker "$OUT/models/$name.json" -o "$dir/$name" --db none -q
done < "$OUT/clips.tsv"

echo "== grades of the picks (variant 1, first three, unusable)"
python3 - "$SHARED/tools/grade_picks.py" "$OUT" "${GRADES[@]}" <<'EOF'
import json, os, subprocess, sys
tool, out, files = sys.argv[1], sys.argv[2], sys.argv[3:]
firsts, top3s, unusable4, clips = [], [], 0, 0
for g in files:
    picks = os.path.join(out, "picks", os.path.basename(g)[:-5])
    r = json.loads(subprocess.check_output([sys.executable, tool, g, "--all", picks, "--json"]))
    for name, c in r["clips"].items():
        if "error" in c:
            print(f"  {name}: {c['error']}")
            continue
        clips += 1
        firsts.append(c["first"])
        top3s.append(c["top3"])
        unusable4 += c["grades"][:4].count(0)
        print(f"  {name:32s} variants {c['variants']:2d}  first {c['first']}  "
              f"top3 {c['top3']:.2f}  grades {c['grades']}  (random {c['random']:.2f})")
    o = r["overall"]
    print(f"{os.path.basename(g)}: first {o['first']:.3f}, top-3 {o['top3']:.3f}, "
          f"unusable {o['unusable']} (random frame {o['random']:.3f})")
if clips:
    print(f"all {clips} clips: first {sum(firsts)/clips:.3f}, top-3 {sum(top3s)/clips:.3f}, "
          f"grade 0 among the first four: {unusable4}")
EOF
echo "outputs in $OUT"
