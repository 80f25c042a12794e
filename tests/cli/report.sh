#!/usr/bin/env bash
# report.sh: `keyart analyze --report`: report.html in the output folder, one file
# that needs nothing else: the title view model embedded as JSON (no '<' in it, so no
# "</script>" can end it early) with every variant, shot and character of the
# analysis, every picture a data: URI (variants at most 640 px wide), the dashboard's
# CSS and title-view JavaScript inlined, and no address outside the file. The browser
# side (it renders offline) is tests/web/dashboard.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

CLIP=sintel_10s
DIR="$WORK/out"
# A source path with markup in it: it is in the model (title.source), never markup.
SRC="$WORK/<b>&amp;<script>alert(1)<!--.mp4"
ln -s "$MEDIA/$CLIP.mp4" "$SRC"
ka_run report "$KEYART_BIN" analyze "$SRC" --title-id "$CLIP" -o "$DIR" --db none --quiet --report
check_rc "analyze --report" 0
check "report.html is written" test -s "$DIR/report.html"
R="$DIR/report.html"

# The embedded model: the text between its script tags.
sed -n 's|^<script type="application/json" id="keyart-model">\(.*\)</script>$|\1|p' "$R" \
    >"$WORK/model.json"
check "the embedded model is JSON" jq -e 'type == "object"' "$WORK/model.json"
check_eq "no '<' inside the model" 0 "$(tr -cd '<' <"$WORK/model.json" | wc -c)"
check_eq "title_id" "$CLIP" "$(jqv -r .title_id "$WORK/model.json")"
check_eq "the source path, markup and all, is a JSON string" "$SRC" "$(jqv -r .title.source "$WORK/model.json")"
check_eq "  and the page holds exactly the script elements it writes" 3 "$(grep -o '<script' "$R" | wc -l)"
check_eq "every variant of metadata.json, in order" \
    "$(jq -c '[.variants[] | [.variant_number, .variant_id]]' "$DIR/metadata.json")" \
    "$(jq -c '[.variants[] | [.variant_number, .variant_id]]' "$WORK/model.json")"
check_eq "every shot of shots.json" "$(jq -c '[.[] | [.start_frame, .transition_in]]' "$DIR/shots.json")" \
    "$(jq -c '[.shots[] | [.start_frame, .transition_in]]' "$WORK/model.json")"
check_eq "the cast: metadata's characters" "$(jq -c '[.title.characters[].name]' "$DIR/metadata.json")" \
    "$(jq -c '[.cast[].name]' "$WORK/model.json")"
check "the characters' faces point at candidates" jq -e '[.cast[].faces[] |
    .candidate_index >= 0 and (.box | length == 4 and .[2] > 0 and .[3] > 0)] | all' "$WORK/model.json"
check_eq "candidates: as many as metadata says" "$(jq .title.candidates "$DIR/metadata.json")" \
    "$(jq '.candidates | length' "$WORK/model.json")"
check "the chosen candidates carry their variant's number" jq -e \
    '([.candidates[] | select(.variant_number != null) | .variant_number] | sort) ==
     ([.variants[].variant_number] | sort)' "$WORK/model.json"
check "every variant's four pictures are JPEG data: URIs" jq -e '[.variants[].urls |
    (.full, .["16x9"], .["2x3"], .["1x1"]) | startswith("data:image/jpeg;base64,")] | all' \
    "$WORK/model.json"
check "controls: nothing pinned or excluded" jq -e '.controls == {"pinned": null, "excluded": []}' \
    "$WORK/model.json"
jq -r '.variants[0].urls.full | ltrimstr("data:image/jpeg;base64,")' "$WORK/model.json" |
    base64 -d >"$WORK/v1.jpg"
check "variant 1's picture decodes as a JPEG" is_jpeg "$WORK/v1.jpg"
W=$(ffprobe -v error -select_streams v:0 -show_entries stream=width -of csv=p=0 "$WORK/v1.jpg")
check "  at most 640 px wide ($W)" test "$W" -le 640 -a "$W" -gt 0

check_grep "the dashboard's style is inlined" "$R" '^<style>$'
check_grep "title.js is inlined" "$R" 'KA.renderTitle = function'
check_not_grep "no <script src> or <link>: nothing to fetch" "$R" '<script src=|<link '
check_not_grep "no http(s) address in an attribute" "$R" '(src|href)="https?:'

# The folder is the analysis's: a run with --report again replaces it, one without
# drops the report.
ka_run again "$KEYART_BIN" analyze "$MEDIA/$CLIP.mp4" -o "$DIR" --db none --quiet --report
check_rc "analyze --report into the same folder" 0
ka_run plain "$KEYART_BIN" analyze "$MEDIA/$CLIP.mp4" -o "$DIR" --db none --quiet
check_rc "analyze without --report into it" 0
check "  leaves no report.html behind" test ! -e "$R"
finish
