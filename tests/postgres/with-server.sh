#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server on loopback: a fresh cluster in a temp
# dir (initdb, trust authentication on 127.0.0.1 only), a free port, stopped and removed when
# the command ends. The command finds the server in PLINTO_TEST_POSTGRES (a base URL; each
# test makes its own schema in it). When PLINTO_TEST_POSTGRES is already set, the command runs
# against that server and nothing is started. A server that cannot start is an error.
set -euo pipefail

if [ -n "${PLINTO_TEST_POSTGRES:-}" ]; then
  exec "$@"
fi

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bindir" ] || [ ! -x "$bindir/postgres" ]; then
  echo "with-server: no PostgreSQL server binaries (Debian package postgresql)" >&2
  exit 1
fi

dir=$(mktemp -d /tmp/plinto-pg.XXXXXX)
chmod 755 "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# initdb and the server refuse to run as root: they run as the postgres user.
as_pg=()
if [ "$(id -u)" = 0 ]; then
  as_pg=(runuser -u postgres --)
  chown postgres "$dir"
fi

stop() {
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

"${as_pg[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; exit 1; }
# Sized for the test suites: many short connections from parallel tests.
"${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
  -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=300 -c shared_buffers=64MB" start >/dev/null ||
  { cat "$dir/server.log" >&2; exit 1; }

export PLINTO_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres"
"$@"
