#!/usr/bin/env bash
# bench_vision.sh: what vision costs. Two parts, both measured in one run:
#   1. per candidate: KEYART_BENCH_FRAMES (40) frames taken evenly from the shared clips,
#      scaled to 1920x1080 like real candidates, through each face detector alone
#      (cascade, faceplugin, yunet, ultraface), then through the parts of the stage
#      (face attributes, people/objects with NanoDet and with HOG, BRISQUE) and the
#      whole "faces" stage as analysis runs it (ka_vision_analyze, deep models on):
#      wall and CPU milliseconds per frame, by a small C driver linked with the
#      release build's libkeyart;
#   2. end to end: keyart analyze on the 5-minute 1080p input of bench_analyze.sh with
#      the face pack (the default models folder), with the face pack and
#      ../shared/models (NanoDet objects), with the cascades only (no models), and
#      the decode floor (ffmpeg -f null), median of
#      KEYART_BENCH_RUNS (1) runs; ratios to the floor, wall and CPU (target <= 1.15).
# It reports; it does not fail on targets. --quick skips part 2.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${KEYART_SHARED:-$ROOT/../shared}
CACHE=${KEYART_BENCH_DIR:-/tmp/keyart-bench}
RUNS=${KEYART_BENCH_RUNS:-1}
FRAMES=${KEYART_BENCH_FRAMES:-40}
BUILD=${KEYART_BENCH_BUILD:-$ROOT/build-release}
MODELS="$ROOT/models:$SHARED/models"
QUICK=0
case "${1:-}" in
    --quick) QUICK=1 ;;
    "") ;;
    *) echo "usage: $0 [--quick]" >&2; exit 1 ;;
