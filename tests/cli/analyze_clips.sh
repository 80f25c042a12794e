#!/bin/bash
# analyze_clips.sh: `keyart analyze CLIP -o DIR --json -q` on every clip of
# $KEYART_SHARED/media (not the pyscenedetect folder), each analysed once, with many
# checks on the result: exit status, the JSON on stdout against metadata.json, the
# variant count, the seed fields and their types, the images (JPEG, size, aspect,
# not black), shots.json against shots.csv, the contact sheet, and that no variant
# comes from a transition, a flash or a black frame. Then --variants 4 / 12 and
# --genre action / romance on one clip.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# Every variant's seed fields and the JSON type each must have.
TYPES_JQ='
def want: [
  [["title_id"], "string"], [["variant_number"], "number"], [["time_s"], "number"],
  [["frame"], "number"],
  [["scene_type"], "string"], [["characters"], "array"], [["composition"], "string"],
  [["quality_score"], "number"],
  [["visual_quality"], "object"],
  [["visual_quality", "brightness"], "number"], [["visual_quality", "contrast"], "number"],
  [["visual_quality", "sharpness"], "number"], [["visual_quality", "saturation"], "number"],
  [["content_analysis"], "object"],
  [["content_analysis", "emotional_score"], "number"],
  [["content_analysis", "action_score"], "number"],
  [["content_analysis", "dramatic_score"], "number"],
  [["content_analysis", "character_prominence"], "number"],
  [["reason"], "object"], [["reason", "slot"], "string"], [["images"], "object"]
];
if (.variants | type) != "array" then "variants is \(.variants | type), not an array"
else
  .variants[] as $v | want[] as [$p, $t]
  | ($v | try getpath($p) catch null) as $x
  | select(($x | type) != $t)
  | "variant \($v.variant_number // "?"): .\($p | join(".")) is \($x | type), expected \($t)"
end'

# Scores are 0..1; numbering, ids and texts are sane.
VALUES_JQ='
.title.title_id as $id
| (.variants | to_entries[]) as {key: $i, value: $v}
| ( ( ["quality_score"], ["visual_quality", "brightness"], ["visual_quality", "contrast"],
      ["visual_quality", "sharpness"], ["visual_quality", "saturation"],
      ["content_analysis", "emotional_score"], ["content_analysis", "action_score"],
      ["content_analysis", "dramatic_score"], ["content_analysis", "character_prominence"] )
    | . as $p | ($v | try getpath($p) catch null) as $x
    | select(($x | type) == "number" and ($x < 0 or $x > 1))
    | "variant \($i + 1): .\($p | join(".")) = \($x) is outside 0..1" ),
  ( select($v.variant_number != $i + 1)
    | "variant at position \($i): variant_number \($v.variant_number), expected \($i + 1)" ),
  ( select($v.title_id != $id) | "variant \($i + 1): title_id \($v.title_id) != title \($id)" ),
  ( select(($v.reason.slot | type) != "string" or $v.reason.slot == "")
    | "variant \($i + 1): reason.slot is empty" ),
  ( select(($v.scene_type | type) == "string" and $v.scene_type == "")
    | "variant \($i + 1): scene_type is empty" ),
  ( select(($v.time_s | type) == "number" and $v.time_s < 0)
    | "variant \($i + 1): negative time_s \($v.time_s)" ),
  ( select(($v.frame | type) != "number" or $v.frame != ($v.frame | floor) or $v.frame < 0)
    | "variant \($i + 1): frame \($v.frame) is not a frame number" ),
  ( select(($v.characters | type) == "array" and any($v.characters[]; type != "string"))
    | "variant \($i + 1): characters holds non-strings" ),
  ( $v.images | select(type == "object") | ("full", "16x9", "2x3", "1x1") as $k
    | select(has($k) | not) | "variant \($i + 1): images has no \"\($k)\"" )'

