# A throwaway PostgreSQL cluster on loopback. Source common.sh first, then
# call `pg_start [-c setting=value …]`; it sets PG_URL (a superuser URL on
# the `postgres` database) and PG_PORT. `pg_stop` removes the cluster; call
# it from the script's EXIT trap too.

pg_bindir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

pg_start() {
  [ -n "$(pg_bindir)" ] && [ -x "$(pg_bindir)/initdb" ] || apt_install postgresql
  PG_BIN=$(pg_bindir)
  [ -x "$PG_BIN/initdb" ] || die "PostgreSQL's initdb was not found under /usr/lib/postgresql/*/bin"

  PG_DIR=$(mktemp -d /tmp/kefu-pg.XXXXXX)
  run_pg() { "$@"; }
  if [ "$(id -u)" = 0 ]; then
    # PostgreSQL refuses to run as root; its Debian package brings the postgres user.
    id postgres >/dev/null 2>&1 || die "the postgres system user is missing (reinstall the postgresql package)"
    chown postgres "$PG_DIR"
    run_pg() { runuser -u postgres -- "$@"; }
  fi

  PG_PORT=$(free_port)
  say "starting PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
  run_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null \
    || die "initdb failed"
  # A throwaway cluster need not survive a crash: no fsync.
  run_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off $*" \
    start >/dev/null || { cat "$PG_DIR/server.log" >&2; die "PostgreSQL did not start"; }
  PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] || return 0
  run_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  PG_DIR=
}

# Creates an empty database NAME in the cluster and prints its URL.
pg_create_database() {
  "$PG_BIN/psql" "$PG_URL" -qc "CREATE DATABASE $1" >/dev/null || die "cannot create the database $1"
  echo "${PG_URL%/*}/$1"
}
