#!/bin/bash
# bad_media.sh: the bad-media corpus (issue 14), made here with ffmpeg and file tools:
# empty, random, MP4s cut at 1%, 50% and 99% with the index first and last, broken
# timestamps, audio only, still images, 1x1, 16384x16384 and odd sizes, absurd frame
# rates and aspect ratios, rotation, interlacing, 10 bits, VFR, a late video start, a
# FIFO and a folder. `keyart analyze` and `keyart shots` must give each a result or
# a clear one-line error (exit 2) within 20 s + 10 x its length (a hang guard, not a
# speed test), with a peak RSS under 2 GB; frames over --max-pixels are refused
# before anything large is allocated. docs/hardening.md lists the cases.
# shellcheck disable=SC2046 # $(src ...) is meant to split into ffmpeg's words
set -euo pipefail
source "$(dirname "$0")/../cli/lib.sh"

IN="$WORK/in"
mkdir -p "$IN"
ff() { ffmpeg -nostdin -v error -y "$@"; }
src() { echo "-f lavfi -i testsrc2=s=$1:r=$2:d=$3"; }   # SIZE RATE SECONDS
x264=(-c:v libx264 -preset ultrafast)
RSS_LIMIT_KB=$((2 * 1024 * 1024))
REFUSE_RSS_KB=$((256 * 1024))   # one 16K frame alone would take 384 MiB

# ---- the corpus
: >"$IN/zero.mp4"
python3 -c 'import random, sys; random.seed(7); sys.stdout.buffer.write(random.randbytes(65536))' \
    >"$IN/random.mp4"
ff $(src 320x240 25 2) -f lavfi -i sine=d=2 "${x264[@]}" -pix_fmt yuv420p -c:a aac -shortest \
    "$IN/moov_last.mp4"
ff -i "$IN/moov_last.mp4" -c copy -movflags +faststart "$IN/moov_first.mp4"
size=$(stat -c %s "$IN/moov_last.mp4")
for index in first last; do
    for pct in 1 50 99; do
        head -c $((size * pct / 100)) "$IN/moov_$index.mp4" >"$IN/cut${pct}_moov_$index.mp4"
    done
done
# timestamps: 20 frames stamped alike, then a jump; none at all (an H.264 stream)
ff -i "$IN/moov_last.mp4" -an -c copy -bsf:v 'setts=ts=if(between(N\,20\,40)\,PTS-50000\,PTS)' \
    "$IN/ts_stuck.mkv"
ff -i "$IN/moov_last.mp4" -an -c copy -bsf:v 'setts=ts=if(gte(N\,30)\,PTS+3600*12800\,PTS)' \
    "$IN/ts_jump.mkv"
ff -i "$IN/moov_last.mp4" -an -c copy -bsf:v h264_mp4toannexb "$IN/ts_none.h264"
ff -f lavfi -i sine=d=2 -c:a aac "$IN/audio_only.m4a"
ff -f lavfi -i testsrc2=s=640x360 -frames:v 1 "$IN/still.png"
ff -f lavfi -i testsrc2=s=640x360 -frames:v 1 "$IN/still.jpg"
ff $(src 64x64 25 2) -vf scale=1:1 -c:v ffv1 "$IN/size_1x1.mkv"
# 16384x16384 and 8194x4320 declared by headers, with next to no picture behind them:
# a 256x256 Matroska whose two size fields (2-byte EBML integers) are rewritten, a
# PNG whose IHDR is, and a YUV4MPEG header
ff -f lavfi -i color=c=green:s=256x256 -frames:v 1 -c:v ffv1 "$WORK/256.mkv"
ff -f lavfi -i color=c=blue:s=64x64 -frames:v 1 "$WORK/64.png"
python3 - "$WORK" "$IN" <<'EOF'
import struct, sys, zlib
work, out = sys.argv[1], sys.argv[2]
mkv = bytearray(open(work + '/256.mkv', 'rb').read())
for field in (b'\xb0\x82\x01\x00', b'\xba\x82\x01\x00'):    # PixelWidth, PixelHeight
    assert mkv.count(field) == 1, field
    i = mkv.find(field)
    mkv[i + 2:i + 4] = b'\x40\x00'
open(out + '/size_16384.mkv', 'wb').write(mkv)
png = bytearray(open(work + '/64.png', 'rb').read())
assert png[12:16] == b'IHDR'
png[16:24] = struct.pack('>II', 16384, 16384)
png[29:33] = struct.pack('>I', zlib.crc32(bytes(png[12:29])))
open(out + '/size_16384.png', 'wb').write(png)
EOF
{ printf 'YUV4MPEG2 W8194 H4320 F25:1 Ip A1:1 C420jpeg\nFRAME\n'; head -c 65536 /dev/zero; } \
    >"$IN/size_8194x4320.y4m"
{ printf 'YUV4MPEG2 W6000 H4000 F25:1 Ip A1:1 C420p10 XYSCSS=420P10\nFRAME\n'; head -c 65536 /dev/zero; } \
    >"$IN/size_6000x4000_10bit.y4m"
