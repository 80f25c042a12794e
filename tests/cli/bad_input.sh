#!/bin/bash
# bad_input.sh: the keyart command on inputs and command lines that are wrong. Each
# case gets its documented exit code (src/cli/cli.h: 1 usage, 2 unusable input,
# 3 output not writable) and a clear message, never a crash; damaged videos are
# analysed as far as they decode, with a warning. Also --help and --version.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

GOOD="$MEDIA/faces_single_shot_3s.mp4"

# ---- inputs that are not usable videos: exit 2, one line on stderr naming the file
mkdir -p "$WORK/in"
: >"$WORK/in/empty.mp4"
printf 'this is not a video\nsecond line\n' >"$WORK/in/notes.txt"
head -c 65536 /dev/urandom >"$WORK/in/random.mp4"
ffmpeg -nostdin -v error -y -f lavfi -i sine=d=1 "$WORK/in/audio_only.m4a"
mkdir "$WORK/in/a_folder.mp4"

for input in "$WORK/in/missing.mp4" "$WORK/in/empty.mp4" "$WORK/in/notes.txt" \
    "$WORK/in/random.mp4" "$WORK/in/audio_only.m4a" "$WORK/in/a_folder.mp4"; do
    name=$(basename -- "$input")
    for cmd in analyze shots; do
        tag="$cmd $name"
        outdir="$WORK/o-$cmd-$name"
        if [ "$cmd" == analyze ]; then
            ka_run "$cmd-$name" "$KEYART_BIN" analyze "$input" -o "$outdir"
        else
            ka_run "$cmd-$name" "$KEYART_BIN" shots "$input"
        fi
        check_rc "$tag" 2
        lines=$(wc -l <"$ERR")
        if [ "$lines" -eq 1 ] && grep -Fq -- "$input" "$ERR"; then
            pass "$tag: one line on stderr naming the file"
        else
            fail "$tag: one line on stderr naming the file" "stderr ($lines lines):" \
                "$(head -n 5 "$ERR" | cut -c1-300)"
        fi
        check_eq "$tag: nothing on stdout" "0" "$(stat -c %s "$OUT")"
        if [ "$cmd" == analyze ]; then
            if [ -e "$outdir" ]; then
                fail "$tag: no output folder for an unusable input" "$(ls -la "$outdir" | head -5)"
            else
                pass "$tag: no output folder for an unusable input"
            fi
        fi
        if [ "$name" == random.mp4 ] && [ "$RC" -ne 2 ]; then
            keep="${TMPDIR:-/tmp}/keyart-cli-random-$$.mp4"
            cp "$input" "$keep"
            echo "       (the random input is kept as $keep)"
        fi
    done
done

# ---- damaged videos: analysed as far as they decode, with a warning
ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=25 -frames:v 60 \
    -pix_fmt yuv420p "$WORK/in/intact.mkv"
size=$(stat -c %s "$WORK/in/intact.mkv")
head -c $((size / 2)) "$WORK/in/intact.mkv" >"$WORK/in/truncated.mkv"
cp "$WORK/in/intact.mkv" "$WORK/in/holed.mkv"
dd if=/dev/urandom of="$WORK/in/holed.mkv" bs=1024 count=20 seek=$((size / 2048 - 10)) \
    conv=notrunc status=none
check_eq "the holed file keeps its size" "$size" "$(stat -c %s "$WORK/in/holed.mkv")"

for name in intact.mkv truncated.mkv holed.mkv; do
    input="$WORK/in/$name"
    dir="$WORK/o-$name"
    ka_run "analyze-$name" "$KEYART_BIN" analyze "$input" -o "$dir" --json
    check_rc "analyze $name" 0
    if [ "$name" == intact.mkv ]; then
        check_not_grep "analyze $name: no damage warning for an intact file" "$ERR" 'damag|truncat|corrupt'
    else
        check_grep "analyze $name: a warning on stderr says the file is damaged/truncated" \
            "$ERR" "warning.*(damag|truncat)|(damag|truncat).*warning"
        check_grep "analyze $name: the warning names the file" "$ERR" "$name"
        check "analyze $name: metadata reports the damage (title.decode)" \
            jq -e '.title.decode | .truncated == true or .corrupt_packets > 0 or .decode_errors > 0' "$OUT"
        if [ "$name" == truncated.mkv ]; then
            check "analyze $name: some frames analysed, fewer than the 60 encoded" \
                jq -e '.title.frames > 0 and .title.frames < 60' "$OUT"
        else
            check "analyze $name: some frames analysed, at most the 60 encoded" \
                jq -e '.title.frames > 0 and .title.frames <= 60' "$OUT"
        fi
    fi
    check "analyze $name: 8 variants or a why_fewer" \
        jq -e '(.variants | length) == 8 or ((.variants | length) < 8 and (.why_fewer | type) == "string" and .why_fewer != "")' "$OUT"
    check "analyze $name: variant_01.jpg is a JPEG" is_jpeg "$dir/variant_01.jpg"
    check "analyze $name: metadata.json equals stdout" \
        bash -c 'diff <(jq -S . "$1") <(jq -S . "$2")' _ "$OUT" "$dir/metadata.json"
done

