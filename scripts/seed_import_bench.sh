#!/usr/bin/env bash
# The seed article imported through the API of the release server (with its job workers) on a
# throwaway database, after one small warm-up article that loads the model: the import
# request's time, and the time until its background job (claims embedded, duplicates looked up,
# matched when fact-checks exist) has ended, both from the request's start.
#   scripts/seed_import_bench.sh [BIN=target/release/claimdesk]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/claimdesk}
. scripts/bench_db.sh
bench_db_setup claimdesk_seed ""
bench_db_create
bench_db_migrate "$bin"
token=$(bench_token "$bin" bench_ed editor)
bench_serve "$bin"
api=http://127.0.0.1:$port/api/v1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; bench_db_cleanup' EXIT
as_json() { python3 -c 'import json,sys; print(json.dumps({"title": sys.argv[1], "body": sys.stdin.read()}))' "$1"; }
post() { curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data-binary @"$1" "$api/articles"; }
settle() {
  while [ "$(psql -h localhost -d "$db" -tAc "SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')")" != 0 ]; do
    sleep 0.02
  done
}
python3 scripts/big_article.py 7 30 | as_json Warm > "$tmp/warm.json"
as_json Seed < ../shared/seeds/000_e58c59db4a0c293f.txt > "$tmp/seed.json"
post "$tmp/warm.json" >/dev/null
settle
start=$(date +%s.%N)
post "$tmp/seed.json" > "$tmp/out.json"
imported=$(date +%s.%N)
settle
settled=$(date +%s.%N)
claims=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["claims"]))' "$tmp/out.json")
job=$(psql -h localhost -d "$db" -tAc "SELECT extract(epoch FROM finished_at - started_at) FROM jobs ORDER BY id DESC LIMIT 1")
printf 'seed: %s claims; import %.3f s; its job ended %.3f s after the request (the job itself %.3f s)\n' \
  "$claims" "$(echo "$imported - $start" | bc)" "$(echo "$settled - $start" | bc)" "$job"
