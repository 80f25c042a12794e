# lib_faults.sh: what the fault tests share, on top of tests/cli/lib.sh (and
# tests/store/lib_store.sh, tests/serve/lib_serve.sh when a script uses them). Source
# it last. It gives:
#   - need_root WHAT: skips the script (77) when not root, unless in CI ($CI set),
#     where it fails: mounting a tmpfs needs root, and CI runs as root
#   - small_tmpfs DIR SIZE: mounts a tmpfs of SIZE (e.g. 4m) on DIR, unmounted at exit
#   - fill DIR KB_LEFT: fills DIR's filesystem until about KB_LEFT KiB are left
#     (one file, DIR/.filler); unfill DIR removes it
#   - own_pg_start: a PostgreSQL cluster of this script's own (scripts/pg-test-cluster.sh),
#     which it may restart or fill without disturbing other tests; sets OWN_PG_URL,
#     OWN_PG_DIR, and KEYART_TEST_PG_URL to it (for lib_store.sh's fresh_db); stopped
#     and removed at exit. pg_restart restarts it (fast mode); as_pg CMD runs CMD as
#     the cluster's owner
#   - sqlite_ok FILE: PRAGMA integrity_check says ok
#   - half_titles DB: the titles whose rows are not all there (shots, candidates,
#     variants as the title row counts them; at least one variant); empty when none
#   - missing_art DB DIR: the variants' images the database names that are not JPEG
#     files in the artwork folder DIR; empty when none
#   - folder_whole DIR: metadata.json names exactly the variants whose images are in
#     DIR (four each), the other files are there, nothing hidden inside
#   - digest DIR: the digests of DIR's files but metadata.json (which holds the run's
#     time), to tell one result from another
#   - rand_sleep MIN MAX: sleeps a random time in [MIN, MAX] seconds (RANDOM, seeded
#     from $KEYART_FAULT_SEED when set, else printed so a failure can be replayed)
#   - bg PID...: processes killed (SIGKILL) at exit if still running
FAULT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FAULT_MOUNTS=()
FAULT_PIDS=()
OWN_PG_DIR=""

faults__exit() {
    local rc=$? m p next=ka__exit
    for p in "${FAULT_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    for p in "${FAULT_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    for m in "${FAULT_MOUNTS[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
    if [ -n "$OWN_PG_DIR" ]; then
        if declare -F drop_dbs >/dev/null; then drop_dbs; fi
        "$FAULT_ROOT/scripts/pg-test-cluster.sh" stop "$OWN_PG_DIR" >/dev/null 2>&1 || true
    fi
    if declare -F serve__exit >/dev/null; then next=serve__exit; fi
    (exit "$rc")
    "$next"
}
trap faults__exit EXIT

bg() { FAULT_PIDS+=("$@"); }

# skip_or_fail WHY: 77 locally, a failure in CI.
skip_or_fail() {
    case "${CI:-}" in
        ""|0|false)
            echo "SKIP: $1"
            trap - EXIT
            for m in "${FAULT_MOUNTS[@]}"; do umount "$m" 2>/dev/null || true; done
            rm -rf -- "$WORK"
            exit 77 ;;
        *) fail "$1 (in CI this must work)"; exit 1 ;;
    esac
}

need_root() {
    [ "$(id -u)" -eq 0 ] || skip_or_fail "$1 needs root (not root here)"
}

small_tmpfs() {
    mkdir -p "$1"
    if ! mount -t tmpfs -o "size=$2,mode=0777" keyart-faults "$1" 2>"$WORK/mount.err"; then
        skip_or_fail "cannot mount a tmpfs on $1: $(cat "$WORK/mount.err")"
    fi
    FAULT_MOUNTS+=("$1")
}

fill() {
    local avail
    avail=$(df --output=avail -k "$1" | tail -n1 | tr -d ' ')
    if [ "$avail" -gt "$2" ]; then
        fallocate -l "$(( (avail - $2) * 1024 ))" "$1/.filler" 2>/dev/null ||
            head -c "$(( (avail - $2) * 1024 ))" /dev/zero >"$1/.filler" 2>/dev/null || true
    fi
}

unfill() { rm -f "$1/.filler"; }

as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1; }

own_pg_start() {
    local env
    if ! env=$(TMPDIR=/tmp "$FAULT_ROOT/scripts/pg-test-cluster.sh" start 2>"$WORK/pg-start.err"); then
        skip_or_fail "cannot start a PostgreSQL cluster: $(tail -n 3 "$WORK/pg-start.err" | tr '\n' ' ')"
    fi
    eval "$env"
    OWN_PG_DIR=$KEYART_TEST_PG_DIR
    OWN_PG_URL=$KEYART_TEST_PG_URL
    export KEYART_TEST_PG_URL
}

pg_restart() {
    as_pg "$(pg_bin)/pg_ctl" -D "$OWN_PG_DIR/data" -l "$OWN_PG_DIR/server.log" -m fast -w \
        -t 60 restart >/dev/null
}

sqlite_ok() {
    [ "$(sqlite3 -batch "$1" 'PRAGMA integrity_check' 2>&1)" == ok ]
}

half_titles() {
    db_sql "$1" "SELECT t.title_id FROM titles t WHERE t.n_variants < 1
        OR (SELECT count(*) FROM variants v WHERE v.title = t.id) <> t.n_variants
        OR (SELECT count(*) FROM candidates c WHERE c.title = t.id) <> t.n_candidates
        OR (SELECT count(*) FROM shots s WHERE s.title = t.id) <> t.n_shots ORDER BY 1"
}

missing_art() {
    local f
    db_sql "$1" "SELECT image_full, image_16x9, image_2x3, image_1x1 FROM variants" |
        tr '|' '\n' | while read -r f; do
            is_jpeg "$2/$f" || echo "${f:-(no name)}"
        done
}

folder_whole() {
    local dir=$1 n want have f
    [ -d "$dir" ] || { echo "no folder $dir"; return 1; }
    n=$(jq -r '[.variants[].variant_number] | map(tostring) | join(" ")' "$dir/metadata.json") ||
        { echo "metadata.json unreadable"; return 1; }
    want=$(for v in $n; do for s in "" _16x9 _2x3 _1x1; do printf 'variant_%02d%s.jpg\n' "$v" "$s"; done; done | sort)
    have=$(cd "$dir" && ls | grep '^variant_' | sort)
    [ "$want" == "$have" ] || { echo "variant files: want [$want] have [$have]"; return 1; }
    for f in $have contact_sheet.jpg; do is_jpeg "$dir/$f" || { echo "$f is not a JPEG"; return 1; }; done
    for f in shots.json shots.csv; do [ -s "$dir/$f" ] || { echo "no $f"; return 1; }; done
    [ -z "$(ls -A "$dir" | grep '^\.' || true)" ] || { echo "hidden files inside"; return 1; }
}

digest() {
    (cd "$1" && find . -type f ! -name metadata.json | sort | xargs sha256sum)
}

FAULT_SEED=${KEYART_FAULT_SEED:-$(( $$ ^ $(date +%s) ))}
RANDOM=$FAULT_SEED
echo "random seed: $FAULT_SEED (KEYART_FAULT_SEED=$FAULT_SEED replays it)"

rand_sleep() {
    sleep "$(awk -v a="$1" -v b="$2" -v r="$RANDOM" 'BEGIN { printf "%.2f", a + (b - a) * r / 32767 }')"
}
