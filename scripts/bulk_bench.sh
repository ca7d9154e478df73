#!/usr/bin/env bash
# The 10,000-claim bulk action over HTTP: a throwaway database filled like the queue bench's
# (100,000 claims over 1,000 articles, no audit events yet, then ANALYZE), the release server
# on loopback, and ITERS bulk actions on the first 10,000 waiting claims, take and release
# alternately, each timed from request to response.
#   scripts/bulk_bench.sh [BIN=target/release/claimdesk] [ITERS=6]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/claimdesk}
iters=${2:-6}
source scripts/bench_db.sh
bench_db_setup claimdesk_bulk ""
bench_db_create
bench_db_migrate "$bin"
psql -q -h localhost -d "$db" -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
INSERT INTO users (username, password_hash, role) VALUES ('bench', 'x', 'reviewer');
INSERT INTO articles (title, body, content_hash)
  SELECT 'Article ' || g, 'Body ' || g, sha256(g::text::bytea) FROM generate_series(1, 1000) g;
INSERT INTO claims (article_id, text, span_start, span_end, category, score, state, entities)
  SELECT 1 + (g % 1000), 'Claim ' || g || ' says the ministry delivered ' || (g % 97) || ' systems',
         0, 40, (ARRAY['arms','finance','energy','military','diplomacy','politics','economy','other'])[1 + g % 8]::claim_category,
         (g * 7919 % 10000) / 10000.0,
         (ARRAY['extracted','extracted','extracted','in_review','verified','disputed','unverifiable','approved','dismissed'])[1 + g % 9]::review_state,
         '[]'
  FROM generate_series(1, 100000) g;
ANALYZE;
SQL
token=$(DATABASE_URL=$url "$bin" token create --user bench 2>/dev/null | tail -1)
bench_serve "$bin"
ids=$(psql -h localhost -d "$db" -tAc \
  "SELECT string_agg(id::text, ',' ORDER BY id) FROM (SELECT id FROM claims WHERE state = 'extracted' ORDER BY id LIMIT 10000) c")
body=$(mktemp)
trap 'rm -f "$body"; bench_db_cleanup' EXIT
echo "# load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
for i in $(seq 0 $((iters - 1))); do
  if [ $((i % 2)) = 0 ]; then action=take; else action=release; fi
  # Each claim moved once per action so far: its version is i.
  python3 -c 'import json,sys; print(json.dumps({"action": sys.argv[1], "claims": [{"id": int(x), "version": int(sys.argv[3])} for x in sys.argv[2].split(",")]}))' \
    "$action" "$ids" "$i" > "$body"
  start=$(date +%s.%N)
  ok=$(curl -sf -H "authorization: Bearer $token" -H 'content-type: application/json' --data "@$body" \
         "http://127.0.0.1:$port/api/v1/claims/bulk" | python3 -c 'import json,sys; print(sum(r["ok"] for r in json.load(sys.stdin)["results"]))')
  echo "$action: $(echo "$(date +%s.%N) - $start" | bc) s, $ok of 10000 moved"
done
