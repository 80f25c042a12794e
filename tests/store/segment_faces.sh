#!/bin/bash
# segment_faces.sh BACKEND: a title analysed in segments by `keyart worker` processes
# names its characters over the whole title, as a single pass does (sqlite or pg).
# tears_of_steel_10s.mp4 (3 segments) and people_single_shot_17s.mp4 (3 segments) are
# each analysed once whole (`keyart analyze`) and once through the queue
# (`enqueue --segment`, two workers). The faces of the two analyses are paired by
# time and place; then:
#   - the segment results kept the faces: the merged title stores them with their
#     embeddings and identities;
#   - every character of the single pass seen in two segments or more (the man of
#     tears_of_steel from 3.3 s to 7.7 s, the man in the red cap of the single shot
#     from 4.2 s to 6.1 s) is one identity of the merged title, not one per segment;
#   - the names agree: "lead 1" is the same person in both; in tears_of_steel every
#     paired face has the same name (the single shot is sampled more densely in
#     segments, each taking the short-title minimum of candidates, so the screen time
#     of its minor characters, and their ranks, differ);
#   - the stored variants list characters;
#   - the merged title's candidates keep their BRISQUE and face quality (the quality
#     parts vision measured) as the single pass's do.
set -euo pipefail
source "$(dirname "$0")/../cli/lib.sh"
source "$(dirname "$0")/lib_store.sh" "${1:-sqlite}"

ART="$WORK/artwork"
DB=$(fresh_db segfaces)
CLIPS=("tears_of_steel_10s.mp4 tears 4" "people_single_shot_17s.mp4 people 6")

for spec in "${CLIPS[@]}"; do
    read -r file id seg <<<"$spec"
    ka_run "whole-$id" "$KEYART_BIN" analyze "$MEDIA/$file" --title-id "${id}_whole" -q \
        --db "$DB" --artwork "$ART" -o "$WORK/out-$id"
    check_rc "$id: the single pass" 0
    ka_run "enqueue-$id" "$KEYART_BIN" enqueue "$MEDIA/$file" --segment "$seg" \
        --title-id "${id}_seg" --db "$DB"
    check_grep "$id: queued as 3 segments" "$OUT" "as 3 segments merged by job"
done
pids=()
for i in 1 2; do
    "$KEYART_BIN" worker --db "$DB" --artwork "$ART" --drain --poll 0.2 --threads 2 \
        --lease 30 --name "w$i" >/dev/null 2>"$WORK/w$i.err" &
    pids+=($!)
done
st=0
for p in "${pids[@]}"; do wait "$p" || st=$?; done
check_eq "the workers exit 0" 0 "$st"
check_no_sanitizer "no sanitizer report from the workers" "$WORK"/w?.err
check_eq "every job done (3 segments and a merge per title)" "8" \
    "$(db_sql "$DB" "SELECT count(*) FROM jobs WHERE state = 'done'")"

# faces TITLE: "time|x|y|name|identity row" of the faces with an identity
faces() {
    db_sql "$DB" "SELECT c.time_s, f.x, f.y, i.label, i.id FROM faces f JOIN candidates c ON
        c.id = f.candidate JOIN titles t ON t.id = c.title JOIN identities i ON
        i.id = f.identity WHERE t.title_id = '$1' ORDER BY c.time_s, f.x"
}

# pair CORES WHOLE SEG: the faces of the single pass paired with the merged title's
# (same time within 10 ms, same place within 2 px). Prints "pairs N", "crossing N"
# (characters of the single pass seen in two segments or more), "split NAME: ids"
# for such a character whose faces have several identities in the merged title, and
# "renamed A -> B" per pair whose names differ.
pair() {
    awk -F'|' '
    BEGIN { nc = nw = ns = 0 }      # (numbers: an unset counter is "" as a subscript)
    FILENAME == ARGV[1] { start[nc++] = $1; next }
    FILENAME == ARGV[2] { wt[nw] = $1; wx[nw] = $2; wy[nw] = $3; wl[nw++] = $4; next }
    { st[ns] = $1; sx[ns] = $2; sy[ns] = $3; sl[ns] = $4; sid[ns++] = $5 }
    function seg(t,   k, s) { s = 0; for (k = 1; k < nc; k++) if (t >= start[k]) s = k; return s }
    function abs(v) { return v < 0 ? -v : v }
    END {
        for (i = 0; i < nw; i++)
            for (j = 0; j < ns; j++)
                if (abs(wt[i] - st[j]) < 0.01 && abs(wx[i] - sx[j]) <= 2 && abs(wy[i] - sy[j]) <= 2) {
                    n++
                    if (wl[i] != sl[j]) print "renamed " wl[i] " -> " sl[j]
                    k = wl[i]
                    if (!((k, seg(wt[i])) in segs)) { segs[k, seg(wt[i])] = 1; nseg[k]++ }
                    if (!((k, sid[j]) in ids)) { ids[k, sid[j]] = 1; nid[k]++; list[k] = list[k] " " sid[j] }
                    break
                }
        for (k in nseg)
            if (nseg[k] >= 2) {
                crossing++
                if (nid[k] != 1) print "split " k ":" list[k]
            }
        print "pairs " n + 0
        print "crossing " crossing + 0
    }' "$@"
}

