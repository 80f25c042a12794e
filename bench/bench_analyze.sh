#!/usr/bin/env bash
# bench_analyze.sh: how keyart analyze compares with the decode floor and its peers.
# Builds (once, cached in $KEYART_BENCH_DIR, default /tmp/keyart-bench) 1080p H.264
# inputs of >= 5 and >= 20 minutes from the shared clips, then measures in one run:
#   ffmpeg -i X -f null -               the decode floor
#   keyart analyze X -o DIR             (release build in build-release/)
#   ffmpeg -vf thumbnail=300            ffmpeg's own thumbnail picker over the whole file
#   ffmpegthumbnailer -s 0              the Debian thumbnailer
# and prints median wall times of KEYART_BENCH_RUNS (3) runs, ratios to the floor
# (target for keyart <= 1.15 on 2 cores) and keyart's peak RSS for both lengths
# (target < 300 MB and no growth with length). It reports; it does not fail on targets.
# Options: --quick skips the 20-minute input; --faces measures, instead of it, a
# face-heavy 5-minute input (the clips with people only: the vision stage's worst
# case, many faces to read); --inputs only builds the inputs.
# KEYART_BENCH_RUNS_LONG (1) runs are made on the 20-minute input.
# KEYART_BENCH_BUILD=DIR measures DIR's keyart as it is (not rebuilt) instead of
# build-release/; KEYART_BENCH_BASE=BINARY also measures another keyart (e.g. a copy
# of the build before a change) in the same runs, as the peer "keyart (base)".
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${KEYART_SHARED:-$ROOT/../shared}
CACHE=${KEYART_BENCH_DIR:-/tmp/keyart-bench}
RUNS=${KEYART_BENCH_RUNS:-3}
BUILD=${KEYART_BENCH_BUILD:-$ROOT/build-release}
KEYART="$BUILD/src/cli/keyart"
BASE=${KEYART_BENCH_BASE:-}
RUNS_LONG=${KEYART_BENCH_RUNS_LONG:-1}
QUICK=0
INPUTS_ONLY=0
FACES=0
case "${1:-}" in
    --quick) QUICK=1 ;;
    --faces) QUICK=1; FACES=1 ;;
    --inputs) INPUTS_ONLY=1 ;;
    "") ;;
    *) echo "usage: $0 [--quick | --faces | --inputs]" >&2; exit 1 ;;
esac
# The shared clips with people in most frames, for --faces.
FACE_CLIPS="faces_single_shot_3s people_single_shot_17s sintel_10s tears_of_steel_10s"

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[ -d "$SHARED/media" ] || die "shared clips not found in $SHARED/media (set KEYART_SHARED)"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing: run scripts/setup.sh"
command -v ffmpegthumbnailer >/dev/null || die "ffmpegthumbnailer is missing: run scripts/setup.sh"

duration_of() {
    ffprobe -v error -show_entries format=duration -of default=nw=1:nk=1 "$1" 2>/dev/null
}

