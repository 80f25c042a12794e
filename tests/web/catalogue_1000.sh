#!/usr/bin/env bash
# catalogue_1000.sh: the catalogue page with 1,001 titles in headless chromium
# (catalogue_1000.mjs): one shared clip analysed, copied into 1,000 more titles by
# make_catalogue.sh, served by a real `keyart serve` on loopback. Prints the load
# timings (bench/bench_dashboard.sh records them); asserts no time.
set -euo pipefail
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/../serve/lib_serve.sh"
. "$(dirname "$0")/lib_web.sh"
web_require

DB_FILE="$WORK/cat.db"
ka_run analyze env KEYART_DB="sqlite:$DB_FILE" KEYART_ARTWORK="$WORK/artwork" "$KEYART_BIN" \
    analyze "$MEDIA/caminandes_10s.mp4" -o "$WORK/out" --quiet
check_rc "analyse caminandes_10s" 0
check "make 1,000 more titles" bash "$WEB_DIR/make_catalogue.sh" "sqlite:$DB_FILE" 1000 caminandes_10s
check_eq "the database holds 1,001 titles" 1001 "$(sqlite3 "$DB_FILE" 'SELECT count(*) FROM titles')"
serve_start cat "sqlite:$DB_FILE" "$WORK/artwork"
WEB_URL=${URL_OF[cat]} web_node catalogue_1000.mjs
serve_stop cat
finish
