#!/usr/bin/env bash
# analyze.sh [VIDEO] [keyart analyze options]: installs what is missing, builds keyart,
# and analyses VIDEO into out/<name>/. Without VIDEO it first generates a ~20 s
# multi-shot sample clip (out/sample.mp4: hard cuts, a fade through black, a dissolve
# and a flash inside a shot) and analyses that.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VIDEO=""
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
    VIDEO=$(realpath -m -- "$1")    # resolved before we change folder
    shift
fi
cd "$ROOT"

log() { printf 'analyze: %s\n' "$*" >&2; }

build() {
    if [ ! -f build/build.ninja ]; then
        if [ -f build/meson-private/coredata.dat ]; then meson setup --reconfigure build
        else meson setup build; fi
    fi
    ninja -C build
}

# Six synthetic shots, 640x360 at 24 fps: testsrc2 (with a two-frame white flash),
# hard cut to mandelbrot, hard cut to SMPTE bars, fade through black to life, a one
# second dissolve to cellauto, hard cut to gradients.
make_sample() {
    local out=$1 tmp
    tmp="$(dirname "$out")/.sample.$$.mp4"
    local S="s=640x360:r=24"
    local graph="
testsrc2=$S:d=4,format=yuv420p,drawbox=c=white:t=fill:enable='between(n,50,51)'[a];
mandelbrot=$S,trim=duration=3.5,setpts=PTS-STARTPTS,format=yuv420p[b];
smptehdbars=$S:d=3,format=yuv420p,fade=t=out:st=2.5:d=0.5[c];
life=s=160x90:r=24:ratio=0.35:life_color=#f0d060:death_color=#203050,trim=duration=4,setpts=PTS-STARTPTS,scale=640:360:flags=neighbor,format=yuv420p,fade=t=in:st=0:d=0.5[d];
cellauto=s=320x180:r=24:rule=30,trim=duration=4,setpts=PTS-STARTPTS,scale=640:360:flags=neighbor,format=yuv420p[e];
[d][e]xfade=transition=dissolve:duration=1:offset=3[de];
gradients=$S:d=3:speed=0.02,format=yuv420p[f];
[a][b][c][de][f]concat=n=5:v=1:a=0,setsar=1[v]"
    log "generating the sample clip $out"
    mkdir -p "$(dirname "$out")"
    ffmpeg -nostdin -hide_banner -loglevel error -y -filter_complex "$graph" -map '[v]' \
        -c:v libx264 -preset veryfast -crf 20 -pix_fmt yuv420p -movflags +faststart "$tmp"
    mv -f "$tmp" "$out"
}

./scripts/setup.sh
build
if [ -z "$VIDEO" ]; then
    VIDEO="$ROOT/out/sample.mp4"
    [ -s "$VIDEO" ] || make_sample "$VIDEO"
fi
name=$(basename -- "$VIDEO")
name=${name%.*}
OUT="$ROOT/out/${name:-video}"
log "analysing $VIDEO"
status=0
build/src/cli/keyart analyze "$VIDEO" -o "$OUT" --report "$@" || status=$?
if [ "$status" -ne 0 ]; then
    log "keyart analyze failed (exit $status)"
    exit "$status"
fi
if [ ! -f "$OUT/metadata.json" ]; then
    log "keyart finished but wrote no $OUT/metadata.json"
    exit 4
fi
n=$(jq '.variants | length' "$OUT/metadata.json")
echo "outputs in $OUT:"
echo "  metadata.json      the title and its $n variants (seed fields, why each was chosen)"
echo "  contact_sheet.jpg  every variant with its label"
echo "  variant_NN.jpg     full frames without bars; variant_NN_{16x9,2x3,1x1}.jpg crops"
echo "  shots.json, shots.csv  the shot list"
echo "  report.html        the title view (shots, candidates, variants and why), offline"
