#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on 127.0.0.1 for tests: start | stop | url.
# The fault suite (loadtests/faults) also uses halt (stop at once, as in a crash: no checkpoint,
# crash recovery at the next start) and resume (start the existing cluster again, keeping its data).
# Uses Debian's postgresql package (installed by .ci/run or by hand: apt-get install postgresql).
set -euo pipefail

PG_PORT="${PG_PORT:-55432}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_DIR="${PG_DIR:-$REPO_ROOT/var/test/postgres}"
PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"

PG_OPTIONS="-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=300"

die() { echo "postgres.sh: $*" >&2; exit 1; }
[ -x "$PG_BIN/initdb" ] || die "PostgreSQL server not found (apt-get install postgresql)"

# PostgreSQL refuses to run as root; run it as the postgres user when we are root.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    if [ -f "$PG_DIR/data/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; then
      echo "postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres"; exit 0
    fi
    rm -rf "$PG_DIR"; mkdir -p "$PG_DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
    as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres --no-sync >/dev/null
    # Durability settings stay at their defaults: tests must see real commit behaviour.
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
      -o "$PG_OPTIONS" start >/dev/null
    echo "postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres"
    ;;
  stop)
    if [ -d "$PG_DIR/data" ]; then
      as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    ;;
  halt)
    [ -d "$PG_DIR/data" ] || die "no cluster in $PG_DIR"
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null
    ;;
  resume)
    [ -d "$PG_DIR/data" ] || die "no cluster in $PG_DIR"
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 120 \
      -o "$PG_OPTIONS" start >/dev/null
    ;;
  url) echo "postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres" ;;
  *) die "usage: $0 start|stop|halt|resume|url" ;;
esac