for spec in "${CLIPS[@]}"; do
    read -r file id seg <<<"$spec"
    check_eq "$id: the merged title stores its faces with their embeddings" "ok" \
        "$(db_sql "$DB" "SELECT CASE WHEN count(*) >= 10 AND count(f.embedding) = count(*)
            THEN 'ok' ELSE 'bad: ' || count(*) || ' faces, ' || count(f.embedding) ||
            ' embeddings' END FROM faces f JOIN candidates c ON c.id = f.candidate JOIN titles t
            ON t.id = c.title WHERE t.title_id = '${id}_seg' AND f.w >= 32")"
    db_sql "$DB" "SELECT seg_start FROM jobs WHERE kind = 'segment' AND title_id = '${id}_seg'
        ORDER BY seg_index" >"$WORK/cores-$id"
    faces "${id}_whole" >"$WORK/whole-$id"
    faces "${id}_seg" >"$WORK/seg-$id"
    pair "$WORK/cores-$id" "$WORK/whole-$id" "$WORK/seg-$id" >"$WORK/pair-$id"
    nw=$(wc -l <"$WORK/whole-$id")
    np=$(awk '$1 == "pairs" { print $2 }' "$WORK/pair-$id")
    check "$id: most named faces of the single pass pair with one of the merged title ($np of $nw)" \
        test "$((2 * np))" -ge "$nw"
    check "$id: a character of the single pass is seen in several segments" \
        test "$(awk '$1 == "crossing" { print $2 }' "$WORK/pair-$id")" -ge 1
    check_eq "$id: each such character is one identity of the merged title" "" \
        "$(grep '^split' "$WORK/pair-$id" || true)"
    check_eq "$id: lead 1 is the same person" "" \
        "$(grep -E '^renamed (lead 1 |.* -> lead 1$)' "$WORK/pair-$id" || true)"
    for title in "${id}_whole" "${id}_seg"; do
        db_sql "$DB" "SELECT CASE WHEN count(c.brisque_quality) = count(*) THEN 'brisque: all'
            WHEN count(c.brisque_quality) = 0 THEN 'brisque: none' ELSE 'brisque: some' END
            || CASE WHEN count(c.face_quality) > 0 THEN ', faces: some' ELSE ', faces: none' END
            FROM candidates c JOIN titles t ON t.id = c.title WHERE t.title_id = '$title'"
    done >"$WORK/parts-$id"
    check "$id: the single pass stores the faces' quality of some candidates" \
        grep -q ', faces: some$' <(head -n 1 "$WORK/parts-$id")
    check_eq "$id: the merged title keeps the parts as the single pass does" \
        "$(head -n 1 "$WORK/parts-$id")" "$(tail -n 1 "$WORK/parts-$id")"
    ka_run "export-$id" "$KEYART_BIN" export "${id}_seg" --db "$DB"
    check_rc "$id: export the merged title" 0
    check "$id: the stored variants list characters" \
        test "$(jqx "$OUT" '[.variants[] | select((.characters | length) > 0)] | length')" -ge 2
    check_eq "$id: the merged title's first character is lead 1, the hero" "lead 1:hero" \
        "$(jqx "$OUT" '.title.characters[0] | "\(.name):\(.role)"')"
done
check_eq "tears: every paired face has the same name in both" "" \
    "$(grep '^renamed' "$WORK/pair-tears" || true)"

drop_dbs
finish
