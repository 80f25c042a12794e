#!/bin/bash
# cast_cli.sh DEFAULT_MODELS SHARED_MODELS BACKEND: the face commands end to end, with
# the cast in the database (BACKEND sqlite or pg, see tests/store/lib_store.sh).
#   - `keyart cast add` the single-person photos of Obama and Biden, `cast list`,
#     then `keyart identify obama_and_biden.jpg --json` names both, each at his place
#     (Biden on the left, Obama on the right; checked by eye), nobody else, and
#     `keyart analyze` of a clip made from that photo names them from the cast in
#     the database; a later `cast add` adds to a member's references;
#   - a photo with no face is refused with a message, and nothing is added;
#   - no keyart-cast.json or other file is written in the current folder;
#   - models missing or corrupt: a clear message and the fallback to OpenCV's
#     cascades (identify still names them with the cascade), analyze still works;
#   - usage errors, and a database that does not exist.
# On pg only the first three run (the rest does not touch the database).
set -euo pipefail
source "$(dirname "$0")/../cli/lib.sh"
source "$(dirname "$0")/../store/lib_store.sh" "${3:-sqlite}"
DEFAULT_MODELS=${1:?default models folder}
MODELS="$DEFAULT_MODELS:${2:?shared models folder}"
K="$KEYART_BIN"
PF="$KEYART_SHARED/faces/public-figures"
mkdir -p "$WORK/cwd"
cd "$WORK/cwd"
DB=$(fresh_db cast)
export KEYART_DB=$DB        # the commands below use it unless given --db

# ---- enrol, list, identify
ka_run enrol_obama "$K" cast add --title pf --name Obama --role hero --models "$MODELS" \
    "$PF/obama.jpg" "$PF/obama1.jpg" "$PF/obama2.jpg" "$PF/obama_small.jpg"
check_rc "cast add Obama" 0
ka_run enrol_biden "$K" cast add --title pf --name Biden --role supporting --models "$MODELS" \
    "$PF/biden.jpg" "$PF/biden2.jpg"
check_rc "cast add Biden" 0
check_eq "cast add: the members are in the database" "Biden|supporting|2 Obama|hero|4" \
    "$(db_sql "$DB" "SELECT name, role, n_embeddings FROM cast_members ORDER BY name" | tr '\n' ' ' | sed 's/ $//')"
ka_run list "$K" cast list --json
check_rc "cast list --json" 0
check_eq "cast list: both, with their references" "Biden:supporting:2 Obama:hero:4" \
    "$(jqv -r '[.[] | "\(.name):\(.role):\(.references)"] | sort | join(" ")' "$OUT")"
ka_run list_other "$K" cast list --title other
check_eq "cast list --title other: nobody" "" "$(cat "$OUT")"
ka_run list_text "$K" cast list --title pf --db "$DB"
check_grep "cast list as a table, with --db" "$OUT" "^pf	Obama	hero	4$"

# who is where: the centre of each face box
WHO='[.faces[] | select(.name != null) | "\(.name)@\(if .box[0] + .box[2] / 2 < 1000 then "left" else "right" end)"] | sort | join(" ")'
ka_run identify "$K" identify "$PF/obama_and_biden.jpg" --title pf --json --models "$MODELS"
check_rc "identify obama_and_biden.jpg" 0
check_eq "identify names Biden (left) and Obama (right)" "Biden@left Obama@right" \
    "$(jqv -r "$WHO" "$OUT")"
check_eq "identify: every face has a box, a confidence 0..1, name and role or null" "true" \
    "$(jqv '[.faces[] | (.box | length == 4) and .confidence >= 0 and .confidence <= 1
            and ((.name == null and .role == null) or (.name | type == "string"))] | all' "$OUT")"
check_eq "identify: the girl is nobody in the cast" "1" \
    "$(jqv '[.faces[] | select(.name == null)] | length' "$OUT")"
ka_run identify_other "$K" identify "$PF/obama_and_biden.jpg" --title other --json --models "$MODELS"
check_eq "identify --title other: no names" "0" \
    "$(jqv '[.faces[] | select(.name != null)] | length' "$OUT")"

# ---- analyze matches faces against the title's cast in the database
ffmpeg -nostdin -v error -y -loop 1 -framerate 12 -t 2 -i "$PF/obama_and_biden.jpg" \
    -vf "scale=1280:-2,format=yuv420p" -c:v libx264 -preset veryfast "$WORK/pf.mp4"
ka_run analyze_cast "$K" analyze "$WORK/pf.mp4" --title-id pf -o "$WORK/pf_out" \
    --artwork "$WORK/art" --variants 4 --models "$MODELS" -q
check_rc "analyze a clip of the two with the cast" 0
check_eq "analyze: the variants name Biden and Obama" "Biden Obama" \
    "$(jqv -r '[.variants[].characters[] | select(. == "Obama" or . == "Biden")] | unique
               | join(" ")' "$WORK/pf_out/metadata.json")"
check_eq "analyze: the title lists them with their cast roles" "Biden:supporting Obama:hero" \
    "$(jqv -r '[.title.characters[] | select(.name == "Obama" or .name == "Biden")
               | "\(.name):\(.role)"] | sort | join(" ")' "$WORK/pf_out/metadata.json")"