# Variant frames inside a transition: the product's own spans (shots.json) and the
# labelled ones; the variant's shot must hold its frame.
TRANSITION_JQ='
([ $shots[0][] | select(.transition_span != null) | .transition_span ]
 + [ ($labels[0][$clip] // {}) | (.boundaries // [])[], (.edge_transitions // [])[]
     | .span | select(. != null) ]) as $spans
| .variants[] as $v
| ( $spans[] | select($v.frame >= .[0] and $v.frame <= .[1])
    | "variant \($v.variant_number): frame \($v.frame) is inside transition span \(.)" ),
  ( ([ $shots[0][] | select(.index == $v.shot) ][0]) as $s
    | select($s == null or $v.frame < $s.start_frame or $v.frame > $s.end_frame)
    | "variant \($v.variant_number): frame \($v.frame) is not in its shot \($v.shot) \($s // "missing" | tostring)" )'

# validate_result TAG DIR CLIP EXPECTED_N: every check on one analysis result.
validate_result() {
    local tag=$1 dir=$2 clip=$3 want=$4 meta="$2/metadata.json"
    local name
    name=$(basename -- "$clip")

    if ! jq -e . "$OUT" >/dev/null 2>&1; then
        fail "$tag: stdout is valid JSON" "$(head -c 300 "$OUT")"
        return
    fi
    pass "$tag: stdout is valid JSON"
    if [ ! -f "$meta" ] || ! jq -e . "$meta" >/dev/null 2>&1; then
        fail "$tag: metadata.json exists and is valid JSON" "$(ls -la "$dir" 2>&1 | head -20)"
        return
    fi
    pass "$tag: metadata.json exists and is valid JSON"
    local d
    if d=$(diff <(jq -S . "$OUT") <(jq -S . "$meta")); then
        pass "$tag: stdout equals metadata.json"
    else
        fail "$tag: stdout equals metadata.json" "$(echo "$d" | head -10)"
    fi

    # Count: as asked, or fewer with a reason; never more.
    local n why
    n=$(jqv '.variants | length' "$meta")
    why=$(jqv -r 'if (.why_fewer | type) == "string" then .why_fewer else "" end' "$meta")
    if [ "$n" -eq "$want" ] || { [ "$n" -lt "$want" ] && [ -n "$why" ]; }; then
        pass "$tag: $n variants of $want${why:+ (why_fewer: $why)}"
    else
        fail "$tag: $want variants, or fewer with a non-empty why_fewer" \
            "variants: $n, why_fewer: '${why}'"
    fi
    check_eq "$tag: title.variants is the length of variants" "$n" \
        "$(jq '.title.variants' "$meta")"
    check_eq "$tag: title.title_id is the file name without extension" "${name%.*}" \
        "$(jq -r '.title.title_id' "$meta")"

    local problems
    problems=$(jq -r "$TYPES_JQ" "$meta" 2>&1) || true
    if [ -z "$problems" ]; then pass "$tag: every variant has the seed fields with their JSON types"
    else fail "$tag: every variant has the seed fields with their JSON types" \
        "$(echo "$problems" | head -12)"; fi
    problems=$(jq -r "$VALUES_JQ" "$meta" 2>&1) || true
    if [ -z "$problems" ]; then pass "$tag: variant numbers, ids, slots and 0..1 scores are sane"
    else fail "$tag: variant numbers, ids, slots and 0..1 scores are sane" \
        "$(echo "$problems" | head -12)"; fi

    # Images: every one named exists, is a JPEG, has its shape; full frames are the
    # content area (bars removed) and are not black.
    local cw ch not_jpeg="" bad_shape="" bad_full="" black="" num key file w h y rest
    cw=$(jqv '.title.content_area.w' "$meta")
    ch=$(jqv '.title.content_area.h' "$meta")
    while IFS=$'\t' read -r num key file; do
        if [[ "$file" == */* || -z "$file" ]] || ! is_jpeg "$dir/$file"; then
            not_jpeg+=" v$num:$key=$file"
            continue
        fi
        read -r w h y rest <<<"$(image_info "$dir/$file")"
        case "$key" in
        16x9) aspect_ok "${w:-0}" "${h:-0}" 16 9 || bad_shape+=" $file=${w}x${h}" ;;
        2x3) aspect_ok "${w:-0}" "${h:-0}" 2 3 || bad_shape+=" $file=${w}x${h}" ;;
        1x1) aspect_ok "${w:-0}" "${h:-0}" 1 1 || bad_shape+=" $file=${w}x${h}" ;;
        full)
            [ "${w:-0}" == "$cw" ] && [ "${h:-0}" == "$ch" ] || bad_full+=" $file=${w}x${h}"
            awk -v y="${y:-0}" 'BEGIN { exit !(y > 20) }' || black+=" $file(YAVG=${y:-?})"
            ;;
        esac
    done < <(jq -r '.variants[] | .variant_number as $n
                    | (.images // {}) | to_entries[] | [$n, .key, .value] | @tsv' "$meta")
    if [ -z "$not_jpeg" ]; then pass "$tag: every image in the metadata exists and is a JPEG"
    else fail "$tag: every image in the metadata exists and is a JPEG" "missing or not JPEG:$not_jpeg"; fi
    if [ -z "$bad_shape" ]; then pass "$tag: crops are 16:9, 2:3 and 1:1 (within 1%)"
    else fail "$tag: crops are 16:9, 2:3 and 1:1 (within 1%)" "wrong shape:$bad_shape"; fi
    if [ -z "$bad_full" ]; then pass "$tag: full variant images are the content area ${cw}x${ch}"
    else fail "$tag: full variant images are the content area ${cw}x${ch}" "size:$bad_full"; fi
    if [ -z "$black" ]; then pass "$tag: no variant image is black (YAVG > 20)"
    else fail "$tag: no variant image is black (YAVG > 20)" "black:$black"; fi

    # shots.json and shots.csv agree.
    if [ -f "$dir/shots.json" ] && jq -e 'type == "array"' "$dir/shots.json" >/dev/null 2>&1 \
        && [ -f "$dir/shots.csv" ]; then
        pass "$tag: shots.json (an array) and shots.csv exist"
        local js cs
        js=$(jqv -r '.[].start_frame' "$dir/shots.json" | tr '\n' ' ')
        cs=$(tail -n +2 "$dir/shots.csv" | cut -d, -f2 | tr '\n' ' ')
        check_eq "$tag: shots.csv has the shots of shots.json (count and start frames)" "$js" "$cs"
        check_eq "$tag: title.shots is the number of shots in shots.json" \
            "$(jq 'length' "$dir/shots.json")" "$(jq '.title.shots' "$meta")"
        problems=$(jq -r --arg clip "$name" --slurpfile shots "$dir/shots.json" \
            --slurpfile labels "$LABELS" "$TRANSITION_JQ" "$meta" 2>&1) || true
        if [ -z "$problems" ]; then pass "$tag: no variant inside a transition; each in its shot"
        else fail "$tag: no variant inside a transition; each in its shot" \
            "$(echo "$problems" | head -10)"; fi
    else
        fail "$tag: shots.json (an array) and shots.csv exist" "$(ls "$dir" 2>&1 | tr '\n' ' ')"
    fi

    if is_jpeg "$dir/contact_sheet.jpg"; then pass "$tag: contact_sheet.jpg is a JPEG"
    else fail "$tag: contact_sheet.jpg is a JPEG" "$(ls -la "$dir/contact_sheet.jpg" 2>&1)"; fi
}

shopt -s nullglob
clips=("$MEDIA"/*.mp4 "$MEDIA"/*.mkv)
shopt -u nullglob
if [ ${#clips[@]} -ge 6 ]; then pass "found ${#clips[@]} clips in $MEDIA"
else fail "found the clips in $MEDIA" "only: ${clips[*]:-none}"; fi

for clip in "${clips[@]}"; do
    name=$(basename -- "$clip")
    dir="$WORK/out/$name"
    ka_run "$name" "$KEYART_BIN" analyze "$clip" -o "$dir" --json -q
    check_rc "$name: analyze" 0
    if [ -s "$ERR" ]; then
        fail "$name: -q prints nothing on stderr" "$(head -c 400 "$ERR")"
    else
        pass "$name: -q prints nothing on stderr"
    fi
    [ "$RC" -eq 0 ] || continue
    validate_result "$name" "$dir" "$clip" 8

    if [ "$name" == "tears_of_steel_10s.mp4" ]; then
        # White flash flicker (labels: distractors 192-205, bright in 2-frame pairs).
        flash=$(jqv -r '[.variants[].frame | select(IN(192, 193, 196, 197, 200, 201, 204, 205))]
                       | map(tostring) | join(" ")' "$dir/metadata.json")
        check_eq "$name: no variant from a flash frame (192,193,196,197,200,201,204,205)" "" "$flash"
        # `keyart shots` finds the same shots as analyze wrote.
        ka_run "$name-shots" "$KEYART_BIN" shots "$clip" -q
        check_rc "$name: shots" 0
        if d=$(diff <(jq -S . "$OUT" 2>&1) <(jq -S . "$dir/shots.json" 2>&1)); then
            pass "$name: keyart shots prints what analyze wrote to shots.json"
        else
            fail "$name: keyart shots prints what analyze wrote to shots.json" "$(echo "$d" | head -8)"
        fi
    fi
done

# One clip with more shots than variants: --variants 4 and 12, two genres.
clip="$MEDIA/sintel_10s.mp4"
for n in 4 12; do
    tag="sintel --variants $n"
    dir="$WORK/out/sintel-v$n"
    ka_run "sintel-v$n" "$KEYART_BIN" analyze "$clip" -o "$dir" --json -q --variants "$n"
    check_rc "$tag" 0
    [ "$RC" -ne 0 ] || validate_result "$tag" "$dir" "$clip" "$n"
done

declare -A slots
# The issue's tables: action = hero action, hero close-up, ensemble, heroine;
# romance = couple, single emotional, couple dialogue, group. "diversity" fills the rest.
declare -A table=(
    [action]="hero_action hero_closeup ensemble heroine diversity"
    [romance]="couple single_emotional couple_dialogue group diversity"
)
for g in action romance; do
    dir="$WORK/out/sintel-$g"
    ka_run "sintel-$g" "$KEYART_BIN" analyze "$clip" -o "$dir" --json -q --genre "$g"
    check_rc "sintel --genre $g" 0
    slots[$g]=$(jq -r '[.variants[].reason.slot] | unique | join(" ")' "$OUT" 2>/dev/null || echo "?")
    check_eq "sintel --genre $g: title.genre" "$g" "$(jqv -r '.title.genre' "$OUT")"
    bad=""
    for s in ${slots[$g]}; do
        [[ " ${table[$g]} " == *" $s "* ]] || bad+=" $s"
    done
    check_eq "sintel --genre $g: slots (${slots[$g]}) are from the $g table" "" "$bad"
done
if [ "${slots[action]}" != "${slots[romance]}" ]; then
    pass "--genre action and romance use different slots ('${slots[action]}' / '${slots[romance]}')"
else
    fail "--genre action and romance use different slots" "both: ${slots[action]}"
fi

finish