esac

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[ -d "$SHARED/media" ] || die "shared clips not found in $SHARED/media (set KEYART_SHARED)"
[ -s "$ROOT/models/faceplugin/fr_detect.onnx" ] || die "no face pack in $ROOT/models: run scripts/setup.sh"
WORK=$(mktemp -d /tmp/keyart-bench-vision.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

build_release() {
    mkdir -p "$CACHE"
    [ -z "${KEYART_BENCH_BUILD:-}" ] || return 0    # the caller built it
    if [ ! -f "$BUILD/build.ninja" ]; then
        meson setup "$BUILD" "$ROOT" --buildtype=release >"$CACHE/build.log" 2>&1 ||
            { tail -n 20 "$CACHE/build.log" >&2; die "meson setup of $BUILD failed"; }
    fi
    ninja -C "$BUILD" >"$CACHE/build.log" 2>&1 ||
        { tail -n 30 "$CACHE/build.log" >&2; die "the release build failed"; }
}

# FRAMES frames spread over the shared clips, as 1080p JPEGs.
make_frames() {
    local clips=("$SHARED"/media/*.mp4 "$SHARED"/media/*.mkv) n=0 i=0 c d t
    mkdir -p "$WORK/frames"
    while [ "$n" -lt "$FRAMES" ]; do
        c=${clips[$((i % ${#clips[@]}))]}
        d=$(ffprobe -v error -show_entries format=duration -of default=nw=1:nk=1 "$c")
        t=$(awk -v d="$d" -v k="$((i / ${#clips[@]}))" 'BEGIN { printf "%.2f", d * (0.15 + 0.7 * ((k * 0.37) % 1)) }')
        ffmpeg -nostdin -v error -y -ss "$t" -i "$c" -frames:v 1 -vf \
            "scale=1920:1080:force_original_aspect_ratio=increase,crop=1920:1080" -q:v 3 \
            "$WORK/frames/$(printf '%03d' "$n").jpg" 2>/dev/null
        n=$((n + 1))
        i=$((i + 1))
    done
}

# The driver: times each part over the frames.
make_driver() {
    cat >"$WORK/driver.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "keyart/keyart.h"
#include "vision/vision_priv.h"

static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static ka_image img[1000];
static int n;

/* mode: faces | attributes | objects | brisque | stage */
static void run(const char *label, const char *models, ka_face_detector det, int attrs,
                int objects, int brisque, int stage)
{
    ka_vision_opts o;
    ka_vision_opts_default(&o);
    o.models = models;
    o.threads = 1;                  /* as the analysis stage runs it */
    o.detector = det;
    o.attributes = attrs;
    o.objects = objects;
    o.brisque = brisque;
    ka_vision *v = NULL;
    if (ka_vision_open(&o, &v)) {
        printf("  %-44s failed: %s\n", label, ka_error_message());
        return;
    }
    int faces = 0;
    double w0 = ka_now(), c0 = cpu();
    for (int i = 0; i < n; i++) {
        ka_rect all = { 0, 0, img[i].width, img[i].height };
        if (stage) {
            ka_vision_cand *vc = NULL;
            if (!ka_vision_analyze(v, &img[i], all, &vc))
                faces += vc->n_faces;
            ka_vision_cand_free(vc);
        } else {
            ka_face *f = NULL;
            int k = 0;
            if (!ka_vision_faces(v, &img[i], all, &f, &k))
                faces += k;
            free(f);
        }
    }
    double w = (ka_now() - w0) * 1000 / n, c = (cpu() - c0) * 1000 / n;
    printf("  %-44s %8.1f %8.1f %7.2f  %s\n", label, w, c, (double)faces / n,
           ka_vision_detector_name(ka_vision_detector(v)));
    for (int k = 0; stage && k < KA_T_COUNT; k++)      /* where the stage's time goes */
        if (v->costs.calls[k])
            printf("      %-40s %8s %8.1f %7.2f  calls per candidate\n", ka_vision_cost_name(k),
                   "", v->costs.cpu_s[k] * 1000 / n, (double)v->costs.calls[k] / n);
    ka_vision_close(&v);
}

int main(int argc, char **argv)
{
    const char *models = argv[1];
    ka_log_set_level(KA_LOG_ERROR);
    for (int i = 2; i < argc && n < 1000; i++)
        if (!ka_image_read_jpeg(argv[i], &img[n]) && img[n].channels == 3)
            n++;
    if (!n)
        return 1;
    printf("%d frames of %dx%d\n  %-44s %8s %8s %7s  %s\n", n, img[0].width, img[0].height,
           "per candidate", "wall ms", "cpu ms", "faces", "detector");
    static const ka_face_detector d[] = { KA_DET_CASCADE, KA_DET_FACEPLUGIN, KA_DET_YUNET,
                                          KA_DET_ULTRAFACE };
    char label[128];
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
        snprintf(label, sizeof label, "detection only: %s", ka_vision_detector_name(d[i]));
        run(label, models, d[i], 0, 0, 0, 0);
    }
    run("faces + attributes (faceplugin, all models)", models, KA_DET_FACEPLUGIN, KA_ATTR_ALL, 0, 0, 0);
    run("faces + identity only (faceplugin)", models, KA_DET_FACEPLUGIN, KA_ATTR_IDENTITY, 0, 0, 0);
    run("faces + attributes, cascade fallbacks", "/nonexistent", KA_DET_CASCADE, KA_ATTR_ALL, 0, 0, 0);
    run("whole stage, deep models (NanoDet, BRISQUE)", models, KA_DET_AUTO, KA_ATTR_ALL, 1, 1, 1);
    char pack[4096];
    snprintf(pack, sizeof pack, "%s", models);
    if (strchr(pack, ':'))
        *strchr(pack, ':') = '\0';     /* the first folder: the face pack only */
    run("whole stage, face pack only (HOG, BRISQUE)", pack, KA_DET_AUTO, KA_ATTR_ALL, 1, 1, 1);
    run("whole stage, no models (cascades, HOG)", "/nonexistent", KA_DET_AUTO, KA_ATTR_ALL, 1, 1, 1);
    run("whole stage, deep faces, no objects/BRISQUE", models, KA_DET_AUTO, KA_ATTR_ALL, 0, 0, 1);
    for (int i = 0; i < n; i++)
        ka_image_free(&img[i]);
    return 0;
}
EOF
    # shellcheck disable=SC2046
    cc -O2 -I "$ROOT/include" -I "$ROOT/src" "$WORK/driver.c" "$BUILD/libkeyart.a" \
        $(pkg-config --libs libavformat libavcodec libavutil libswscale libturbojpeg jansson \
          gdlib opencv4) -lstdc++ -lm -lpthread -o "$WORK/driver"
}

# time_it TAG CMD...: appends "wall cpu" of one run to $WORK/TAG.times.
time_it() {
    local tag=$1
    shift
    /usr/bin/time -f '%e %U %S' -o "$WORK/t.out" "$@" >"$WORK/$tag.log" 2>&1 ||
        { log "$tag failed:"; tail -n 3 "$WORK/$tag.log" >&2; return 0; }
    tail -n 1 "$WORK/t.out" | awk '{ printf "%s %.2f\n", $1, $2 + $3 }' >>"$WORK/$tag.times"
}

median() {
    [ -s "$WORK/$1.times" ] || { echo nan; return; }
    sort -n -k"$2","$2" "$WORK/$1.times" | awk -v c="$2" '{ v[NR] = $c }
        END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a == a + 0) printf "%.3f", a / b; else print "n/a" }'; }