check_eq "analyze: the stored identities link to the cast members" "Biden Obama" \
    "$(db_sql "$DB" "SELECT DISTINCT m.name FROM identities i JOIN cast_members m ON m.id = i.cast_member ORDER BY m.name" | tr '\n' ' ' | sed 's/ $//')"
ka_run analyze_nodb "$K" analyze "$WORK/pf.mp4" --title-id pf -o "$WORK/pf_nodb" --db none \
    --variants 4 --models "$MODELS" -q
check_rc "analyze --db none" 0
check_eq "analyze --db none: no cast, so no names" "" \
    "$(jqv -r '[.title.characters[] | select(.name == "Obama" or .name == "Biden")] | length
               | select(. > 0)' "$WORK/pf_nodb/metadata.json")"

# ---- a later add adds to the member's references
ka_run add_more "$K" cast add --title pf --name Obama --role hero --models "$MODELS" "$PF/obama3.jpg"
check_rc "cast add one more photo of Obama" 0
check_eq "cast list: Obama has five references now" "Biden:2 Obama:5" \
    "$(jqv -r '[.[] | "\(.name):\(.references)"] | sort | join(" ")' <("$K" cast list --json))"

# ---- a photo without a face is refused, nothing is added
ffmpeg -nostdin -v error -y -ss 3 -i "$KEYART_SHARED/media/caminandes_10s.mp4" -frames:v 1 \
    "$WORK/llama.jpg"
before=$(db_sql "$DB" "SELECT name, n_embeddings FROM cast_members ORDER BY name")
ka_run noface "$K" cast add --title pf --name Llama --role villain --models "$MODELS" \
    "$PF/obama.jpg" "$WORK/llama.jpg"
check_rc "cast add with a faceless photo" 2
check_grep "cast add: the message names the photo and says why" "$ERR" "llama.jpg: no face"
check_eq "cast add: nothing was added" "$before" \
    "$(db_sql "$DB" "SELECT name, n_embeddings FROM cast_members ORDER BY name")"
check_eq "no file was written in the current folder" "" "$(ls -A)"
if [ "$BACKEND" == pg ]; then
    drop_dbs
    finish
    exit 0
fi

# ---- models missing or corrupt
ka_run nomodels "$K" identify "$PF/obama_and_biden.jpg" --json --models "$WORK/none"
check_rc "identify without models" 2
check_grep "identify without models: says the identity model is missing" "$ERR" \
    "fr_feature.onnx is not in .*setup.sh"
check_grep "identify without models: says it falls back to the cascades" "$ERR" \
    "no deep face detector.*cascades"
mkdir -p "$WORK/corrupt"
head -c 20000 /dev/urandom > "$WORK/corrupt"/fr_detect.onnx
ka_run corrupt "$K" identify "$PF/obama_and_biden.jpg" --title pf --json --detector faceplugin \
    --models "$WORK/corrupt:$DEFAULT_MODELS"
check_rc "identify with a corrupt detector model" 0
check_grep "corrupt model: the warning names the file" "$ERR" "corrupt/fr_detect.onnx cannot be used"
check_grep "corrupt model: falls back to the cascades" "$ERR" "cascades"
check_eq "corrupt model: the cascade still finds and names them" "Biden@left Obama@right" \
    "$(jqv -r "$WHO" "$OUT")"
ka_run analyze_nomodels "$K" analyze "$KEYART_SHARED/media/faces_single_shot_3s.mp4" \
    -o "$WORK/out" --db none --variants 4 --models "$WORK/none"
check_rc "analyze without models" 0
check_grep "analyze without models: a warning says so" "$ERR" "no deep face detector"
check_eq "analyze without models: the cascades found faces" "true" \
    "$(jqv '[.variants[].vision.faces | length] | add > 0' "$WORK/out/metadata.json")"
check_eq "analyze without models: detector cascade" "cascade" \
    "$(jqv -r '.variants[0].vision.detector' "$WORK/out/metadata.json")"

# ---- usage errors
ka_run bad_role "$K" cast add --title pf --name X --role sidekick "$PF/obama.jpg"
check_rc "cast add --role sidekick" 1
check_grep "bad role: the roles are listed" "$ERR" "hero, heroine, villain, supporting"
ka_run no_image "$K" cast add --title pf --name X --role hero
check_rc "cast add without IMAGE" 1
ka_run bad_detector "$K" identify "$PF/obama.jpg" --detector bogus
check_rc "identify --detector bogus" 1
ka_run not_jpeg "$K" identify "$KEYART_SHARED/labels/shots.json" --models "$MODELS"
check_rc "identify a file that is not a photo" 2
ka_run no_db "$K" identify "$PF/obama.jpg" --db "sqlite:$WORK/none.db" --models "$MODELS"
check_rc "identify with a database that does not exist" 3
check_grep "no database: the message names it" "$ERR" "none.db"
check "no database: none was made" test ! -e "$WORK/none.db"
ka_run list_bad_db "$K" cast list --db "mysql://x"
check_rc "cast list with a bad database URL" 1
drop_dbs
finish
