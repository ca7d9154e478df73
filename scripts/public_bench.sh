#!/usr/bin/env bash
# The public face under load on loopback: one verdict page, the index and the Atom feed, with
# wrk, on a database of 100,000 approved verdicts (scripts/seed_public_bench.sql), first with
# the per-address limit off and then with it on (a PostgreSQL upsert per request).
#   scripts/public_bench.sh [BIN=target/release/claimdesk] [SECONDS=15] [CONNECTIONS=32]
# PUBLIC_BENCH_DB=name keeps the database under that name (seeded once, reused by later runs).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/claimdesk}
secs=${2:-15}
conns=${3:-32}
db=${PUBLIC_BENCH_DB:-claimdesk_public_$$}
url=postgres://localhost/$db
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
cleanup() {
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  [ -z "${PUBLIC_BENCH_DB:-}" ] &&
    psql -q -h localhost -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  true
}
trap cleanup EXIT
if ! psql -q -h localhost -d "$db" -c 'select 1' >/dev/null 2>&1; then
  psql -q -h localhost -d postgres -c "CREATE DATABASE $db" >/dev/null
  DATABASE_URL=$url "$bin" migrate >/dev/null
  psql -q -d "$url" -f scripts/seed_public_bench.sql >/dev/null
fi
serve() {
  DATABASE_URL=$url RUST_LOG=warn "$bin" serve --bind "127.0.0.1:$port" --public-rate-limit "$1" >/dev/null 2>&1 &
  server=$!
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.2; done
}
for limit in 0 100000000; do
  serve "$limit"
  page=$(curl -s -o /dev/null -w '%{redirect_url}' "http://127.0.0.1:$port/checks/50000")
  for path in "${page#http://127.0.0.1:$port}" /checks /checks/feed.atom; do
    echo "== limit=$limit $path"
    wrk -t2 -c"$conns" -d"${secs}s" --latency "http://127.0.0.1:$port$path" | grep -E 'Requests/sec|50%|99%|Non-2xx'
  done
  kill "$server"; wait "$server" 2>/dev/null || true; server=
done
