#!/usr/bin/env bash
# make_catalogue.sh DB N [SOURCE]: makes a large catalogue out of one analysed title,
# for the dashboard's browser test and bench: N copies of SOURCE's rows (the title, its
# shots, candidates and variants; not its faces, so the copies have no cast) with the
# ids SOURCE-00001 ... SOURCE-0000N, genres taken in turn from four, all in one
# transaction. DB is a database URL as keyart takes it (sqlite:PATH or postgresql://...)
# already holding SOURCE (default: the first analysed title by id). The copies share
# SOURCE's images (the artwork folder is not touched). Prints the number of analysed
# titles after. Columns are read from the database, so later migrations need no edit.
set -euo pipefail
DB=${1:?usage: make_catalogue.sh DB N [SOURCE]}
N=${2:?usage: make_catalogue.sh DB N [SOURCE]}
SOURCE=${3:-}
[[ "$N" =~ ^[0-9]+$ ]] && [ "$N" -ge 1 ] && [ "$N" -le 100000 ] || {
    echo "make_catalogue.sh: N must be 1..100000" >&2; exit 2; }

case "$DB" in
    sqlite:*) KIND=sqlite ;;
    postgres://*|postgresql://*) KIND=pg ;;
    *) echo "make_catalogue.sh: $DB is neither sqlite:PATH nor a PostgreSQL URL" >&2; exit 2 ;;
esac

sql() {
    if [ "$KIND" == sqlite ]; then
        sqlite3 -batch -bail "${DB#sqlite:}"
    else
        PGOPTIONS="--client-min-messages=warning" psql -XAtq "$DB" -v ON_ERROR_STOP=1
    fi
}

# The columns of a table but those given, comma-separated, each prefixed with $2.
columns() {
    local table=$1 prefix=$2 skip=" ${*:3} " c out=()
    if [ "$KIND" == sqlite ]; then
        mapfile -t cols < <(echo "SELECT name FROM pragma_table_info('$table') ORDER BY cid;" | sql)
    else
        mapfile -t cols < <(echo "SELECT column_name FROM information_schema.columns WHERE
            table_name = '$table' AND table_schema = current_schema() ORDER BY ordinal_position;" | sql)
    fi
    for c in "${cols[@]}"; do
        [[ "$skip" == *" $c "* ]] || out+=("$prefix$c")
    done
    local IFS=,
    echo "${out[*]}"
}

quote() { printf "'%s'" "${1//\'/\'\'}"; }

if [ -z "$SOURCE" ]; then
    SOURCE=$(echo "SELECT title_id FROM titles WHERE analysed_at IS NOT NULL ORDER BY title_id LIMIT 1;" | sql)
fi
[ -n "$SOURCE" ] || { echo "make_catalogue.sh: no analysed title in $DB" >&2; exit 1; }
SRC=$(quote "$SOURCE")
MARK=$(quote "make_catalogue:$SOURCE")
if [ "$KIND" == sqlite ]; then
    NEW_ID="printf('%s-%05d', t.title_id, n.i)"
else
    NEW_ID="t.title_id || '-' || lpad(n.i::text, 5, '0')"
fi

T_COLS=$(columns titles "" id title_id genre analysed_at worker metadata)
S_COLS=$(columns shots "" title)
C_COLS=$(columns candidates "" id title)
V_COLS=$(columns variants "" id title candidate)
pre() { sed "s/\([^,]*\)/$1.\1/g" <<<"$2"; }

sql <<EOF
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
INSERT INTO titles (title_id, genre, analysed_at, worker, metadata, $T_COLS)
SELECT $NEW_ID,
       CASE n.i % 4 WHEN 0 THEN 'action' WHEN 1 THEN 'drama' WHEN 2 THEN 'comedy' ELSE 'animation' END,
       t.analysed_at + n.i * 0.001, $MARK,
       replace(t.metadata, '"' || t.title_id || '"', '"' || $NEW_ID || '"'), $(pre t "$T_COLS")
FROM titles t, n WHERE t.title_id = $SRC;
INSERT INTO shots (title, $S_COLS)
SELECT nt.id, $(pre s "$S_COLS") FROM shots s JOIN titles st ON st.id = s.title AND st.title_id = $SRC
JOIN titles nt ON nt.worker = $MARK;
INSERT INTO candidates (title, $C_COLS)
SELECT nt.id, $(pre c "$C_COLS") FROM candidates c JOIN titles st ON st.id = c.title AND st.title_id = $SRC
JOIN titles nt ON nt.worker = $MARK;
INSERT INTO variants (title, candidate, $V_COLS)
SELECT nt.id, (SELECT nc.id FROM candidates nc JOIN candidates oc ON oc.id = v.candidate
               WHERE nc.title = nt.id AND nc.idx = oc.idx), $(pre v "$V_COLS")
FROM variants v JOIN titles st ON st.id = v.title AND st.title_id = $SRC
JOIN titles nt ON nt.worker = $MARK;
UPDATE titles SET worker = NULL WHERE worker = $MARK;
COMMIT;
SELECT count(*) FROM titles WHERE analysed_at IS NOT NULL;
EOF