# ---- usage errors: exit 1, a message on stderr, nothing on stdout, nothing written
usage_case() {  # usage_case TAG STDERR_ERE ARGS...
    local tag=$1 ere=$2
    shift 2
    ka_run "usage-$tag" "$KEYART_BIN" "$@"
    check_rc "usage error: $tag" 1
    if [ -n "$ere" ]; then
        check_grep "usage error: $tag: stderr says what is wrong" "$ERR" "$ere"
    else
        check_stderr "usage error: $tag: a message on stderr"
    fi
    check_eq "usage error: $tag: nothing on stdout" "0" "$(stat -c %s "$OUT")"
}
never="$WORK/never-written"
usage_case "no argument" "usage"
usage_case "unknown command" "frobnicate" frobnicate "$GOOD"
usage_case "analyze without a video" "" analyze -o "$never"
usage_case "unknown option" "nosuch" analyze "$GOOD" -o "$never" --nosuch
usage_case "--variants 3" "variants" analyze "$GOOD" -o "$never" --variants 3
usage_case "--variants 13" "variants" analyze "$GOOD" -o "$never" --variants 13
usage_case "--variants abc" "variants" analyze "$GOOD" -o "$never" --variants abc
usage_case "--genre nosuch" "nosuch" analyze "$GOOD" -o "$never" --genre nosuch
usage_case "two videos" "" analyze "$GOOD" "$GOOD" -o "$never"
usage_case "shots unknown option" "nosuch" shots "$GOOD" --nosuch
if [ -e "$never" ]; then
    fail "usage errors write no output folder" "$(ls -la "$never" | head -5)"
else
    pass "usage errors write no output folder"
fi

# ---- results that cannot be written: exit 3 with a message
printf 'a regular file\n' >"$WORK/regular"
for outdir in /proc/keyart-test "$WORK/regular/sub" "$WORK/regular"; do
    ka_run "output-$(basename "$outdir")" "$KEYART_BIN" analyze "$GOOD" -o "$outdir" -q
    check_rc "analyze -o $outdir" 3
    check_grep "analyze -o $outdir: stderr names the folder" "$ERR" "$outdir"
done
check_eq "the regular file in the way is left alone" "a regular file" "$(cat "$WORK/regular")"

# stdout that cannot be written (a full disk): exit 3, and the user is told why.
ka_run "json-devfull" bash -c '"$@" >/dev/full' _ \
    "$KEYART_BIN" analyze "$GOOD" -o "$WORK/o-devfull" --json -q
check_rc "analyze --json >/dev/full" 3
check_stderr "analyze --json >/dev/full: a message on stderr"
ka_run "shots-devfull" bash -c '"$@" >/dev/full' _ "$KEYART_BIN" shots "$GOOD" -q
check_rc "shots >/dev/full" 3
check_stderr "shots >/dev/full: a message on stderr"

# ---- --help and --version
ka_run "help" "$KEYART_BIN" --help
check_rc "keyart --help" 0
check_grep "keyart --help prints usage on stdout" "$OUT" '^usage: keyart'
check_grep "keyart --help lists the analyze command" "$OUT" 'analyze'
check_grep "keyart --help documents the exit codes" "$OUT" 'exit code'
ka_run "analyze-help" "$KEYART_BIN" analyze --help
check_rc "keyart analyze --help" 0
check_grep "keyart analyze --help prints its usage on stdout" "$OUT" '^usage: keyart analyze'
check_grep "keyart analyze --help lists --variants" "$OUT" '--variants'
check_grep "keyart analyze --help lists --genre" "$OUT" '--genre'
ka_run "shots-help" "$KEYART_BIN" shots --help
check_rc "keyart shots --help" 0
check_grep "keyart shots --help prints its usage on stdout" "$OUT" '^usage: keyart shots'
ka_run "version" "$KEYART_BIN" --version
check_rc "keyart --version" 0
check_grep "keyart --version prints a version" "$OUT" '^keyart [0-9]+\.[0-9]+(\.[0-9]+)?'

# ---- title ids name folders: none may leave keyart-out/ or be empty (exit 1)
mkdir -p "$WORK/rel/deep"
k=0
for id in "../../escape" ".." "." "" ".hidden" "-x" "a/b" "bad id"; do
    k=$((k + 1))
    ka_run "title-id-$k" bash -c 'cd "$1/rel/deep" && "$2" analyze "$3" --db none -q --title-id "$4"' \
        _ "$WORK" "$KEYART_BIN" "$GOOD" "$id"
    check_rc "--title-id '$id' is a usage error" 1
    check_grep "  saying what a title id may be" "$ERR" "title id"
done
check_eq "nothing was written anywhere" "" "$(find "$WORK/rel" -mindepth 1 -not -path "$WORK/rel/deep")"
cp "$GOOD" "$WORK/rel/..mp4"
ka_run "title-id-from-dots" bash -c 'cd "$1/rel/deep" && "$2" analyze "$1/rel/..mp4" --db none -q' \
    _ "$WORK" "$KEYART_BIN"
check_rc "a video named ..mp4 is analysed" 0
check_eq "  into keyart-out/_ (its id made safe), nowhere else" "$WORK/rel/deep/keyart-out/_" \
    "$(find "$WORK/rel" -mindepth 1 -maxdepth 3 -type d -not -path "$WORK/rel/deep" -not -path "$WORK/rel/deep/keyart-out")"
ka_run "enqueue-bad-id" "$KEYART_BIN" enqueue "$GOOD" --title-id ../x --db "sqlite:$WORK/q.db"
check_rc "enqueue --title-id ../x is a usage error" 1
check_grep "  saying why" "$ERR" "title id '../x' starts with '.'"

finish