end_to_end() {
    local x i
    x=$("$ROOT/bench/bench_analyze.sh" --inputs >/dev/null 2>&1; echo "$CACHE/bench_5min.mp4")
    [ -s "$x" ] || { log "no 5-minute input (bench_analyze.sh --inputs failed)"; return; }
    for i in $(seq "$RUNS"); do
        log "end to end, run $i/$RUNS"
        time_it floor ffmpeg -nostdin -v error -i "$x" -f null -
        time_it pack "$BUILD/src/cli/keyart" analyze "$x" -o "$WORK/out_pack" -q --db none \
            --models "$ROOT/models"
        time_it deep "$BUILD/src/cli/keyart" analyze "$x" -o "$WORK/out_deep" -q --db none \
            --models "$MODELS"
        time_it cascade "$BUILD/src/cli/keyart" analyze "$x" -o "$WORK/out_cascade" -q --db none \
            --models /nonexistent
    done
    local fw fc
    fw=$(median floor 1)
    fc=$(median floor 2)
    printf '\n%s, %d cores, median of %s runs\n' "$(basename "$x")" "$(nproc)" "$RUNS"
    printf '  %-40s %8s %8s %8s %8s\n' "" "wall s" "/ floor" "cpu s" "/ floor"
    for t in floor pack deep cascade; do
        printf '  %-40s %8s %8s %8s %8s\n' "$(case $t in floor) echo 'ffmpeg -f null (decode floor)';;
            pack) echo 'keyart analyze, face pack (default)';;
            deep) echo 'keyart analyze, face pack + NanoDet';;
            cascade) echo 'keyart analyze, cascades only';; esac)" \
            "$(median $t 1)" "$(ratio "$(median $t 1)" "$fw")" "$(median $t 2)" "$(ratio "$(median $t 2)" "$fc")"
    done
    local nc
    nc=$(jq -r '.title.candidates' "$WORK/out_deep/metadata.json" 2>/dev/null || echo 0)
    printf '  candidates: %s; target for keyart: wall / floor <= 1.15\n' "$nc"
    # what vision adds, from part 1: the stage's CPU cost per candidate times the
    # candidates a 5-minute title gets (the analysis' minimum, 24)
    printf '  vision adds about (candidates x stage cpu ms) / floor cpu: see part 1;\n'
    printf '  for 24 candidates at the measured stage cost: %s of the floor cpu\n' \
        "$(awk -v c="$(cat "$WORK/stage_ms" 2>/dev/null || echo 0)" -v f="$fc" \
            'BEGIN { if (f > 0) printf "+%.3f", 24 * c / 1000 / f; else print "n/a" }')"
}

build_release
log "taking $FRAMES frames from the shared clips"
make_frames
make_driver
"$WORK/driver" "$MODELS" "$WORK"/frames/*.jpg | tee "$WORK/part1.txt"
awk '/whole stage, face pack only/ { print $(NF - 2) }' "$WORK/part1.txt" >"$WORK/stage_ms"
[ "$QUICK" -eq 1 ] || end_to_end
