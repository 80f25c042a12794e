#!/usr/bin/env bash
# dashboard.sh: the dashboard end to end in headless chromium (dashboard.mjs) against a
# real `keyart serve` on loopback holding two analysed shared clips, the first analysed
# with --report for the offline check, and pyscenedetect/testvideo (fades, a dissolve)
# analysed with --report for the timeline's marks. Screenshots go to $KEYART_ARTIFACTS.
set -euo pipefail
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/../serve/lib_serve.sh"
. "$(dirname "$0")/lib_web.sh"
web_require

DB="sqlite:$WORK/web.db"
ART="$WORK/artwork"
T1=tears_of_steel_10s
T2=caminandes_10s

for clip in "$T1:action:--report" "$T2:animation:"; do
    IFS=: read -r name genre extra <<<"$clip"
    ka_run "analyze-$name" env KEYART_DB="$DB" KEYART_ARTWORK="$ART" "$KEYART_BIN" analyze \
        "$MEDIA/$name.mp4" -o "$WORK/out-$name" --genre "$genre" --quiet $extra
    check_rc "analyse $name" 0
done
check "report.html is written with --report" test -s "$WORK/out-$T1/report.html"
check "and not without it" test ! -e "$WORK/out-$T2/report.html"
# A clip with fades and a dissolve, for the report's timeline marks.
ka_run analyze-fades "$KEYART_BIN" analyze "$MEDIA/pyscenedetect/testvideo.mp4" \
    -o "$WORK/out-fades" --db none --quiet --report
check_rc "analyse pyscenedetect/testvideo with --report" 0

serve_start web "$DB" "$ART" --refresh 0.3
echo "artefacts: $KEYART_ARTIFACTS"
WEB_URL=${URL_OF[web]} WEB_TOKEN=$TOKEN WEB_T1=$T1 WEB_T2=$T2 WEB_OUT1="$WORK/out-$T1" \
    WEB_OUT2="$WORK/out-fades" \
    web_node dashboard.mjs
serve_stop web
finish
