#!/bin/bash
# crops_cli.sh DEFAULT_MODELS SHARED_MODELS: the artwork crops of real video never cut
# a face. `keyart analyze` (deep face models) on the shared clips with people, on one
# of them letterboxed (black bars above and below, added here), and on a 1080p clip
# of two real faces far apart (the Obama and Biden photos side by side, where a crop
# centred between them cuts Obama's face in the square); for every variant
# of metadata.json, every face it stores and every crop shape (16:9, 2:3, 1:1): the
# face box is wholly inside the crop or wholly outside it (no face box crosses a crop
# edge), every crop lies inside the title's content area (never in the bars), and
# the faces are really there (the check counts them). Also the quality breakdown:
# BRISQUE and the faces are parts of their own, and the parts add up to the score.
set -euo pipefail
source "$(dirname "$0")/../cli/lib.sh"
MODELS="${1:?default models folder}:${2:?shared models folder}"
K="$KEYART_BIN"

# faces crossing a crop edge, as "variant shape face-box crop" lines
CUTS='.variants[] as $v | ($v.vision.faces // [])[] as $f | ($v.crops | to_entries[]) as $c
  | ($f.box[0]) as $fx0 | ($f.box[1]) as $fy0 | ($f.box[0] + $f.box[2]) as $fx1
  | ($f.box[1] + $f.box[3]) as $fy1 | ($c.value[0]) as $x0 | ($c.value[1]) as $y0
  | ($c.value[0] + $c.value[2]) as $x1 | ($c.value[1] + $c.value[3]) as $y1
  | select(([$fx1, $x1] | min) > ([$fx0, $x0] | max) and ([$fy1, $y1] | min) > ([$fy0, $y0] | max))
  | select(($fx0 >= $x0 and $fy0 >= $y0 and $fx1 <= $x1 and $fy1 <= $y1) | not)
  | "variant \($v.variant_number) \($c.key) face \($f.box) crop \($c.value)"'
# crops outside the content area
OUTSIDE='.title.content_area as $a | .variants[] as $v | ($v.crops | to_entries[])
  | select(.value[0] < $a.x or .value[1] < $a.y or .value[0] + .value[2] > $a.x + $a.w
           or .value[1] + .value[3] > $a.y + $a.h)
  | "variant \($v.variant_number) \(.key) crop \(.value) outside \($a)"'
# quality parts that do not add up to the score, or BRISQUE folded away
PARTS='.variants[] | select(.vision != null) | .reason.quality_parts as $p
  | select(($p.brisque == null) or ((([$p[] | objects | .contribution] | add) - .quality_score)
           | fabs > 0.002))
  | "variant \(.variant_number): parts \($p) vs \(.quality_score)"'

# check_clip NAME VIDEO: analyse, then every check on its metadata.json
check_clip() {
    local name=$1 video=$2 out="$WORK/$1" faces
    ka_run "$name" "$K" analyze "$video" -o "$out" -q --db none --models "$MODELS"
    check_rc "$name: analyze" 0
    faces=$(jqv '[.variants[] | (.vision.faces // [])[]] | length' "$out/metadata.json")
    if [ "$faces" -gt 0 ] 2>/dev/null; then
        pass "$name: the variants show $faces faces"
    else
        fail "$name: the variants show faces" "found: $faces"
    fi
    check_eq "$name: no face box crosses a crop edge" "" "$(jqv -r "$CUTS" "$out/metadata.json")"
    check_eq "$name: every crop inside the content area" "" \
        "$(jqv -r "$OUTSIDE" "$out/metadata.json")"
    check_eq "$name: BRISQUE and faces are quality parts; the parts add up" "" \
        "$(jqv -r "$PARTS" "$out/metadata.json")"
}

check_clip people "$MEDIA/people_single_shot_17s.mp4"
check_clip tears "$MEDIA/tears_of_steel_10s.mp4"
check_clip faces "$MEDIA/faces_single_shot_3s.mp4"

# letterboxed: 640x480 people inside a 640x680 frame (100 px black bars)
ffmpeg -nostdin -v error -y -i "$MEDIA/people_single_shot_17s.mp4" -t 8 -an \
    -vf "pad=640:680:0:100:black" -c:v libx264 -preset veryfast -crf 20 "$WORK/boxed.mp4"
check_clip boxed "$WORK/boxed.mp4"
check_eq "boxed: the content area leaves the bars out" "100 480" \
    "$(jqv -r '.title.content_area | "\(.y) \(.h)"' "$WORK/boxed/metadata.json")"

# two faces 400 px apart: the square holds both, the poster the larger one whole
PF="$KEYART_SHARED/faces/public-figures"
ffmpeg -nostdin -v error -y -loop 1 -t 3 -i "$PF/obama.jpg" -loop 1 -t 3 -i "$PF/biden2.jpg" \
    -filter_complex "color=c=0x303030:s=1920x1080:d=3[bg];[0:v]scale=-2:1080[a];[1:v]scale=-2:800[b];[bg][a]overlay=0:0[t];[t][b]overlay=700:140,format=yuv420p,fps=24" \
    -c:v libx264 -preset veryfast -crf 20 "$WORK/pair.mp4"
check_clip pair "$WORK/pair.mp4"
INSIDE='.variants[0] as $v | [$v.vision.faces[] | .box as $b | $v.crops[$s] as $c
  | $b[0] >= $c[0] and $b[0] + $b[2] <= $c[0] + $c[2]] | map(if . then 1 else 0 end) | add'
check_eq "pair: the 1:1 crop holds both faces" "2" \
    "$(jqv -r --arg s 1x1 "$INSIDE" "$WORK/pair/metadata.json")"
check_eq "pair: the 2:3 crop holds one face whole" "1" \
    "$(jqv -r --arg s 2x3 "$INSIDE" "$WORK/pair/metadata.json")"
finish
