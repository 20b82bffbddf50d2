# Sourced by .ci/run (and usable by hand): install PostgreSQL 15 from Debian if missing,
# start a throwaway cluster on 127.0.0.1:55432 and export PAPERBOY_TEST_POSTGRES_URL.
start_postgres() {
    local bin=/usr/lib/postgresql/15/bin
    if [ ! -x "$bin/postgres" ]; then
        apt-get update -qq >/dev/null &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || return 1
    fi
    local data=/tmp/paperboy-pg
    local port=${PAPERBOY_PG_PORT:-55432}
    if ! runuser -u postgres -- "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        rm -rf "$data" && mkdir -p "$data" && chown postgres: "$data" || return 1
        runuser -u postgres -- "$bin/initdb" -D "$data" -A trust -U postgres >/dev/null || return 1
        runuser -u postgres -- "$bin/pg_ctl" -D "$data" -l "$data/log" -w \
            -o "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null || return 1
        "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE paperboy_test" >/dev/null || return 1
    fi
    export PAPERBOY_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$port/paperboy_test"
    echo "ci: PostgreSQL running at 127.0.0.1:$port"
}
