#!/usr/bin/env bash
# The write path at CLAIMS claims, over HTTP on loopback with wrk (CONNS connections, SECONDS
# per run), each run followed back to back by pgbench sending the same SQL statements as the
# server does for that request (scripts/write_bench_*.sql, prepared, same connection count):
#   take      POST /api/v1/claims/{id}/transitions {"to":"in_review","version":0}, a new claim
#             every request; the taken claims are put back between runs (not measured)
#   evidence  POST /api/v1/claims/{id}/evidence on claims no one holds
# The server runs with a pool of CONNS connections. Prints req/s, median and p99 per run.
#   scripts/write_bench.sh [CLAIMS=100000] [BIN=target/release/claimdesk] [SECONDS=10] [CONNS=8] [ROUNDS=3]
# WRITE_BENCH_LOG=1 logs every statement of one request of each kind to the PostgreSQL log
# first, which is how the .sql files were written.
set -euo pipefail
cd "$(dirname "$0")/.."
claims=${1:-100000}
bin=${2:-target/release/claimdesk}
seconds=${3:-10}
conns=${4:-8}
rounds=${5:-3}
. scripts/bench_db.sh
bench_db_setup claimdesk_write ""
bench_db_create
bench_db_migrate "$bin"
token=$(bench_token "$bin" bench_rev reviewer)
psql -q -h localhost -d "$db" -v ON_ERROR_STOP=1 >/dev/null <<SQL
INSERT INTO articles (title, body, content_hash)
  SELECT 'Article ' || g, 'Body ' || g, sha256(g::text::bytea) FROM generate_series(1, 1000) g;
INSERT INTO claims (article_id, text, span_start, span_end, category, score, state, entities)
  SELECT 1 + (g % 1000), 'Claim ' || g || ' says the ministry delivered ' || (g % 97) || ' systems',
         0, 40, (ARRAY['arms','finance','energy','military','diplomacy','politics','economy','other'])[1 + g % 8]::claim_category,
         (g::bigint * 7919 % 10000) / 10000.0, 'extracted', '[]'
  FROM generate_series(1, $claims) g;
VACUUM ANALYZE;
SQL
first=$(psql -h localhost -d "$db" -tAc "SELECT min(id) FROM claims")
user_id=$(psql -h localhost -d "$db" -tAc "SELECT id FROM users WHERE username = 'bench_rev'")
token_hash=$(psql -h localhost -d "$db" -tAc "SELECT encode(token_hash, 'hex') FROM api_tokens LIMIT 1")
export CLAIMDESK_POOL_SIZE=$conns
bench_serve "$bin"
api=http://127.0.0.1:$port/api/v1/claims
# Takes go through the first two thirds of the claims; evidence goes to the last third.
third=$(( claims / 3 ))
evidence_first=$(( first + 2 * third ))

if [ "${WRITE_BENCH_LOG:-}" = 1 ]; then
  psql -q -h localhost -d postgres -c "ALTER DATABASE $db SET log_statement = 'all'"
  kill "$server"; wait "$server" 2>/dev/null || true; bench_serve "$bin"
  curl -s -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"to":"in_review","version":0}' "$api/$first/transitions"
  curl -s -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"url":"https://example.org/e","stance":"supports"}' "$api/$evidence_first/evidence"
  psql -q -h localhost -d postgres -c "ALTER DATABASE $db RESET log_statement"
  kill "$server"; wait "$server" 2>/dev/null || true; bench_serve "$bin"
  psql -q -h localhost -d "$db" -c "UPDATE claims SET state = 'extracted', version = 0, assignee_id = NULL, assigned_at = NULL WHERE state = 'in_review'"
fi

lua=$(mktemp -d)
trap 'rm -rf "$lua"; bench_db_cleanup' EXIT
# Each wrk thread walks its own stretch of ids, so every take meets a claim at version 0.
cat >"$lua/take.lua" <<LUA
local threads, n = 0, 0
function setup(thread) thread:set("base", $first + threads * $third); threads = threads + 1 end
function init() base = tonumber(base) end
function request()
  n = n + 1
  return wrk.format("POST", "/api/v1/claims/" .. (base + n) .. "/transitions",
    {["Authorization"] = "Bearer $token", ["Content-Type"] = "application/json"},
    '{"to":"in_review","version":0}')
end
LUA
cat >"$lua/evidence.lua" <<LUA
local n = 0
function request()
  n = n + 1
  return wrk.format("POST", "/api/v1/claims/" .. ($evidence_first + n % $third) .. "/evidence",
    {["Authorization"] = "Bearer $token", ["Content-Type"] = "application/json"},
    '{"url":"https://example.org/evidence/' .. n .. '","stance":"supports"}')
end
LUA
cat >"$lua/report.lua" <<'LUA'
function done(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %.0f %.2f %.2f %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, bad))
end
LUA
cat "$lua/report.lua" >>"$lua/take.lua"
cat "$lua/report.lua" >>"$lua/evidence.lua"

put_back() {
  psql -q -h localhost -d "$db" -c "UPDATE claims SET state = 'extracted', version = 0, assignee_id = NULL, assigned_at = NULL WHERE state = 'in_review'" -c "VACUUM ANALYZE claims"
}
http_run() { # kind
  nice -n 5 wrk -t2 -c"$conns" -d"${seconds}s" -s "$lua/$1.lua" "http://127.0.0.1:$port" \
    | awk -v k="$1" '/^RESULT/ {printf "http     %-8s %6d req/s  median %6.2f ms  p99 %6.2f ms  non-2xx %d\n", k, $2, $3, $4, $5}'
}
pgbench_run() { # kind
  if [ ! -f "scripts/write_bench_$1.sql" ]; then
    echo "pgbench  $1: scripts/write_bench_$1.sql not written yet (see WRITE_BENCH_LOG above)"
    return 0
  fi
  nice -n 5 pgbench -n -h localhost -M prepared -c "$conns" -j 2 -T "$seconds" -r \
    -D first="$first" -D third="$third" -D evidence_first="$evidence_first" -D user_id="$user_id" \
    -D token_hash="$token_hash" -D conns="$conns" -D n=0 \
    -f "scripts/write_bench_$1.sql" "$db" 2>&1 \
    | awk -v k="$1" '/^tps/ {tps=$3} /latency average/ {avg=$4} /failed transactions/ {f=$5}
        END {printf "pgbench  %-8s %6d tx/s   mean   %6.2f ms  failed %s\n", k, tps, avg, f}'
}
echo "# $claims claims, $conns connections, ${seconds}s per run, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
  http_run take; put_back
  pgbench_run take; put_back
  http_run evidence
  pgbench_run evidence
done