ff $(src 322x242 25 2) -vf scale=321:241 -c:v ffv1 -pix_fmt yuv420p "$IN/size_321x241.mkv"
ff $(src 8x1000 25 1) -c:v ffv1 "$IN/size_8x1000.mkv"
ff $(src 2000x8 25 1) -c:v ffv1 "$IN/size_2000x8.mkv"
ff $(src 1600x40 25 1) -c:v ffv1 "$IN/size_1600x40.mkv"
ff $(src 160x120 25 1) -vf setsar=100 "${x264[@]}" "$IN/sar_100.mkv"
ff $(src 64x48 1000 1) "${x264[@]}" "$IN/fps_1000.mp4"
ff -f lavfi -i testsrc2=s=160x120:r=1/2 -frames:v 3 "${x264[@]}" "$IN/fps_0.5.mp4"
ff $(src 320x180 25 2) "${x264[@]}" "$WORK/r0.mp4"
ff -i "$WORK/r0.mp4" -c copy -metadata:s:v:0 rotate=90 "$IN/rotate_90.mp4"
ff $(src 320x240 50 2) -vf tinterlace=interleave_top,fieldorder=tff -c:v mpeg2video \
    -flags +ilme+ildct -top 1 -b:v 2M "$IN/interlaced.ts"
ff $(src 320x240 25 2) "${x264[@]}" -pix_fmt yuv420p10le "$IN/10bit.mp4"
ff $(src 320x240 25 3) -vf "setpts='if(lt(N,25),N/25,if(lt(N,50),1+(N-25)/5,6+(N-50)/50))/TB'" \
    -fps_mode passthrough "${x264[@]}" "$IN/vfr.mkv"
ff -f lavfi -i sine=d=3 -itsoffset 2 $(src 320x240 25 1) -map 0 -map 1 "${x264[@]}" -c:a aac \
    "$IN/late_start.mkv"
mkfifo "$IN/fifo.mp4"
mkdir "$IN/folder.mp4"

# ---- running keyart on them

# run_keyart TAG SECONDS CMD ARGS...: keyart CMD under timeout (20 s + 10 x the clip's
# SECONDS) and GNU time; sets RC, OUT, ERR, WALL (s) and RSS (KB), checks no crash,
# no hang, the time bound and peak RSS under 2 GB.
run_keyart() {
    local tag=$1 secs=$2
    shift 2
    local bound tf="$WORK/$tag.time"
    bound=$(awk -v d="$secs" 'BEGIN { printf "%d", 20 + 10 * d }')
    ka_run "$tag" timeout -k 5 "$bound" /usr/bin/time -f '%e %M' -o "$tf" "$KEYART_BIN" "$@"
    if [ "$RC" -eq 124 ] || [ "$RC" -eq 137 ]; then
        fail "$tag: ends within ${bound} s" "killed by timeout (exit $RC)" "$(ka__stderr_tail)"
        WALL=$bound RSS=0
        return
    fi
    read -r WALL RSS < <(tail -n 1 "$tf")
    if awk -v w="$WALL" -v b="$bound" 'BEGIN { exit !(w <= b) }'; then
        pass "$tag: ends within ${bound} s (${WALL} s)"
    else
        fail "$tag: ends within ${bound} s" "took ${WALL} s"
    fi
    if [ "$RSS" -lt "$RSS_LIMIT_KB" ]; then
        pass "$tag: peak RSS under 2 GB ($((RSS / 1024)) MiB)"
    else
        fail "$tag: peak RSS under 2 GB" "peak RSS $((RSS / 1024)) MiB"
    fi
    printf '%s\t%s\t%s\t%s\n' "$tag" "$RC" "$WALL" "$RSS" >>"$WORK/measures.tsv"
}

# expect_refusal TAG FILE ERE: exit 2, nothing on stdout, one line on stderr naming
# FILE and matching ERE, and no FFmpeg or "unknown error" wording instead of a reason.
expect_refusal() {
    local tag=$1 file=$2 ere=$3 lines
    check_rc "$tag: refused" 2
    check_eq "$tag: nothing on stdout" "0" "$(stat -c %s "$OUT")"
    lines=$(wc -l <"$ERR")
    if [ "$lines" -eq 1 ] && grep -Fq -- "$file" "$ERR"; then
        pass "$tag: one line on stderr naming the file"
    else
        fail "$tag: one line on stderr naming the file" "stderr ($lines lines):" \
            "$(head -n 5 "$ERR" | cut -c1-300)"
    fi
    check_grep "$tag: stderr says why" "$ERR" "$ere"
    check_not_grep "$tag: no empty or unknown error" "$ERR" 'unknown error|error: *$|: *$'
}

