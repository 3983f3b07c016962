#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for Warden's test suite and print its URL.
#
#   eval "$(scripts/postgres.sh)"      # exports WARDEN_TEST_POSTGRES_URL
#   scripts/postgres.sh stop           # stops the server and deletes its data
#
# Installs PostgreSQL from Debian's packages when it is missing (needs root),
# runs the server as the `postgres` user on 127.0.0.1 with a data directory
# under $WARDEN_PG_DIR (default /tmp/warden-pg), and creates the database.
# Only the export line goes to stdout; progress goes to stderr.
set -euo pipefail

PGDIR="${WARDEN_PG_DIR:-/tmp/warden-pg}"
PORT="${WARDEN_PG_PORT:-54329}"
DB="${WARDEN_PG_DB:-warden_test}"

log() { echo "postgres.sh: $*" >&2; }

as_postgres() {
    if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

pg_bin() {
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
    [ -n "$dir" ] && echo "$dir"
}

if [ "${1:-}" = stop ]; then
    BIN="$(pg_bin)"
    if [ -n "$BIN" ] && [ -f "$PGDIR/data/postmaster.pid" ]; then
        as_postgres "$BIN/pg_ctl" -D "$PGDIR/data" -m fast stop >&2 || true
    fi
    rm -rf "$PGDIR"
    exit 0
fi

if [ -z "$(pg_bin)" ]; then
    log "installing PostgreSQL from Debian packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2
    apt-get install -y postgresql >&2
fi
BIN="$(pg_bin)"

mkdir -p "$PGDIR"
chown postgres:postgres "$PGDIR"
if [ ! -f "$PGDIR/data/PG_VERSION" ]; then
    log "initialising a throwaway cluster in $PGDIR/data"
    as_postgres "$BIN/initdb" -D "$PGDIR/data" -U postgres --auth=trust -E UTF8 >&2
fi
if ! as_postgres "$BIN/pg_ctl" -D "$PGDIR/data" status >/dev/null 2>&1; then
    log "starting the server on 127.0.0.1:$PORT"
    as_postgres "$BIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k $PGDIR -c fsync=off -c synchronous_commit=off" \
        start >&2
fi
if ! as_postgres "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
    as_postgres "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB" >&2
fi
echo "export WARDEN_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:$PORT/$DB"
