# Shared by the HTTP benches (source it from scripts/): a throwaway PostgreSQL database, the
# release server on a free loopback port, and the cleanup of both on exit.
#   bench_db_setup NAME_PREFIX KEPT_NAME   sets db, url and port; KEPT_NAME (may be empty)
#                                          names a database to keep after the run
#   bench_db_create                        creates the database (bench_db_exists tells first)
#   bench_db_migrate BIN                   runs the migrations
#   bench_serve BIN                        starts the server and waits until it answers
#   bench_token BIN USERNAME ROLE          creates the user and prints a new API token of theirs
#   bench_free_port                        prints a free loopback port
bench_free_port() {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

bench_token() {
  DATABASE_URL=$url CLAIMDESK_PASSWORD="$2 bench passphrase 1" \
    "$1" user create --username "$2" --role "$3" >/dev/null 2>&1
  DATABASE_URL=$url "$1" token create --user "$2" 2>/dev/null | tail -1
}

bench_db_setup() {
  kept=$2
  db=${kept:-$1_$$}
  url=postgres://localhost/$db
  port=$(bench_free_port)
  server=
  trap bench_db_cleanup EXIT
}

bench_db_cleanup() {
  if [ -n "${server:-}" ]; then
    kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  fi
  if [ -z "$kept" ]; then
    psql -q -h localhost -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  fi
  return 0
}

bench_db_exists() {
  psql -h localhost -d "$db" -tAc "SELECT 1 FROM claims LIMIT 1" 2>/dev/null | grep -q 1
}

bench_db_create() {
  psql -q -h localhost -d postgres -c "CREATE DATABASE $db" >/dev/null
}

bench_db_migrate() {
  DATABASE_URL=$url "$1" migrate >/dev/null 2>&1
}

bench_serve() {
  DATABASE_URL=$url RUST_LOG=warn "$1" serve --bind 127.0.0.1:$port 2>/dev/null &
  server=$!
  for _ in $(seq 300); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return 0
    sleep 0.1
  done
  echo "the server did not answer on port $port" >&2
  return 1
}
