#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests (tests/inventory/test_postgres*.py), from Debian's
# `postgresql` package: a cluster initdb'd in DIR, listening on 127.0.0.1:PORT only, a role with a
# random password (scram-sha-256 over TCP, so the password path is what the tests exercise).
#   scripts/postgres-test-server.sh start DIR [PORT]   prints the URL on stdout (a free port
#                                                      unless PORT is given)
#   scripts/postgres-test-server.sh stop DIR
# Run as root, the server runs as the `postgres` user the package creates (PostgreSQL refuses
# to run as root); as another user, it runs as that user. The newest installed major is used.
set -euo pipefail

action=${1:?start|stop}
dir=${2:?directory}
port=${3:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}

# The server's own folder (the client package alone also makes a bin/ folder, without postgres).
bindir=$(ls /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sort -V | tail -n 1 || true)
bindir=${bindir%/postgres}
[ -x "$bindir/initdb" ] || bindir=
if [ -z "$bindir" ]; then
    echo "no PostgreSQL server installed (apt-get install postgresql)" >&2
    exit 1
fi

as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

case "$action" in
start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth-local=trust \
            --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" \
        start >&2 || { cat "$dir/server.log" >&2; exit 1; }
    password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    PGOPTIONS="-c client_min_messages=warning" as_owner "$bindir/psql" -h "$dir" -p "$port" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 \
        -c "DROP DATABASE IF EXISTS gouvernante" -c "DROP ROLE IF EXISTS gouvernante" \
        -c "CREATE ROLE gouvernante LOGIN CREATEDB PASSWORD '$password'" \
        -c "GRANT pg_signal_backend TO gouvernante" \
        -c "CREATE DATABASE gouvernante OWNER gouvernante" >&2
    echo "postgresql://gouvernante:$password@127.0.0.1:$port/gouvernante"
    ;;
stop)
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >&2
    ;;
*)
    echo "usage: $0 start|stop DIR [PORT]" >&2
    exit 2
    ;;
esac
