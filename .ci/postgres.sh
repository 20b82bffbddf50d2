# Sourced by .ci/run (and usable by hand): install PostgreSQL from Debian if missing (15 on
# bookworm; the newest installed major is used when 15 is not there), start a throwaway
# cluster on 127.0.0.1:55432 and export PAPERBOY_TEST_POSTGRES_URL. Idempotent: a running
# cluster is reused. Tests create (and drop) one database per test through that URL.
_postgres_bin() {
    if [ -x /usr/lib/postgresql/15/bin/postgres ]; then
        echo /usr/lib/postgresql/15/bin
    else
        ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
    fi
}

start_postgres() {
    local bin
    bin=$(_postgres_bin)
    if [ -z "$bin" ] || [ ! -x "$bin/postgres" ]; then
        apt-get update -qq >/dev/null &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || return 1
        bin=$(_postgres_bin)
        [ -n "$bin" ] || return 1
    fi
    local data=/tmp/paperboy-pg
    local port=${PAPERBOY_PG_PORT:-55432}
    if ! runuser -u postgres -- "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        rm -rf "$data" && mkdir -p "$data" && chown postgres: "$data" || return 1
        runuser -u postgres -- "$bin/initdb" -D "$data" -A trust -U postgres >/dev/null || return 1
        runuser -u postgres -- "$bin/pg_ctl" -D "$data" -l "$data/log" -w \
            -o "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" \
            start >/dev/null || return 1
        "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE paperboy_test" >/dev/null || return 1
    fi
    export PAPERBOY_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$port/paperboy_test"
    echo "ci: PostgreSQL running at 127.0.0.1:$port"
}
