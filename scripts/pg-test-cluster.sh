#!/usr/bin/env bash
# pg-test-cluster.sh: a throwaway PostgreSQL cluster for the tests, in a temporary
# folder, reachable only through a unix socket inside that folder (so no port can
# collide with anything). Uses Debian's postgresql package (initdb, pg_ctl).
#
#   eval "$(scripts/pg-test-cluster.sh start)"   # exports KEYART_TEST_PG_URL and
#                                                 # KEYART_TEST_PG_DIR
#   scripts/pg-test-cluster.sh stop "$KEYART_TEST_PG_DIR"
#
# As root the server runs as the `postgres` user (initdb refuses root), and the
# folder is owned by it. The cluster trusts local connections: tests only.
set -euo pipefail

log() { printf 'pg-test-cluster: %s\n' "$*" >&2; }

bindir() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
    if [ -z "$d" ] || [ ! -x "$d/initdb" ]; then
        log "PostgreSQL server binaries not found (install the postgresql package)"
        return 1
    fi
    printf '%s\n' "$d"
}

# as_pg CMD...: runs CMD as the cluster's owner.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start() {
    local bin dir
    bin=$(bindir)
    dir=$(mktemp -d "${TMPDIR:-/tmp}/keyart-pg.XXXXXX")
    chmod 755 "$dir"
    if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir"; fi
    if ! as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C \
            --no-sync >"$dir/initdb.log" 2>&1; then
        log "initdb failed:"; tail -n 20 "$dir/initdb.log" >&2; rm -rf "$dir"; return 1
    fi
    if ! as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-c listen_addresses='' -k $dir -c fsync=off -c synchronous_commit=off -c max_connections=60" \
            start >/dev/null; then
        log "the server did not start:"; tail -n 20 "$dir/server.log" >&2; rm -rf "$dir"
        return 1
    fi
    if ! as_pg "$bin/createdb" -h "$dir" -U postgres keyart_test; then
        as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$dir"; return 1
    fi
    log "PostgreSQL running in $dir"
    printf 'export KEYART_TEST_PG_URL=%q\n' "postgresql:///keyart_test?host=$dir&user=postgres"
    printf 'export KEYART_TEST_PG_DIR=%q\n' "$dir"
}

stop() {
    local dir=${1:?usage: pg-test-cluster.sh stop DIR} bin
    case "$dir" in */keyart-pg.*) ;; *) log "refusing to remove $dir"; return 1 ;; esac
    bin=$(bindir) || true
    if [ -n "$bin" ] && [ -f "$dir/data/postmaster.pid" ]; then
        as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf -- "$dir"
    log "stopped and removed $dir"
}

case "${1:-}" in
    start) start ;;
    stop) stop "${2:-}" ;;
    *) echo "usage: $0 start | stop DIR" >&2; exit 1 ;;
esac