# case NAME SECONDS EXPECT [JQ [WARN]]: analyze and shots on $IN/NAME. EXPECT is ok
# (exit 0, a well-formed metadata.json, JQ true of it when given; analyze's stderr
# matches WARN, or with WARN "-" it has no warning) or the ERE of the refusal.
case_() {
    local name=$1 secs=$2 expect=$3 jqx=${4:-true} warn=${5:-}
    local file="$IN/$name" dir="$WORK/out/$name"
    run_keyart "analyze $name" "$secs" analyze "$file" -o "$dir" --db none
    if [ "$expect" == ok ]; then
        check_rc "analyze $name: a result" 0
        check "analyze $name: metadata.json has the title, shots and variants" jq -e \
            '(.title.shots >= 1) and (.title.frames >= 1) and (.title.fps | . > 0 and . < 1e6)
             and (.title.duration_s >= 0) and (.variants | type == "array")
             and ((.variants | length) > 0 or (.why_fewer | type == "string" and . != ""))' \
            "$dir/metadata.json"
        check "analyze $name: $jqx" jq -e "$jqx" "$dir/metadata.json"
        check "analyze $name: shots.json lists the shots" jq -e \
            'type == "array" and length >= 1 and (.[0].start_frame == 0)' "$dir/shots.json"
        if [ "$warn" == - ]; then
            check_not_grep "analyze $name: no warning that it is damaged" "$ERR" 'damaged|truncated'
        elif [ -n "$warn" ]; then
            check_grep "analyze $name: warns: $warn" "$ERR" "$warn"
        fi
    else
        expect_refusal "analyze $name" "$file" "$expect"
        if [ -e "$dir" ]; then fail "analyze $name: no output folder" "$(ls "$dir")"; fi
    fi
    run_keyart "shots $name" "$secs" shots "$file" -q
    if [ "$expect" == ok ]; then
        check_rc "shots $name: a result" 0
        check "shots $name: a JSON list of shots" jq -e 'type == "array" and length >= 1' "$OUT"
    else
        expect_refusal "shots $name" "$file" "$expect"
    fi
}

NOT_MEDIA='is not a media file FFmpeg can read'
CUT='is a damaged or truncated mov file FFmpeg cannot read'
TOO_BIG='16384x16384 frames \(268435456 pixels\) exceed --max-pixels 35389440'
case_ zero.mp4 0 'is empty \(0 bytes\)'
case_ random.mp4 0 "$NOT_MEDIA"
case_ cut1_moov_first.mp4 2 "$CUT"
case_ cut50_moov_first.mp4 2 ok '.title.decode.truncated and .title.frames < 50' \
    'warning: .*cut50_moov_first.mp4 is damaged.*truncated'
case_ cut99_moov_first.mp4 2 ok '.title.frames > 40 and .title.frames <= 50'
case_ cut1_moov_last.mp4 2 "$CUT \\(moov atom not found\\)"
case_ cut50_moov_last.mp4 2 "$CUT \\(moov atom not found\\)"
case_ cut99_moov_last.mp4 2 "$CUT|header is damaged or cut short"
case_ ts_stuck.mkv 2 ok '.title.frames == 50'
case_ ts_jump.mkv 2 ok '.title.frames == 50'
case_ ts_none.h264 2 ok '.title.frames == 50 and .title.fps == 25'
case_ audio_only.m4a 2 'has no video stream'
case_ still.png 0 ok '.title.frames == 1 and (.variants | length) == 1'
case_ still.jpg 0 ok '.title.frames == 1 and (.variants | length) == 1'
case_ size_1x1.mkv 2 ok '.title.width == 1 and .title.height == 1'
case_ size_16384.mkv 0 "$TOO_BIG"
case_ size_16384.png 0 "$TOO_BIG"
case_ size_8194x4320.y4m 0 '8194x4320 frames \(35398080 pixels\) exceed --max-pixels 35389440'
case_ size_6000x4000_10bit.y4m 0 \
    '6000x4000 yuv420p10le frames \(24000000 pixels, counted as 48000000 for their size in memory\) exceed --max-pixels 35389440'
