#!/bin/bash
# shots_cli.sh: `keyart shots CLIP` (JSON, the default) and `--format csv` on
# tears_of_steel_10s.mp4 (hard cuts, flashes) and pyscenedetect/testvideo.mp4 (fades
# and a dissolve): the documented shape, contiguous shots covering every frame,
# gradual transitions with their spans, CSV agreeing with JSON; --format xml is a
# usage error.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# Shape of every shot: keys, types, index order, transition names and spans.
SHAPE_JQ='
if type != "array" then "not an array but \(type)"
elif length == 0 then "no shots"
else
  to_entries[] as {key: $i, value: $s}
  | ( ("index", "start_frame", "end_frame", "start_s", "end_s", "transition_in") as $k
      | select($s | has($k) | not) | "shot \($i): no \"\($k)\"" ),
    ( ("index", "start_frame", "end_frame") as $k | $s[$k]
      | select(type != "number" or . != floor) | "shot \($i): \($k) = \(.) is not an integer" ),
    ( ("start_s", "end_s") as $k | $s[$k]
      | select(type != "number") | "shot \($i): \($k) is \(type), not a number" ),
    ( select($s.index != $i) | "shot at position \($i) has index \($s.index)" ),
    ( select(($s.start_frame | type) == "number" and ($s.end_frame | type) == "number"
             and $s.start_frame > $s.end_frame)
      | "shot \($i): start_frame \($s.start_frame) > end_frame \($s.end_frame)" ),
    ( select(($s.start_s | type) == "number" and ($s.end_s | type) == "number"
             and $s.start_s >= $s.end_s)
      | "shot \($i): start_s \($s.start_s) >= end_s \($s.end_s)" ),
    ( select([$s.transition_in] | inside(["start", "cut", "fade", "dissolve"]) | not)
      | "shot \($i): transition_in \($s.transition_in | tostring) is not start|cut|fade|dissolve" ),
    ( select(($i == 0) != ($s.transition_in == "start"))
      | "shot \($i): transition_in \($s.transition_in) (only the first shot is \"start\")" ),
    ( select($s.transition_in == "fade" or $s.transition_in == "dissolve") | $s.transition_span
      | select(type != "array" or length != 2 or any(.[]; type != "number") or .[0] > .[1])
      | "shot \($i): \($s.transition_in) without a [first, last] transition_span (\(tostring))" )
end'

# Contiguity: each shot starts right after the previous one ends (frames and times).
CONTIG_JQ='
[ range(1; length) as $i | .[$i - 1] as $a | .[$i] as $b
  | ( select($a.end_frame + 1 != $b.start_frame)
      | "shot \($i - 1) ends at \($a.end_frame), shot \($i) starts at \($b.start_frame)" ),
    ( select((($a.end_s - $b.start_s) | fabs) > 0.001)
      | "shot \($i - 1) end_s \($a.end_s) != shot \($i) start_s \($b.start_s)" ) ] | .[]'

for rel in tears_of_steel_10s.mp4 pyscenedetect/testvideo.mp4; do
    clip="$MEDIA/$rel"
    name=$(basename -- "$rel")
    frame_count=$(jqv --arg k "$name" '.[$k].frame_count' "$LABELS")

    ka_run "$name-json" "$KEYART_BIN" shots "$clip"
    check_rc "$name: shots" 0
    json="$WORK/$name.json"
    cp "$OUT" "$json"
    if ! jq -e . "$json" >/dev/null 2>&1; then
        fail "$name: shots prints valid JSON" "$(head -c 300 "$json")"
        continue
    fi
    pass "$name: shots prints valid JSON"

    problems=$(jq -r "$SHAPE_JQ" "$json" 2>&1) || true
    if [ -z "$problems" ]; then pass "$name: every shot has the documented keys and types"
    else fail "$name: every shot has the documented keys and types" "$(echo "$problems" | head -10)"; fi
    problems=$(jq -r "$CONTIG_JQ" "$json" 2>&1) || true
    if [ -z "$problems" ]; then pass "$name: shots are contiguous (end_frame + 1 == next start_frame)"
    else fail "$name: shots are contiguous (end_frame + 1 == next start_frame)" \
        "$(echo "$problems" | head -10)"; fi
    check_eq "$name: the first shot starts at frame 0 with transition_in \"start\"" "0 start" \
        "$(jq -r '.[0] | "\(.start_frame) \(.transition_in)"' "$json")"
    check_eq "$name: the last shot ends at frame_count - 1 (labels: $frame_count frames)" \
        "$((frame_count - 1))" "$(jq -r '.[-1].end_frame' "$json")"
    check_eq "$name: start_s of the first shot is 0" "0" "$(jq -r '.[0].start_s' "$json")"

    if [ "$name" == "testvideo.mp4" ]; then
        check "$name: a fade with a transition_span" \
            jq -e 'any(.[]; .transition_in == "fade" and (.transition_span | type) == "array")' "$json"
        check "$name: a dissolve whose transition_span overlaps [529, 557]" \
            jq -e 'any(.[]; .transition_in == "dissolve" and (.transition_span | type) == "array"
                   and .transition_span[0] <= 557 and .transition_span[1] >= 529)' "$json"
    fi

    ka_run "$name-csv" "$KEYART_BIN" shots "$clip" --format csv
    check_rc "$name: shots --format csv" 0
    csv="$OUT"
    head -n 1 "$csv" >"$WORK/$name.csv-header"
    check_grep "$name: csv has a header line" "$WORK/$name.csv-header" \
        '^index,start_frame,end_frame,start_s,end_s,transition_in(,|$)'
    check_eq "$name: csv has one row per shot" "$(jq length "$json")" \
        "$(tail -n +2 "$csv" | grep -c . || true)"
    check_eq "$name: csv rows are the JSON shots (index, frames, transition)" \
        "$(jq -r '.[] | [.index, .start_frame, .end_frame, .transition_in] | join(",")' "$json")" \
        "$(tail -n +2 "$csv" | cut -d, -f1-3,6)"
done

ka_run "format-xml" "$KEYART_BIN" shots "$MEDIA/tears_of_steel_10s.mp4" --format xml
check_rc "shots --format xml" 1
check_grep "shots --format xml: stderr says what is wrong" "$ERR" 'format'
check_eq "shots --format xml: nothing on stdout" "0" "$(stat -c %s "$OUT")"

finish
