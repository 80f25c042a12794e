#!/usr/bin/env bash
# disk_pg.sh: PostgreSQL runs out of space while keyart stores a title. A cluster of
# this script's own gets a tablespace on a small tmpfs, the database puts keyart's
# tables there (default_tablespace), and the tmpfs is filled to a few KiB: a
# re-analysis and a new title are refused (exit 3, PostgreSQL's "No space left on
# device" in the message); the database still answers; the title is the old analysis,
# whole, the new one absent; the output folder the old one; once space is freed the
# same command stores the new analysis. Needs root (skips when not root, fails in CI).
set -euo pipefail
source "$(dirname "$0")/../cli/lib.sh"
source "$(dirname "$0")/lib_faults.sh"
need_root "mounting a small tmpfs"
own_pg_start
source "$(dirname "$0")/../store/lib_store.sh" pg

OLD_CLIP="$MEDIA/faces_single_shot_3s.mp4"
NEW_CLIP="$MEDIA/sintel_10s.mp4"
ART="$WORK/artwork"
RES="$WORK/out/t"
SMALL="$WORK/small"
chmod 755 "$WORK"                   # the server's user reaches the tablespace through it
small_tmpfs "$SMALL" 8m
mkdir "$SMALL/ts"
chown postgres:postgres "$SMALL/ts"
psql -XAtq "$OWN_PG_URL" -v ON_ERROR_STOP=1 -c "CREATE TABLESPACE small LOCATION '$SMALL/ts'"
DB=$(fresh_db disk)
psql -XAtq "$OWN_PG_URL" -v ON_ERROR_STOP=1 -c "ALTER DATABASE kt_sh_$$_disk SET default_tablespace = small"
RUN=("$KEYART_BIN" analyze -q --stage-opt faces.enabled=0 --title-id t --db "$DB" --artwork "$ART")
row() { db_sql "$DB" "SELECT analysis_version, source, n_variants FROM titles WHERE title_id = 't'"; }

ka_run first "${RUN[@]}" "$OLD_CLIP" -o "$RES"
check_rc "a first analysis into PostgreSQL" 0
check_eq "  keyart's tables are in the small tablespace" "small small small" \
    "$(db_sql "$DB" "SELECT tablespace FROM pg_tables WHERE tablename IN ('titles', 'candidates', 'variants') ORDER BY tablename" | tr '\n' ' ' | sed 's/ $//')"
BEFORE=$(digest "$RES")
OLD_ROW="1|$OLD_CLIP|$(jq '.variants | length' "$RES/metadata.json")"
check_eq "  stored" "$OLD_ROW" "$(row)"

fill "$SMALL" 16
ka_run again "${RUN[@]}" "$NEW_CLIP" -o "$RES"
check_rc "the tablespace full, a re-analysis fails" 3
check_grep "  saying why" "$ERR" 'cannot store t: .*(No space left on device|could not extend)'
echo "       ($(head -n 2 "$ERR" | cut -c1-240 | tr '\n' ' '))"
ka_run new "${RUN[@]}" "$NEW_CLIP" --title-id u -o "$WORK/out/u"
check_rc "a new title fails too" 3
ka_run titles "$KEYART_BIN" titles --json --db "$DB"
check_rc "the database still answers (keyart titles)" 0
check_eq "  one title" t "$(jqv -r '[.[].title_id] | join(" ")' "$OUT")"
check_eq "the title is the old analysis" "$OLD_ROW" "$(row)"
check_eq "  whole" "" "$(half_titles "$DB")"
check_eq "  its images are there" "" "$(missing_art "$DB" "$ART")"
check_eq "the output folder is the old one, every file as it was" "$BEFORE" "$(digest "$RES")"
check_eq "  nothing else beside it" "t" "$(ls -A "$WORK/out")"

unfill "$SMALL"
ka_run freed "${RUN[@]}" "$NEW_CLIP" -o "$RES"
check_rc "space freed, the re-analysis succeeds" 0
check_eq "  the title is the new analysis" "2|$NEW_CLIP|$(jq '.variants | length' "$RES/metadata.json")" "$(row)"
check_eq "  whole" "" "$(half_titles "$DB")"
check_eq "  its images are there" "" "$(missing_art "$DB" "$ART")"
check "  the output folder is the new one, whole" folder_whole "$RES"
check_eq "  nothing else beside it" "t" "$(ls -A "$WORK/out")"
drop_dbs
psql -XAtq "$OWN_PG_URL" -c "DROP TABLESPACE small" >/dev/null 2>&1 || true
finish
