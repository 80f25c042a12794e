#!/bin/bash
# cli_store.sh BACKEND: the database from the command line, on sqlite or pg.
# keyart analyze stores its result (and still writes -o); titles, variants and export
# read it back (export = metadata.json but for image names); re-analysing replaces;
# and the failures leave the data as it was with a clear message and a non-zero exit:
# bad and unreachable URLs, a database from a newer keyart, a read-only database file
# or folder, a full disk (the last three on SQLite files).
set -euo pipefail
source "$(dirname "$0")/../cli/lib.sh"
source "$(dirname "$0")/lib_store.sh" "${1:-sqlite}"

CLIP="$MEDIA/sintel_10s.mp4"
SHORT="$MEDIA/caminandes_10s.mp4"
DB=$(fresh_db cli)
ART="$WORK/artwork"

# ---- analyze stores; titles / variants / export read it back
ka_run analyze1 "$KEYART_BIN" analyze "$CLIP" -q -o "$WORK/out1" --db "$DB" --artwork "$ART"
check_rc "analyze into $BACKEND" 0
check "the -o folder is still written" test -s "$WORK/out1/metadata.json"
ka_run titles "$KEYART_BIN" titles --json --db "$DB"
check_rc "titles --json" 0
check_eq "one title stored" "sintel_10s" "$(jqx "$OUT" '[.[].title_id] | join(",")')"
nvar=$(jqx "$WORK/out1/metadata.json" '.variants | length')
check_eq "titles: variants as in metadata.json" "$nvar" "$(jqx "$OUT" '.[0].variants')"
ka_run titles-text "$KEYART_BIN" titles --db "$DB"
check_grep "titles as a table" "$OUT" '^sintel_10s +drama'
ka_run variants "$KEYART_BIN" variants sintel_10s --json --db "$DB"
check_rc "variants --json" 0
check_eq "variants: all of them" "$nvar" "$(jqx "$OUT" 'length')"
missing=0
for img in $(jqx "$OUT" '.[].images[]'); do [ -s "$ART/$img" ] || missing=$((missing + 1)); done
check_eq "every variant image is in the artwork folder" 0 "$missing"
check_eq "images are named by their SHA-256" "" \
    "$(for img in $(jqx "$OUT" '.[].images.full'); do
           [ "$(sha256sum <"$ART/$img" | cut -c1-64)" == "$(basename "$img" .jpg)" ] || echo "$img"
       done)"
ka_run export "$KEYART_BIN" export sintel_10s --db "$DB"
check_rc "export" 0
strip='del(.variants[].images) | del(.title.analyse_s)'
check_eq "export = metadata.json (but image names)" "$(jq -S "$strip" "$WORK/out1/metadata.json")" \
    "$(jq -S "$strip" "$OUT")"
ka_run export-shots "$KEYART_BIN" export sintel_10s --shots --db "$DB"
check_eq "export --shots = shots.json" "$(jq -S . "$WORK/out1/shots.json")" "$(jq -S . "$OUT")"
ka_run export-cands "$KEYART_BIN" export sintel_10s --candidates --db "$DB"
check_rc "export --candidates" 0
check_eq "export --candidates: every stored candidate, in order" \
    "$(db_sql "$DB" "SELECT frame FROM candidates ORDER BY idx" | paste -sd,)" \
    "$(jqx "$OUT" '[.[].frame] | join(",")')"
check_eq "export --candidates: the variants' frames, by number" \
    "$(jqx "$WORK/out1/metadata.json" '[.variants[] | "\(.variant_number):\(.frame)"] | sort | join(",")')" \
    "$(jqx "$OUT" '[.[] | select(.variant_number != null) | "\(.variant_number):\(.frame)"] | sort | join(",")')"
check_eq "export --candidates: the scores as stored" \
    "$(db_sql "$DB" "SELECT quality_score FROM candidates ORDER BY idx" |
       awk '{ printf "%.4f\n", $1 }' | paste -sd,)" \
    "$(jqx "$OUT" '.[].quality_score' | awk '{ printf "%.4f\n", $1 }' | paste -sd,)"
