#!/usr/bin/env bash
# Two claim-dense articles of SENTENCES sentences (scripts/big_article.py, seeds 1 and 2: the
# same templates with other figures), imported one after the other through the API of the
# release server on a throwaway database. Prints, for each, the import request's time and
# claims, then the time its background job took to embed the claims, link duplicates in the
# other article and match them (no fact-checks are stored, so matching is skipped), and the
# duplicate links made. The second import is the figure of #14: similar claims are stored.
#   scripts/big_article_bench.sh [BIN=target/release/claimdesk] [SENTENCES=4700]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/claimdesk}
sentences=${2:-4700}
. scripts/bench_db.sh
bench_db_setup claimdesk_big "${BIG_BENCH_KEEP:-}"
bench_db_create
bench_db_migrate "$bin"
token=$(bench_token "$bin" bench_ed editor)
CLAIMDESK_MAX_ARTICLE_BYTES=4194304 bench_serve "$bin"
api=http://127.0.0.1:$port/api/v1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; bench_db_cleanup' EXIT

job_waiting() {
  psql -h localhost -d "$db" -tAc \
    "SELECT count(*) FROM jobs WHERE kind = 'match_claims' AND state IN ('queued', 'running')"
}

echo "# $sentences sentences per article, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for seed in 1 2; do
  python3 scripts/big_article.py "$seed" "$sentences" > "$tmp/body.txt"
  python3 -c 'import json,sys; print(json.dumps({"title": sys.argv[1], "body": open(sys.argv[2]).read()}))' \
    "Dense $seed" "$tmp/body.txt" > "$tmp/body.json"
  start=$(date +%s.%N)
  curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    --data-binary @"$tmp/body.json" "$api/articles" > "$tmp/article.json"
  imported=$(date +%s.%N)
  claims=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["claims"]))' "$tmp/article.json")
  while [ "$(job_waiting)" != 0 ]; do sleep 0.2; done
  settled=$(date +%s.%N)
  links=$(psql -h localhost -d "$db" -tAc \
    "SELECT count(*) FROM claims c JOIN claims d ON d.id = c.duplicate_of WHERE d.article_id <> c.article_id")
  printf 'article %s: %s bytes, %s claims; import %.2f s; job %.1f s; %s links across articles in all\n' \
    "$seed" "$(wc -c < "$tmp/body.txt")" "$claims" \
    "$(echo "$imported - $start" | bc)" "$(echo "$settled - $imported" | bc)" "$links"
done
psql -h localhost -d "$db" -tAc "SELECT result FROM jobs WHERE kind = 'match_claims' ORDER BY id"
