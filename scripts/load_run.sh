#!/usr/bin/env bash
# Load run against loopback: a throwaway database with 100,000 claims, one release claimdesk
# process, and wrk (Debian package `wrk`) on the queue page, the claims API and /healthz.
# Bounded: each run lasts DURATION seconds; everything is cleaned up at the end.
#   scripts/load_run.sh [DURATION=15] [CONNECTIONS=16]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-15}
connections=${2:-16}
db=claimdesk_load_$$
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
url=postgres://localhost/$db
bin=target/release/claimdesk
cargo build --release -q
cleanup() {
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  psql -q -h localhost -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
}
trap cleanup EXIT
psql -q -h localhost -d postgres -c "CREATE DATABASE $db" >/dev/null
DATABASE_URL=$url "$bin" migrate 2>/dev/null
psql -q -h localhost -d "$db" >/dev/null <<'SQL'
INSERT INTO articles (title, body, content_hash)
  SELECT 'Article ' || g, 'Body ' || g, sha256(g::text::bytea) FROM generate_series(1, 1000) g;
INSERT INTO claims (article_id, text, span_start, span_end, category, score, state, entities)
  SELECT 1 + (g % 1000), 'Claim ' || g || ' says the ministry delivered ' || (g % 97) || ' systems in ' || (1990 + g % 35),
         0, 40, (ARRAY['arms','finance','energy','military','diplomacy','politics','economy','other'])[1 + g % 8]::claim_category,
         (g * 7919 % 10000) / 10000.0,
         (ARRAY['extracted','extracted','extracted','in_review','verified','disputed','unverifiable','approved','dismissed'])[1 + g % 9]::review_state, '[]'
  FROM generate_series(1, 100000) g;
ANALYZE;
SQL
export DATABASE_URL=$url CLAIMDESK_PASSWORD='load test password 1'
"$bin" user create --username load --role reviewer >/dev/null 2>&1
token=$("$bin" token create --user load 2>/dev/null | tail -1)
RUST_LOG=warn "$bin" serve --bind "127.0.0.1:$port" >/dev/null 2>&1 & server=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
# A session cookie through the real login form.
jar=$(mktemp)
csrf=$(curl -s -c "$jar" "http://127.0.0.1:$port/login" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"//')
curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf_token=$csrf" --data-urlencode username=load --data-urlencode "password=$CLAIMDESK_PASSWORD" "http://127.0.0.1:$port/login"
cookie=$(awk '$6 == "claimdesk_session" {print $6 "=" $7}' "$jar"); rm -f "$jar"
for target in "/healthz" "/?state=extracted" "/" "/api/v1/claims?limit=50"; do
  echo "== GET $target (${duration}s, $connections connections, 2 threads)"
  wrk -t2 -c"$connections" -d"${duration}s" --latency -H "Cookie: $cookie" -H "Authorization: Bearer $token" "http://127.0.0.1:$port$target" | sed -n '1,/Requests\/sec/p' | grep -E 'Latency|50%|90%|99%|Requests/sec|requests in|Non-2xx'
done