case_ size_321x241.mkv 2 ok '.title.width == 321 and .title.height == 241'
case_ size_8x1000.mkv 1 ok '.title.width == 8 and .title.height == 1000'
case_ size_2000x8.mkv 1 ok '.title.width == 2000 and .title.height == 8'
case_ size_1600x40.mkv 1 ok '.title.width == 1600 and .title.height == 40'
case_ sar_100.mkv 1 ok '.title.width == 16000 and .title.height == 120'
case_ fps_1000.mp4 1 ok '.title.frames == 1000 and .title.fps == 1000'
case_ fps_0.5.mp4 6 ok '.title.frames == 3 and .title.fps == 0.5'
case_ rotate_90.mp4 2 ok '.title.width == 180 and .title.height == 320'
case_ interlaced.ts 2 ok '.title.frames >= 50'
case_ 10bit.mp4 2 ok '.title.frames == 50'
case_ vfr.mkv 7 ok '.title.frames == 75 and .title.duration_s > 6'
case_ late_start.mkv 3 ok '.title.frames == 25 and (.title.decode.truncated | not)' -
case_ fifo.mp4 0 'it is a FIFO \(named pipe\), not a video file'
case_ folder.mp4 0 'it is a directory, not a video file'

# the 16K refusals happen before anything large is allocated
for tag in "analyze size_16384.mkv" "analyze size_16384.png" "shots size_16384.mkv"; do
    rss=$(awk -F'\t' -v t="$tag" '$1 == t { print $4 }' "$WORK/measures.tsv")
    if [ -n "$rss" ] && [ "$rss" -lt "$REFUSE_RSS_KB" ]; then
        pass "$tag: refused before a frame was allocated (peak RSS $((rss / 1024)) MiB)"
    else
        fail "$tag: refused before a frame was allocated" "peak RSS ${rss:-?} KB"
    fi
done

# ---- --max-pixels: coded and displayed sizes, the queue, bad values
run_keyart "max-pixels coded" 2 analyze "$IN/size_321x241.mkv" -o "$WORK/o-mp" --db none \
    --max-pixels 50000
expect_refusal "analyze --max-pixels 50000" "size_321x241.mkv" \
    '321x241 frames \(77361 pixels\) exceed --max-pixels 50000'
run_keyart "max-pixels displayed" 1 shots "$IN/sar_100.mkv" --max-pixels 1000000
expect_refusal "shots --max-pixels 1000000 (16000x120 as displayed)" "sar_100.mkv" \
    'displayed 16000x120 frames \(1920000 pixels\) exceed --max-pixels 1000000'
run_keyart "max-pixels allows" 2 shots "$IN/size_321x241.mkv" --max-pixels 77361 -q
check_rc "shots --max-pixels 77361 takes 321x241 frames" 0
run_keyart "enqueue 16K" 0 enqueue "$IN/size_16384.mkv" --db "sqlite:$WORK/q.db"
expect_refusal "enqueue size_16384.mkv" "size_16384.mkv" "$TOO_BIG"
check_eq "  no job was queued" "0" "$(sqlite3 "$WORK/q.db" 'SELECT count(*) FROM jobs' 2>&1 || true)"
# a worker applies its own limit: a 640x360 job fails for good under --max-pixels 100000
ka_run "enqueue still" "$KEYART_BIN" enqueue "$IN/still.png" --db "sqlite:$WORK/q.db"
check_rc "enqueue still.png" 0
ka_run "worker small limit" "$KEYART_BIN" worker --once --max-pixels 100000 -q \
    --db "sqlite:$WORK/q.db" --artwork "$WORK/artwork"
check_rc "worker --max-pixels 100000 on a 640x360 job: the job failed" 2
check_grep "  saying why" "$ERR" \
    'failed: .*640x360 rgb24 frames \(230400 pixels, counted as 460800 .*\) exceed --max-pixels 100000'
check_eq "  and it is marked failed" "failed" \
    "$(sqlite3 "$WORK/q.db" "SELECT state FROM jobs WHERE title_id = 'still'" 2>&1 || true)"
for bad in 0 -1 abc 2147483648; do
    ka_run "max-pixels-$bad" "$KEYART_BIN" analyze "$IN/still.png" --max-pixels "$bad" --db none
    check_rc "analyze --max-pixels $bad is a usage error" 1
    check_grep "  saying so" "$ERR" "bad value '$bad' for --max-pixels"
done
ka_run "worker-max-pixels" "$KEYART_BIN" worker --max-pixels 0 --db "sqlite:$WORK/q.db"
check_rc "worker --max-pixels 0 is a usage error" 1
"$KEYART_BIN" analyze --help >"$WORK/help.txt"
check_grep "keyart analyze --help documents --max-pixels" "$WORK/help.txt" \
    '--max-pixels N +refuse a video whose frames'
check_grep "  and its default" "$WORK/help.txt" 'default 35389440, 8192x4320'

# every case's numbers, for docs/hardening.md
echo "---- measures (tag, exit, wall s, peak RSS KB; ASan build)"
column -t -s $'\t' "$WORK/measures.tsv" || cat "$WORK/measures.tsv"
finish
