#!/usr/bin/env bash
# disk_sqlite.sh: `keyart analyze` when the disk fills up (a small tmpfs, filled to a
# few KiB), with the SQLite database on it, then with the artwork folder on it, then
# with the output folder on it. Each time: exit 3 with a message saying the disk is
# full; the database opens and passes PRAGMA integrity_check; the title is the old
# analysis, whole (or absent when new); the output folder is the old one, byte for
# byte (the run's folder is swapped in only once the database has stored the title),
# and nothing half-written is left beside it; once space is freed the same command
# succeeds and leaves no temp file anywhere. Needs root for the mount (skips when not
# root, fails in CI).
set -euo pipefail
source "$(dirname "$0")/../cli/lib.sh"
source "$(dirname "$0")/../store/lib_store.sh" sqlite
source "$(dirname "$0")/lib_faults.sh"
need_root "mounting a small tmpfs"

OLD_CLIP="$MEDIA/faces_single_shot_3s.mp4"
NEW_CLIP="$MEDIA/sintel_10s.mp4"
RUN=("$KEYART_BIN" analyze -q --stage-opt faces.enabled=0 --title-id t)
SMALL="$WORK/small"
small_tmpfs "$SMALL" 6m

# temps: what a run leaves that is not a result (stage folders, artwork temp files)
temps() { find "$@" -name '*.tmp*' -o -name '.tmp-*' 2>/dev/null | grep -v '/\.filler$' || true; }

# case NAME DB ART OUT_PARENT KB_LEFT ERE: a first analysis (OLD_CLIP), the disk
# filled, a re-analysis of another clip and a new title refused; then space freed.
full_case() {
    local name=$1 db=$2 art=$3 parent=$4 left=$5 ere=$6 before
    local out="$parent/t"
    ka_run "$name-first" "${RUN[@]}" "$OLD_CLIP" -o "$out" --db "$db" --artwork "$art"
    check_rc "$name: a first analysis" 0
    before=$(digest "$out")
    local row="1|$OLD_CLIP|$(jq '.variants | length' "$out/metadata.json")"
    check_eq "$name: stored" "$row" \
        "$(db_sql "$db" "SELECT analysis_version, source, n_variants FROM titles WHERE title_id = 't'")"

    fill "$SMALL" "$left"
    ka_run "$name-again" "${RUN[@]}" "$NEW_CLIP" -o "$out" --db "$db" --artwork "$art"
    check_rc "$name: the disk full, a re-analysis fails" 3
    check_grep "$name:   saying why" "$ERR" "$ere"
    echo "       ($(grep -v '^keyart: warning' "$ERR" | head -n 2 | cut -c1-240 | tr '\n' ' '))"
    ka_run "$name-new" "${RUN[@]}" "$NEW_CLIP" --title-id u -o "$parent/u" --db "$db" \
        --artwork "$art"
    check_rc "$name: a new title fails too" 3
    check "$name: the database passes integrity_check (disk still full)" sqlite_ok "${db#sqlite:}"
    check_eq "$name: the title is the old analysis" "$row" \
        "$(db_sql "$db" "SELECT analysis_version, source, n_variants FROM titles WHERE title_id = 't'")"
    check_eq "$name:   whole" "" "$(half_titles "$db")"
    check_eq "$name:   its images are there" "" "$(missing_art "$db" "$art")"
    check_eq "$name: the new title is absent" 0 "$(db_sql "$db" "SELECT count(*) FROM titles WHERE title_id = 'u'")"
    check_eq "$name: the output folder is the old one, every file as it was" "$before" "$(digest "$out")"
    check "$name:   and whole" folder_whole "$out"
    check_eq "$name: no folder for the new title" "" "$(ls -A "$parent" | grep -x u || true)"
    check_eq "$name: nothing half-written left beside the output folder" "" "$(temps "$parent")"

    unfill "$SMALL"
    ka_run "$name-freed" "${RUN[@]}" "$NEW_CLIP" -o "$out" --db "$db" --artwork "$art"
    check_rc "$name: space freed, the re-analysis succeeds" 0
    check "$name:   the database passes integrity_check" sqlite_ok "${db#sqlite:}"
    check_eq "$name:   the title is the new analysis" "2|$NEW_CLIP|$(jq '.variants | length' "$out/metadata.json")" \
        "$(db_sql "$db" "SELECT analysis_version, source, n_variants FROM titles WHERE title_id = 't'")"
    check_eq "$name:   whole" "" "$(half_titles "$db")"
    check_eq "$name:   its images are there" "" "$(missing_art "$db" "$art")"
    check "$name:   the output folder is the new one, whole" folder_whole "$out"
    check_eq "$name:   from the new clip" "$NEW_CLIP" "$(jqv -r .title.source "$out/metadata.json")"
    check_eq "$name:   no temp file left anywhere" "" "$(temps "$parent" "$art" "$SMALL")"
    rm -rf "${SMALL:?}"/* "$parent" "$art"
}

# SQLite's WAL index (-shm, 32 KiB) needs room to open the database: 48 KiB left
# lets it open and fail while writing the analysis.
full_case db "sqlite:$SMALL/keyart.db" "$WORK/art-db" "$WORK/out-db" 48 \
    'keyart\.db.*(disk is full|no space)'
full_case artwork "sqlite:$WORK/art.db" "$SMALL/artwork" "$WORK/out-art" 16 \
    'cannot write artwork.*No space left on device'
full_case output "sqlite:$WORK/out.db" "$WORK/art-out" "$SMALL/out" 16 \
    'No space left on device'
finish
