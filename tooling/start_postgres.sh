#!/usr/bin/env bash
# Start (or reuse) a local PostgreSQL 15 cluster for dagseal and print its SQLAlchemy URL.
#
# Idempotent: installs Debian's postgresql when missing, initialises the cluster once under
# $DAGSEAL_PG_DIR, starts it on 127.0.0.1:$DAGSEAL_PG_PORT if it is not running, and creates the
# dagseal role and database when absent. The URL is the only line on stdout; progress goes to stderr.
set -euo pipefail

PG_BIN=/usr/lib/postgresql/15/bin
PG_DIR="${DAGSEAL_PG_DIR:-/var/tmp/dagseal-pg}"
PG_PORT="${DAGSEAL_PG_PORT:-54329}"
PG_USER=dagseal
PG_DB=dagseal
PG_PASSWORD="${DAGSEAL_PG_PASSWORD:-dagseal}"
DATA="$PG_DIR/data"
LOG="$PG_DIR/postgres.log"

say() { echo "start_postgres: $*" >&2; }

as_postgres() {
    if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

psql_admin() {
    as_postgres "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"
}

if [ ! -x "$PG_BIN/initdb" ]; then
    say "installing Debian postgresql"
    DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2
fi

mkdir -p "$PG_DIR"
chown postgres:postgres "$PG_DIR"
chmod 700 "$PG_DIR"

if [ ! -f "$DATA/PG_VERSION" ]; then
    say "initialising cluster in $DATA"
    as_postgres "$PG_BIN/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 >&2
    # The admin role connects over TCP from this machine only; dagseal uses its password.
    {
        echo "host all postgres 127.0.0.1/32 trust"
        cat "$DATA/pg_hba.conf"
    } > "$DATA/pg_hba.conf.new"
    mv "$DATA/pg_hba.conf.new" "$DATA/pg_hba.conf"
    chown postgres:postgres "$DATA/pg_hba.conf"
fi

if as_postgres "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    say "already running"
else
    say "starting on 127.0.0.1:$PG_PORT (log: $LOG)"
    as_postgres "$PG_BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start \
        -o "-h 127.0.0.1 -p $PG_PORT -k $PG_DIR -c max_connections=200" >&2
fi

for _ in $(seq 1 60); do
    if as_postgres "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then break; fi
    sleep 0.5
done
as_postgres "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" || { say "server not ready, see $LOG"; exit 1; }

if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'")" != 1 ]; then
    say "creating role $PG_USER"
    # CREATEDB lets the test suite create one throwaway database per test module.
    psql_admin -c "CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD'"
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != 1 ]; then
    say "creating database $PG_DB"
    psql_admin -c "CREATE DATABASE $PG_DB OWNER $PG_USER"
fi

echo "postgresql+psycopg://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB"
