#!/bin/bash
# quality_weights.sh: `keyart analyze --quality-weights B,C,S,X,R,F` (brightness,
# contrast, sharpness, saturation, BRISQUE, faces). Malformed values are usage errors
# (exit 1) with a message naming the option, and nothing is written; good ones reach
# the score: with only sharpness weighed, every variant's reason.quality_parts gives
# the other parts weight 0 and the quality score is the sharpness part's value (times
# the exposure factor, as always).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

CLIP="$MEDIA/caminandes_10s.mp4"

# ---- malformed values: exit 1, the option and the fault on stderr, nothing written
never="$WORK/never-written"
bad_weights() {  # bad_weights TAG VALUE STDERR_ERE
    ka_run "bad-$1" "$KEYART_BIN" analyze "$CLIP" --db none -q -o "$never" \
        --quality-weights "$2"
    check_rc "--quality-weights '$2' ($1)" 1
    check_grep "--quality-weights '$2': stderr names the option and says why" "$ERR" \
        "bad value .* for --quality-weights: $3"
    check_eq "--quality-weights '$2': nothing on stdout" "0" "$(stat -c %s "$OUT")"
}
bad_weights "two numbers" "1,2" "too few numbers"
bad_weights "empty" "" "too few numbers"
bad_weights "letters" "a,b,c,d,e,f" "'a' is not a number"
bad_weights "negative" "0.25,0.25,0.3,0.2,-0.1,0.15" "'-0.1' is not a number"
bad_weights "all zero" "0,0,0,0,0,0" "all are 0"
bad_weights "trailing junk" "0.25,0.25,0.3,0.2,0.1,0.15x" "'0.15x' is not a number"
bad_weights "seven numbers" "1,1,1,1,1,1,1" "too many numbers"
bad_weights "missing number" "1,1,,1,1,1" "a number is missing"
bad_weights "not finite" "1,1,1,1,1,inf" "'inf' is not a number"
if [ -e "$never" ]; then
    fail "bad weights write no output folder" "$(ls -la "$never" | head -5)"
else
    pass "bad weights write no output folder"
fi

# ---- documented in --help
ka_run "help" "$KEYART_BIN" analyze --help
check_rc "keyart analyze --help" 0
check_grep "keyart analyze --help lists --quality-weights" "$OUT" '--quality-weights B,C,S,X,R,F'

# ---- only sharpness weighs
dir="$WORK/sharp"
ka_run "sharp" "$KEYART_BIN" analyze "$CLIP" --db none -q -o "$dir" \
    --quality-weights 0,0,1,0,0,0
check_rc "analyze with --quality-weights 0,0,1,0,0,0" 0
META="$dir/metadata.json"
check "some variants were chosen" jq -e '(.variants | length) >= 1' "$META"
check "every variant has the four parts measured without vision" \
    jq -e 'all(.variants[].reason.quality_parts;
               has("brightness") and has("contrast") and has("sharpness") and has("saturation"))' \
    "$META"
check "sharpness has weight 1 in every variant" \
    jq -e 'all(.variants[].reason.quality_parts; .sharpness.weight == 1)' "$META"
check "every other part has weight 0 and contributes 0" \
    jq -e 'all(.variants[].reason.quality_parts | to_entries[]
               | select(.key != "sharpness" and .key != "exposure_factor");
               .value.weight == 0 and .value.contribution == 0)' "$META"
# Values are rounded to 4 decimals in the JSON: allow for that.
check "quality_score = the sharpness part's value x exposure factor" \
    jq -e 'all(.variants[]; (.quality_score - .reason.quality_parts.sharpness.value
                              * .reason.quality_parts.exposure_factor) | fabs < 0.0002)' "$META"
check "quality_score = visual_quality.sharpness when nothing is clipped" \
    jq -e 'all(.variants[] | select(.reason.quality_parts.exposure_factor == 1);
               (.quality_score - .visual_quality.sharpness) | fabs < 0.0002)' "$META"

# ---- the defaults weigh the parts differently (the option is what changed the score)
ka_run "default" "$KEYART_BIN" analyze "$CLIP" --db none -q -o "$WORK/default"
check_rc "analyze with the default weights" 0
check "default weights: sharpness 0.3, brightness 0.25" \
    jq -e 'all(.variants[].reason.quality_parts;
               .sharpness.weight == 0.3 and .brightness.weight == 0.25)' \
    "$WORK/default/metadata.json"

finish
