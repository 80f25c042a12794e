# lib_store.sh: what the store's end-to-end scripts share, on top of tests/cli/lib.sh.
# Source it after lib.sh with the backend as $1 (sqlite or pg). It gives:
#   - BACKEND; for pg, PG_BASE ($KEYART_TEST_PG_URL; without it the script skips
#     locally and fails when $CI is set)
#   - fresh_db NAME: prints the URL of a new, empty database
#   - db_sql URL SQL: runs SQL on that database, prints the rows (one per line, |-separated)
#   - drop_dbs: drops the PostgreSQL databases fresh_db made (call before finish)
#   - jqx FILE FILTER: jq -r, failing the check on bad JSON
BACKEND=${1:-sqlite}
export PGOPTIONS="--client-min-messages=warning"
KA_PG_DBS=()

if [ "$BACKEND" == pg ]; then
    PG_BASE=${KEYART_TEST_PG_URL:-}
    if [ -z "$PG_BASE" ]; then
        trap - EXIT
        rm -rf -- "$WORK"
        case "${CI:-}" in
            ""|0|false) echo "KEYART_TEST_PG_URL is not set: skipping the PostgreSQL run"; exit 77 ;;
            *) echo "FAIL - KEYART_TEST_PG_URL is not set in CI (scripts/run-tests.sh starts" \
                    "a throwaway PostgreSQL)"; exit 1 ;;
        esac
    fi
fi

# The base URL with its database name replaced by $1.
pg_url_for() {
    local base=$PG_BASE prefix rest query=""
    prefix=${base%%://*}://
    rest=${base#*://}
    local host=${rest%%/*}
    rest=${rest#*/}
    case "$rest" in *\?*) query="?${rest#*\?}" ;; esac
    printf '%s%s/%s%s\n' "$prefix" "$host" "$1" "$query"
}

fresh_db() {
    if [ "$BACKEND" == pg ]; then
        local db="kt_sh_$$_$1"
        psql -XAtq "$PG_BASE" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
        KA_PG_DBS+=("$db")
        pg_url_for "$db"
    else
        printf 'sqlite:%s/%s.db\n' "$WORK" "$1"
    fi
}

db_sql() {
    local url=$1 sql=$2
    case "$url" in
        sqlite:*) sqlite3 -batch "${url#sqlite:}" "$sql" ;;
        *) psql -XAtq "$url" -v ON_ERROR_STOP=1 -c "$sql" ;;
    esac
}

drop_dbs() {
    local db
    for db in "${KA_PG_DBS[@]}"; do
        psql -XAtq "$PG_BASE" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    done
    KA_PG_DBS=()
}

jqx() {
    jq -r "$2" "$1"
}