check_eq "export --candidates: every part within 0..1" 0 \
    "$(jqx "$OUT" '[.[].visual_quality | to_entries[] | select(.key != "lightness" and .value != null
        and (.value < 0 or .value > 1))] | length')"
check_eq "export --candidates: BRISQUE null exactly where it was not measured" \
    "$(db_sql "$DB" "SELECT count(brisque_quality) FROM candidates")" \
    "$(jqx "$OUT" '[.[] | select(.visual_quality.brisque != null)] | length')"
check_eq "export --candidates: the faces of each, as stored" \
    "$(db_sql "$DB" "SELECT count(*) FROM faces")" "$(jqx "$OUT" '[.[].faces] | add')"
check_eq "export --candidates: every candidate's appeal and grade (0..3)" 0 \
    "$(jqx "$OUT" '[.[] | select((.appeal.score | type) != "number" or .appeal.grade < 0
        or .appeal.grade > 3)] | length')"
check "export --candidates: variant 1 is the candidate of highest appeal" jq -e \
    '(map(select(.variant_number == 1))[0].appeal.score) >= (map(.appeal.score) | max)' "$OUT"
ka_run export-rescore "$KEYART_BIN" export sintel_10s --candidates --db "$DB" \
    --quality-weights 0.25,0.25,0.30,0.20,0.10,0.15
check_rc "export --candidates --quality-weights" 0
# (both rounded to 4 decimals, as every score: docs/json.md)
check_eq "rescored with the weights of the analysis: the stored scores" 0 \
    "$(jqx "$OUT" '[.[] | select((.quality_score_rescored - .quality_score) | fabs > 1.5e-4)]
        | length')"
ka_run export-sharp "$KEYART_BIN" export sintel_10s --candidates --db "$DB" \
    --quality-weights 0,0,1,0,0,0
check_eq "rescored by sharpness alone: sharpness times the exposure factor" 0 \
    "$(jqx "$OUT" '[.[] | .visual_quality as $q | select((.quality_score_rescored - $q.sharpness
        * (1 - ([[$q.exposure_clipped, 0] | max, 0.5] | min))) | fabs > 2e-4)] | length')"
check "rescored by sharpness alone: the scores change" \
    test "$(jqx "$OUT" '[.[] | select((.quality_score_rescored - .quality_score) | fabs > 1e-3)]
        | length')" -gt 0
ka_run export-badweights "$KEYART_BIN" export sintel_10s --candidates --db "$DB" \
    --quality-weights 0,0,0,0,0,0
check_rc "export --quality-weights 0,0,0,0,0,0: a usage error" 1
check_grep "it says why" "$ERR" "all are 0"
ka_run export-weights-alone "$KEYART_BIN" export sintel_10s --db "$DB" --quality-weights 1,1,1,1,1,1
check_rc "export --quality-weights without --candidates: a usage error" 1
check_grep "it says what goes with what" "$ERR" "goes with --candidates"
ka_run export-both "$KEYART_BIN" export sintel_10s --candidates --shots --db "$DB"
check_rc "export --candidates --shots: a usage error" 1
check_grep "they exclude each other" "$ERR" "exclude each other"
ka_run export-missing "$KEYART_BIN" export no_such_title --db "$DB"
check_rc "export of an unknown title" 1
check_grep "it says which title" "$ERR" "no title 'no_such_title'"

# ---- re-analysis replaces the previous analysis, in place
ka_run analyze2 "$KEYART_BIN" analyze "$CLIP" -q -o "$WORK/out2" --db "$DB" --artwork "$ART" --variants 5
check_rc "re-analyse" 0
check_eq "still one title row" 1 "$(db_sql "$DB" "SELECT count(*) FROM titles")"
check_eq "analysis version 2" 2 "$(db_sql "$DB" "SELECT analysis_version FROM titles")"
check "at most the 5 asked for" test "$(jq '.variants | length' "$WORK/out2/metadata.json")" -le 5
check_eq "only the new variants" "$(jq '.variants | length' "$WORK/out2/metadata.json")" \
    "$(db_sql "$DB" "SELECT count(*) FROM variants")"
