#!/usr/bin/env bash
# bench_store.sh: throughput of the work queue: titles per minute with one and with
# two `keyart worker` processes on this machine, against SQLite (a file) and
# PostgreSQL (a throwaway cluster from scripts/pg-test-cluster.sh, when it starts).
# Each run enqueues KEYART_BENCH_TITLES (12) titles made from the shared clips that
# have few faces (caminandes, sintel, tears of steel: 10 s each, under new title ids)
# into a fresh database and times the workers draining the queue. It prints; it does
# not fail on targets. Uses the release build in build-release/ (made when missing).
# Options: --sqlite or --pg to run one backend only.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${KEYART_SHARED:-$ROOT/../shared}
TITLES=${KEYART_BENCH_TITLES:-12}
KEYART="$ROOT/build-release/src/cli/keyart"
BACKENDS=(sqlite pg)
case "${1:-}" in
    --sqlite) BACKENDS=(sqlite) ;;
    --pg) BACKENDS=(pg) ;;
    "") ;;
    *) echo "usage: $0 [--sqlite | --pg]" >&2; exit 1 ;;
esac

log() { printf 'bench: %s\n' "$*" >&2; }

[ -d "$SHARED/media" ] || { log "shared clips not found in $SHARED/media"; exit 1; }
if [ ! -x "$KEYART" ] || [ -n "$(find "$ROOT/src" "$ROOT/include" -newer "$KEYART" -name '*.[ch]' 2>/dev/null | head -n1)" ]; then
    log "building the release keyart in build-release/"
    [ -d "$ROOT/build-release" ] || meson setup "$ROOT/build-release" "$ROOT" --buildtype=release >/dev/null
    ninja -C "$ROOT/build-release" >/dev/null
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/keyart-bench-store.XXXXXX")
PG_DIR=""
cleanup() {
    if [ -n "$PG_DIR" ]; then "$ROOT/scripts/pg-test-cluster.sh" stop "$PG_DIR" 2>/dev/null || true; fi
    rm -rf -- "$WORK"
}
trap cleanup EXIT

CLIPS=(caminandes_10s.mp4 sintel_10s.mp4 tears_of_steel_10s.mp4)

# fresh_url BACKEND TAG
fresh_url() {
    if [ "$1" == sqlite ]; then
        printf 'sqlite:%s/%s.db\n' "$WORK" "$2"
    else
        psql -XAtq "$PG_BASE" -c "CREATE DATABASE bench_$2" >/dev/null
        printf '%s\n' "${PG_BASE/\/keyart_test/\/bench_$2}"
    fi
}

# run BACKEND WORKERS: prints the seconds the workers took to drain TITLES titles.
run() {
    local backend=$1 n=$2 url i pids=() t0 t1
    url=$(fresh_url "$backend" "${backend}_$n")
    for ((i = 0; i < TITLES; i++)); do
        "$KEYART" enqueue "$SHARED/media/${CLIPS[i % 3]}" --title-id "t$i" --db "$url" >/dev/null
    done
    t0=$(date +%s.%N)
    for ((i = 0; i < n; i++)); do
        "$KEYART" worker --db "$url" --artwork "$WORK/art-$backend-$n" --drain --poll 0.2 -q &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; done
    t1=$(date +%s.%N)
    local done
    done=$("$KEYART" jobs --json --db "$url" | jq '[.[] | select(.state == "done")] | length')
    [ "$done" -eq "$TITLES" ] || log "$backend, $n workers: only $done of $TITLES jobs done"
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

printf '%-11s %8s %12s %14s\n' backend workers seconds titles/min
for backend in "${BACKENDS[@]}"; do
    if [ "$backend" == pg ]; then
        if ! env_out=$("$ROOT/scripts/pg-test-cluster.sh" start 2>/dev/null); then
            log "no PostgreSQL cluster could be started: skipping PostgreSQL"
            continue
        fi
        eval "$env_out"
        PG_DIR=$KEYART_TEST_PG_DIR
        PG_BASE=$KEYART_TEST_PG_URL
    fi
    one=""
    for n in 1 2; do
        s=$(run "$backend" "$n")
        tpm=$(awk -v n="$TITLES" -v s="$s" 'BEGIN { printf "%.2f", n * 60 / s }')
        printf '%-11s %8d %12.1f %14.1f\n' "$backend" "$n" "$s" "$tpm"
        if [ "$n" -eq 1 ]; then one=$s; else
            printf '%-11s %8s %12s %14s\n' "$backend" "" "" "$(awk -v a="$one" -v b="$s" 'BEGIN { printf "x%.2f with 2", a / b }')"
        fi
    done
done
log "$TITLES titles of 10 s each; $(nproc) cores; each worker decodes with one thread per core"
