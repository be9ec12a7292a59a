#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server on loopback: a fresh cluster in a temp
# dir (initdb, trust authentication on 127.0.0.1 only), a free port, stopped and removed when
# the command ends. The command finds the server in PLINTO_TEST_POSTGRES (a base URL; each
# test makes its own schema in it). The server also accepts TLS, with a certificate for
# 127.0.0.1 from a throwaway CA whose certificate is in PLINTO_TEST_POSTGRES_CA. When
# PLINTO_TEST_POSTGRES is already set, the command runs against that server and nothing is
# started. A server that cannot start is an error.
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

# A CA and a server certificate signed by it (a self-signed server certificate is not a CA).
(
  cd "$dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=Plinto test CA" -keyout ca.key -out ca.crt
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
    -keyout server.key -out server.csr
  printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >server.ext
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
    -extfile server.ext -out server.crt
  chmod 600 server.key
  [ -z "${as_pg[*]}" ] || chown postgres server.key server.crt
) >"$dir/tls.log" 2>&1 || { cat "$dir/tls.log" >&2; exit 1; }

"${as_pg[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; exit 1; }
# Sized for the test suites: many short connections from parallel tests.
"${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
  -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=300 -c shared_buffers=64MB -c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key" start >/dev/null ||
  { cat "$dir/server.log" >&2; exit 1; }

export PLINTO_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres"
export PLINTO_TEST_POSTGRES_CA="$dir/ca.crt"
"$@"