# The shared clips, in the order make_segments numbers them.
clips() {
    local f
    for f in "$SHARED"/media/*.mp4 "$SHARED"/media/*.mkv "$SHARED"/media/pyscenedetect/*.mp4; do
        [ -f "$f" ] && echo "$f"
    done
}

# Every shared clip as a 1920x1080 24 fps H.264 segment (cover, then centre-crop).
make_segments() {
    local seg="$CACHE/segments" f i=0 out
    mkdir -p "$seg"
    while read -r f; do
        i=$((i + 1))
        out=$(printf '%s/%02d.mp4' "$seg" "$i")
        [ -s "$out" ] && continue
        log "scaling $(basename "$f") to 1080p"
        ffmpeg -nostdin -v error -y -i "$f" -an -sn -dn -map 0:v:0 \
            -vf "scale=1920:1080:force_original_aspect_ratio=increase,crop=1920:1080,setsar=1,fps=24,format=yuv420p" \
            -c:v libx264 -preset veryfast -crf 23 -video_track_timescale 24000 "$out.tmp.mp4"
        mv -f "$out.tmp.mp4" "$out"
    done < <(clips)
}

# make_input NAME SECONDS [CLIP...]: the segments (of the named clips, or all),
# looped until at least SECONDS long.
make_input() {
    local out="$CACHE/$1.mp4" want=$2 list="$CACHE/$1.txt" total=0 d f c i=0 segs=()
    shift 2
    [ -s "$out" ] && { echo "$out"; return; }
    make_segments
    while read -r c; do
        i=$((i + 1))
        c=$(basename "${c%.*}")
        [ $# -eq 0 ] || [[ " $* " == *" $c "* ]] || continue
        segs+=("$(printf '%s/segments/%02d.mp4' "$CACHE" "$i")")
    done < <(clips)
    [ ${#segs[@]} -gt 0 ] || die "no shared clip named $*"
    : >"$list"
    while awk -v t="$total" -v w="$want" 'BEGIN { exit !(t < w) }'; do
        for f in "${segs[@]}"; do
            d=$(duration_of "$f")
            printf "file '%s'\n" "$f" >>"$list"
            total=$(awk -v t="$total" -v d="$d" 'BEGIN { print t + d }')
            awk -v t="$total" -v w="$want" 'BEGIN { exit !(t >= w) }' && break
        done
    done
    log "joining segments into $out ($total s)"
    ffmpeg -nostdin -v error -y -f concat -safe 0 -i "$list" -c copy -movflags +faststart \
        "$out.tmp.mp4"
    mv -f "$out.tmp.mp4" "$out"
    echo "$out"
}

build_release() {
    local b="$ROOT/build-release"
    [ -z "${KEYART_BENCH_BUILD:-}" ] || return 0    # the caller built it
    mkdir -p "$CACHE"
    if [ ! -f "$b/build.ninja" ]; then
        meson setup "$b" "$ROOT" --buildtype=release >"$CACHE/build.log" 2>&1 ||
            { tail -n 20 "$CACHE/build.log" >&2; die "meson setup of $b failed"; }
    fi
    ninja -C "$b" >"$CACHE/build.log" 2>&1 ||
        { tail -n 30 "$CACHE/build.log" >&2; die "the release build failed"; }
}

# measure TAG CMD...: one run under /usr/bin/time; appends "wall_s rss_kb cpu_s" to
# $WORK/TAG.times. Returns the command's status.
measure() {
    local tag=$1 rc=0
    shift
    rm -rf "$WORK/run" && mkdir -p "$WORK/run"
    /usr/bin/time -f '%e %M %U %S' -o "$WORK/time.out" "$@" >"$WORK/$tag.log" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        log "$tag failed (exit $rc):"; tail -n 5 "$WORK/$tag.log" >&2
        return "$rc"
    fi
    tail -n 1 "$WORK/time.out" | awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }' >>"$WORK/$tag.times"
}

# median TAG COLUMN: the median of column 1 (wall s), 2 (RSS kB) or 3 (CPU s) of
# TAG's runs. CPU time (user + system) is the fairer ratio on a busy machine.
median() {
    [ -s "$WORK/$1.times" ] || { echo "nan"; return; }
    sort -n -k"$2","$2" "$WORK/$1.times" | awk -v c="$2" '{ v[NR] = $c }
        END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# run_all X N: N timings of every tool on X.
run_all() {
    local x=$1 n=$2 i
    for i in $(seq "$n"); do
        log "run $i/$n on $(basename "$x")"
        measure floor ffmpeg -nostdin -v error -i "$x" -f null - || true
        measure keyart "$KEYART" analyze "$x" -o "$WORK/run/out" --db "sqlite:$WORK/run/bench.db" \
            --artwork "$WORK/run/artwork" || true
        [ -f "$WORK/run/out/metadata.json" ] || log "keyart wrote no metadata.json"
        [ -z "$BASE" ] || measure base "$BASE" analyze "$x" -o "$WORK/run/out_base" \
            --db "sqlite:$WORK/run/base.db" --artwork "$WORK/run/artwork_base" || true
        measure thumbnail ffmpeg -nostdin -v error -i "$x" -vf thumbnail=300 -vsync vfr \
            -f image2 "$WORK/run/th%03d.jpg" || true
        measure thumbnailer ffmpegthumbnailer -i "$x" -o "$WORK/run/t.jpg" -s 0 || true
    done
}

# paired TAG: TAG's CPU time over the floor's of the same run (the runs alternate, so
# a pair shares the machine's mood), as "median (min-max)"; the steadier figure when
# neighbours come and go. Empty when a run failed and the pairs would not line up.
paired() {
    [ -s "$WORK/$1.times" ] || return 0
    [ "$(wc -l <"$WORK/$1.times")" = "$(wc -l <"$WORK/floor.times")" ] || return 0
    paste -d' ' "$WORK/floor.times" "$WORK/$1.times" | awk '$3 > 0 { print $6 / $3 }' | sort -n |
        awk '{ v[NR] = $1 } END { if (NR) printf "%.3f (%.3f-%.3f)",
            (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[1], v[NR] }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a == a + 0) printf "%.3f", a / b; else print "n/a" }'; }
mb() { awk -v k="$1" 'BEGIN { if (k == k + 0) printf "%.0f", k / 1024; else print "n/a" }'; }

label() {
    case $1 in
    floor) echo "ffmpeg -f null (decode floor)" ;;
    keyart) echo "keyart analyze" ;;
    base) echo "keyart analyze (base)" ;;
    thumbnail) echo "ffmpeg -vf thumbnail=300" ;;
    thumbnailer) echo "ffmpegthumbnailer -s 0" ;;
    esac
}

# report X N: the table of medians for X (N runs each).
report() {
    local x=$1 n=$2 floor
    floor=$(median floor 1)
    printf '\n%s: %.1f s, %s, %d cores, median of %s runs\n' "$(basename "$x")" \
        "$(duration_of "$x")" "1920x1080 h264 24 fps" "$(nproc)" "$n"
    local cfloor t
    cfloor=$(median floor 3)
    printf '  %-34s %9s %9s %9s %9s\n' tool "wall s" "/ floor" "cpu s" "/ floor"
    for t in floor keyart ${BASE:+base} thumbnail thumbnailer; do
        printf '  %-34s %9s %9s %9s %9s%s\n' "$(label "$t")" "$(median "$t" 1)" \
            "$(ratio "$(median "$t" 1)" "$floor")" "$(median "$t" 3)" \
            "$(ratio "$(median "$t" 3)" "$cfloor")" \
            "$([ "$t" = keyart ] && echo '   target <= 1.15')"
    done
    for t in keyart ${BASE:+base}; do
        [ -z "$(paired "$t")" ] || printf '  %-34s cpu / floor paired by run: %s\n' "$(label "$t")" \
            "$(paired "$t")"
    done
    [ -z "$BASE" ] || printf '  peak RSS: keyart %s MB, base %s MB\n' "$(mb "$(median keyart 2)")" \
        "$(mb "$(median base 2)")"
}

main() {
    mkdir -p "$CACHE"
    local x5 x20 xf rss5 rss20=""
    x5=$(make_input bench_5min 300)
    [ "$QUICK" -eq 1 ] || x20=$(make_input bench_20min 1200)
    [ "$FACES" -eq 0 ] || xf=$(make_input bench_faces_5min 300 $FACE_CLIPS)
    if [ "$INPUTS_ONLY" -eq 1 ]; then ls -l "$CACHE"/*.mp4; return; fi
    WORK=$(mktemp -d /tmp/keyart-bench-run.XXXXXX)
    trap 'rm -rf "$WORK"' EXIT
    build_release
    run_all "$x5" "$RUNS"
    report "$x5" "$RUNS"
    rss5=$(median keyart 2)
    if [ "$FACES" -eq 1 ]; then
        mkdir -p "$WORK/5min" && mv "$WORK"/*.times "$WORK/5min/" 2>/dev/null || true
        run_all "$xf" "$RUNS"
        report "$xf" "$RUNS"
    fi
    if [ "$QUICK" -eq 0 ]; then   # one run each: the long input takes a while
        mkdir -p "$WORK/5min" && mv "$WORK"/*.times "$WORK/5min/" 2>/dev/null || true
        run_all "$x20" "$RUNS_LONG"
        report "$x20" "$RUNS_LONG"
        rss20=$(median keyart 2)
    fi
    printf '\npeak RSS of keyart analyze: 5 min %s MB' "$(mb "$rss5")"
    [ -z "$rss20" ] || printf ', 20 min %s MB (20 min / 5 min = %s)' "$(mb "$rss20")" \
        "$(ratio "$rss20" "$rss5")"
    printf '; target < 300 MB and no growth with length\n'
}

main
