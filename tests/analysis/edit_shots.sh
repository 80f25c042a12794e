#!/usr/bin/env bash
# edit_shots.sh: `keyart shots` on an edit built here from the shared clips, with
# truth known by construction: a cut, a 20-frame dissolve, a fade through black with a
# black hold, a cut, and a fade through black without a hold; inside shots, a
# two-frame white flash and a fast diagonal pan. Every boundary must be found with its
# type (cuts within one frame, gradual ones by span overlap) and nothing else.
set -euo pipefail
KEYART=${KEYART_BIN:?KEYART_BIN is not set}
M=${KEYART_SHARED:?KEYART_SHARED is not set}/media
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

seg() {   # seg IN FIRST END [EXTRA]: frames [FIRST, END) of input IN, 640x360 at 24 fps
    printf '[%s:v]fps=24,trim=start_frame=%s:end_frame=%s,setpts=PTS-STARTPTS,scale=640:360:force_original_aspect_ratio=increase,crop=640:360,setsar=1,format=yuv420p%s,settb=1/24' \
        "$1" "$2" "$3" "${4:-}"
}
# Frames: s0 0-68 | cut 69 | s1 69-126 (flash at 99-100) | dissolve 108-126 | s2 from 107
# (80 frames) | fade out 175-186, black 187-192, fade in 193-204 | s3 193-258 | cut 259 |
# s4 259-338 (panning) | fade through black 324-338 | s5 from 323 (94 frames): 417 frames.
graph="$(seg 0 96 165)[s0];$(seg 1 0 58 ",eq=brightness=0.45:enable='between(n,30,31)'")[s1];\
$(seg 2 10 90)[s2];$(seg 3 31 97)[s3];\
$(seg 4 0 80 ",scale=1280:720,crop=640:360:x='min(640,t*900)':y='(1-cos(t*4))*120'")[s4];\
$(seg 5 6 100)[s5];\
[s0][s1]concat=n=2:v=1:a=0,settb=1/24[j1];\
[j1][s2]xfade=transition=fade:duration=0.8333333:offset=4.4583333[j2];\
[j2]fade=t=out:start_frame=175:nb_frames=12[fo];\
color=black:s=640x360:r=24,trim=end_frame=6,format=yuv420p,setsar=1,settb=1/24[bk];\
[s3]fade=t=in:start_frame=0:nb_frames=12[fi];[fo][bk][fi]concat=n=3:v=1:a=0,settb=1/24[j3];\
[j3][s4]concat=n=2:v=1:a=0,settb=1/24[j4];\
[j4][s5]xfade=transition=fadeblack:duration=0.6666667:offset=13.4583333[v]"
ffmpeg -nostdin -v error -y -i "$M/tears_of_steel_10s.mp4" -i "$M/sintel_10s.mp4" \
    -i "$M/people_single_shot_17s.mp4" -i "$M/caminandes_10s.mp4" \
    -f lavfi -t 5 -i testsrc2=s=640x360:r=24 -i "$M/marathon_5s.mkv" \
    -filter_complex "$graph" -map '[v]' -c:v libx264 -preset veryfast -crf 20 "$work/edit.mp4"

"$KEYART" shots "$work/edit.mp4" -q >"$work/shots.json"
jq -c '.[] | [.start_frame, .transition_in, .transition_span]' "$work/shots.json" >&2

fail=0
check() { if ! jq -e "$1" "$work/shots.json" >/dev/null; then echo "FAIL: $2" >&2; fail=1; fi; }
check '.[-1].end_frame == 416' "the edit has 417 frames"
check 'length == 6' "six shots"
# A gradual boundary (span or, failing that, start frame) overlapping [lo, hi].
over() { echo "any(.[]; .transition_in == \"$1\" and ((.transition_span // [.start_frame, .start_frame]) as \$s | \$s[0] <= $3 and \$s[1] >= $2))"; }
check 'any(.[]; .transition_in == "cut" and (.start_frame - 69 | fabs) <= 1)' "cut at 69"
check "$(over dissolve 108 126)" "dissolve over 108-126"
check "$(over fade 175 204)" "fade through black over 175-204"
check 'any(.[]; .transition_in == "cut" and (.start_frame - 259 | fabs) <= 1)' "cut at 259"
check "$(over fade 324 338)" "fade through black over 324-338"
check 'all(.[]; .start_frame < 95 or .start_frame > 102)' "no boundary at the flash (99-100)"
if [ "$fail" -ne 0 ]; then echo "edit_shots: FAILED" >&2; exit 1; fi
echo "edit_shots: all boundaries found, none extra" >&2