check_eq "only the new candidates" "$(jqx "$WORK/out2/metadata.json" .title.candidates)" \
    "$(db_sql "$DB" "SELECT count(*) FROM candidates")"

# ---- bad and unreachable URLs: a clear message, no work done
for spec in "mysql://localhost/x:1:unsupported database URL" \
            "postgresql://127.0.0.1:1/keyart:3:cannot connect" \
            "sqlite:$WORK/no/such/folder/k.db:3:no/such/folder"; do
    url=${spec%:*:*}; rest=${spec#"$url":}; want=${rest%%:*}; msg=${rest#*:}
    ka_run badurl "$KEYART_BIN" analyze "$SHORT" -q -o "$WORK/bad-out" --db "$url"
    check_rc "analyze --db $url" "$want"
    check_grep "  says: $msg" "$ERR" "$msg"
    check "  no output folder" test ! -e "$WORK/bad-out"
    ka_run badurl-titles "$KEYART_BIN" titles --db "$url"
    check_rc "titles --db $url" "$want"
done

# ---- not a file: a device, a FIFO, refused before SQLite touches them (it would write
# /dev/null-journal as root, or block on the FIFO)
rm -f /dev/null-journal 2>/dev/null || true
mkfifo "$WORK/a.fifo"
for path in /dev/null "$WORK/a.fifo"; do
    for cmd in titles analyze; do
        args=("$cmd")
        [ "$cmd" == analyze ] && args+=("$SHORT" -q -o "$WORK/dev-out")
        ka_run "dev-$cmd" timeout 20 "$KEYART_BIN" "${args[@]}" --db "sqlite:$path"
        check_rc "$cmd --db sqlite:$path" 3
        check_grep "  says it is not a regular file" "$ERR" "is not a regular file"
    done
done
check "no /dev/null-journal was made" test ! -e /dev/null-journal
check "  nor a journal beside the FIFO" test ! -e "$WORK/a.fifo-journal"
check "  nor an output folder" test ! -e "$WORK/dev-out"

# ---- a database from a newer keyart: refused, untouched
NEWER=$(fresh_db newer)
ka_run newer0 "$KEYART_BIN" analyze "$SHORT" -q -o "$WORK/n0" --db "$NEWER" --artwork "$ART"
db_sql "$NEWER" "INSERT INTO schema_version (version, name) VALUES (99, 'future')" >/dev/null
before=$(db_sql "$NEWER" "SELECT count(*), max(analysis_version) FROM titles")
ka_run newer "$KEYART_BIN" analyze "$SHORT" -q -o "$WORK/n1" --db "$NEWER" --artwork "$ART"
check_rc "analyze into a newer schema" 3
check_grep "  says the version is newer" "$ERR" "schema version 99, newer than"
check_eq "  titles unchanged" "$before" "$(db_sql "$NEWER" "SELECT count(*), max(analysis_version) FROM titles")"
ka_run newer-titles "$KEYART_BIN" titles --db "$NEWER"
check_rc "titles on a newer schema" 3

if [ "$BACKEND" == sqlite ]; then
    # ---- defaults: KEYART_DB, else keyart.db and artwork/ in the current folder
    mkdir "$WORK/cwd"
    ( cd "$WORK/cwd" && env -u KEYART_DB -u KEYART_ARTWORK "$KEYART_BIN" analyze "$SHORT" -q \
        -o out >/dev/null 2>&1 ) || true
    check "default database: ./keyart.db" test -s "$WORK/cwd/keyart.db"
    check "default artwork folder: ./artwork" test -d "$WORK/cwd/artwork"
    mkdir "$WORK/cwd2"
    ( cd "$WORK/cwd2" && env -u KEYART_DB "$KEYART_BIN" analyze "$SHORT" -q -o out --db none \
        >/dev/null 2>&1 ) || true
    check "--db none stores nothing" test ! -e "$WORK/cwd2/keyart.db"

    # ---- read-only database file and folder (as an unprivileged user: root writes anyway)
    as_user=()
    if [ "$(id -u)" -eq 0 ]; then as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups); fi
    RO="$WORK/ro"
    mkdir "$RO"
    "$KEYART_BIN" analyze "$SHORT" -q -o "$WORK/ro-out" --db "sqlite:$RO/k.db" --artwork "$ART"
    sum=$(sha256sum <"$RO/k.db")
    chmod 444 "$RO/k.db"
    chmod 555 "$RO"
    chmod 755 "$WORK"
    ka_run ro "${as_user[@]}" "$KEYART_BIN" analyze "$SHORT" -q -o "$WORK/ro-out2" \
        --db "sqlite:$RO/k.db" --artwork "$WORK/ro-art"
    check_rc "analyze into a read-only database" 3
    check_grep "  says it is read-only" "$ERR" "read-only"
    check_eq "  the file is unchanged" "$sum" "$(sha256sum <"$RO/k.db")"
    check "  no work was done (no output folder)" test ! -e "$WORK/ro-out2"
    ka_run ro-new "${as_user[@]}" "$KEYART_BIN" analyze "$SHORT" -q -o "$WORK/ro-out3" \
        --db "sqlite:$RO/new.db"
    check_rc "a new database in a read-only folder" 3
    check_grep "  says the folder is not writable" "$ERR" "not writable"
    SHORT_ID=caminandes_10s
    for cmd in titles "variants $SHORT_ID" "export $SHORT_ID"; do
        # shellcheck disable=SC2086
        ka_run "ro-read" "${as_user[@]}" "$KEYART_BIN" $cmd --db "sqlite:$RO/k.db"
        check_rc "but reads work: keyart $cmd" 0
    done
    ka_run ro-titles "${as_user[@]}" "$KEYART_BIN" titles --json --db "sqlite:$RO/k.db"
    check_eq "  the stored title, read from the read-only file" "$SHORT_ID" "$(jqx "$OUT" '.[0].title_id')"
    check_eq "  and nothing was written beside it" "k.db" "$(ls -A "$RO")"
    check_eq "  nor in it" "$sum" "$(sha256sum <"$RO/k.db")"
    chmod 755 "$RO"

    # ---- a full disk (a small tmpfs, when this machine lets us mount one)
    FULL="$WORK/full"
    mkdir "$FULL"
    if mount -t tmpfs -o size=6m tmpfs "$FULL" 2>/dev/null; then
        trap 'st=$?; umount "$FULL" 2>/dev/null; (exit $st); ka__exit' EXIT
        FDB="sqlite:$FULL/k.db"
        "$KEYART_BIN" analyze "$SHORT" -q -o "$WORK/f0" --db "$FDB" --artwork "$FULL/art"
        before=$(sqlite3 "$FULL/k.db" "SELECT title_id, analysis_version FROM titles" 2>&1)
        dd if=/dev/zero of="$FULL/fill" bs=64k 2>/dev/null || true
        ka_run full "$KEYART_BIN" analyze "$CLIP" -q -o "$WORK/f1" --db "$FDB" --artwork "$FULL/art"
        check_rc "analyze onto a full disk" 3
        check_grep "  says the disk is full" "$ERR" "No space left|disk is full"
        rm -f "$FULL/fill"
        check_eq "  the stored titles are as they were" "$before" \
            "$(sqlite3 "$FULL/k.db" "SELECT title_id, analysis_version FROM titles")"
        ka_run full-after "$KEYART_BIN" analyze "$CLIP" -q -o "$WORK/f2" --db "$FDB" --artwork "$FULL/art"
        check_rc "  with space again it works" 0
        umount "$FULL"
        trap ka__exit EXIT
    else
        pass "full disk: not tested (cannot mount a tmpfs on this machine)"
    fi
fi

drop_dbs
finish
