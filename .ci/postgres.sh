# A throwaway PostgreSQL server for the tests, owned by the run: `start_postgres` installs
# Debian's `postgresql` package when no server is found (apt-get, as root or with sudo -n),
# creates a cluster in a temporary folder (as the `postgres` user when run as root: the server
# refuses to run as root), starts it on a free loopback port and exports its URL as
# POSTMORTEM_TRACKER_TEST_DATABASE_URL; `stop_postgres` stops it and removes the folder.
# The server also speaks TLS with a certificate for `localhost` signed by a throwaway CA made
# with openssl, whose file it exports as POSTMORTEM_TRACKER_TEST_DATABASE_CA (without openssl:
# no TLS, and the TLS tests skip, saying so).
# Where it cannot start, it says why and exports nothing: the PostgreSQL tests then skip,
# saying so. Sourced by .ci/run; by hand:
#   bash -c 'source .ci/postgres.sh; start_postgres; trap stop_postgres EXIT; cargo test store::'

PG_DIR=""
PG_BIN=""
PG_AS=()

postgres_warning() {
    echo "::warning::$1; the PostgreSQL tests will skip"
}

# The folder of the newest installed server's programs, or nothing.
find_postgres_bin() {
    local dir
    if command -v pg_config >/dev/null && [[ -x "$(pg_config --bindir)/initdb" ]]; then
        pg_config --bindir
        return
    fi
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
            echo "$dir"
            return
        fi
    done
    if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
        dirname "$(command -v initdb)"
    fi
}

install_postgres() {
    if ! command -v apt-get >/dev/null; then
        postgres_warning "no PostgreSQL server, and no apt-get to install one"
        return 1
    fi
    local sudo=()
    if [[ "$(id -u)" != 0 ]]; then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
            sudo=(sudo -n)
        else
            postgres_warning "no PostgreSQL server, and installing one needs root"
            return 1
        fi
    fi
    echo "postgres: installing Debian's postgresql package"
    if ! { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends postgresql; } >/dev/null; then
        postgres_warning "installing postgresql failed"
        return 1
    fi
}

start_postgres() {
    if [[ -n "${POSTMORTEM_TRACKER_TEST_DATABASE_URL:-}" ]]; then
        echo "postgres: using the caller's server"
        return 0
    fi
    PG_BIN="$(find_postgres_bin)"
    if [[ -z "$PG_BIN" ]]; then
        install_postgres || return 0
        PG_BIN="$(find_postgres_bin)"
        if [[ -z "$PG_BIN" ]]; then
            postgres_warning "postgresql installed but no initdb found"
            return 0
        fi
    fi
    PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/pmt-postgres.XXXXXX")"
    PG_AS=()
    if [[ "$(id -u)" == 0 ]]; then
        if ! id postgres >/dev/null 2>&1; then
            postgres_warning "running as root and there is no postgres user to run the server as"
            return 0
        fi
        chown postgres "$PG_DIR"
        chmod 700 "$PG_DIR"
        if command -v runuser >/dev/null; then
            PG_AS=(runuser -u postgres --)
        else
            PG_AS=(su postgres -s /bin/sh -c '"$0" "$@"')
        fi
    fi
    if ! "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust \
        -E UTF8 --no-sync >"$PG_DIR/initdb.log" 2>&1; then
        postgres_warning "initdb failed: $(tail -n 3 "$PG_DIR/initdb.log" | tr '\n' ' ')"
        stop_postgres
        return 0
    fi
    # A free port is not known in advance: try a few. fsync off: the cluster dies with the run.
    # Each store keeps up to 8 connections and the tests open many stores at once.
    local port try tls
    tls="$(make_tls)" || tls=""
    for try in 1 2 3 4 5; do
        port=$((20000 + RANDOM % 20000))
        if "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
            -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=600 $tls" \
            start >/dev/null 2>&1; then
            export POSTMORTEM_TRACKER_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
            if [[ -n "$tls" ]]; then
                export POSTMORTEM_TRACKER_TEST_DATABASE_CA="$PG_DIR/tls/ca.crt"
            fi
            echo "postgres: $("$PG_BIN/postgres" --version) on 127.0.0.1:$port (cluster in $PG_DIR)"
            return 0
        fi
    done
    postgres_warning "the server did not start: $(tail -n 3 "$PG_DIR/server.log" 2>/dev/null | tr '\n' ' ')"
    stop_postgres
}

# A CA and a server certificate for `localhost` (not for 127.0.0.1: the tests tell a checked
# name from an unchecked one) in "$PG_DIR/tls"; the server's settings for them on stdout.
make_tls() {
    local d="$PG_DIR/tls"
    if ! command -v openssl >/dev/null; then
        echo "::warning::no openssl: the PostgreSQL server speaks no TLS; the TLS tests will skip" >&2
        return 1
    fi
    mkdir -p "$d"
    if ! {
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=postmortem-tracker test CA" \
            -keyout "$d/ca.key" -out "$d/ca.crt" &&
            openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
                -keyout "$d/server.key" -out "$d/server.csr" &&
            printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n' >"$d/server.ext" &&
            openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
                -CAcreateserial -days 2 -extfile "$d/server.ext" -out "$d/server.crt"
    } >"$PG_DIR/tls.log" 2>&1; then
        echo "::warning::making the test certificates failed: $(tail -n 2 "$PG_DIR/tls.log" | tr '\n' ' '); the TLS tests will skip" >&2
        return 1
    fi
    chmod 600 "$d/server.key"
    if [[ ${#PG_AS[@]} -gt 0 ]]; then
        chown -R postgres "$d"
    fi
    echo "-c ssl=on -c ssl_cert_file=$d/server.crt -c ssl_key_file=$d/server.key"
}

stop_postgres() {
    if [[ -z "$PG_DIR" ]]; then
        return 0
    fi
    if [[ -f "$PG_DIR/data/postmaster.pid" ]]; then
        "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$PG_DIR"
    PG_DIR=""
}
