#!/usr/bin/env bash
# A feed of ARTICLES articles served on loopback (scripts/feed_bench.py), added as a source
# through the API of a web process that runs no workers, and imported by WORKERS
# `claimdesk worker` processes (two job workers each) on a throwaway database. Prints the time
# from adding the source to the last import job's end, the jobs by state, the articles and
# claims stored, and how often the site served each article (each must be fetched once).
#   scripts/feed_bench.sh [BIN=target/release/claimdesk] [ARTICLES=5000] [WORKERS=2]
# FEED_BENCH_TEXT=templates builds articles from six templates instead of real sentences;
# FEED_BENCH_TEXT=FILE.tsv takes sentences from another TSV (default: the CheckThat! 2024
# training sentences in ../shared/eval, Hasanain et al., CLEF-2024 CheckThat! Lab Task 1).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/claimdesk}
articles=${2:-5000}
workers=${3:-2}
. scripts/bench_db.sh
bench_db_setup claimdesk_feed ""
bench_db_create
bench_db_migrate "$bin"
token=$(bench_token "$bin" bench_ed editor)

site_port=$(bench_free_port)
text=${FEED_BENCH_TEXT:-../shared/eval/CT24_checkworthy_english_train.tsv}
if [ "$text" = templates ]; then text=; fi
python3 scripts/feed_bench.py "$site_port" "$articles" $text &
site=$!
pids=()
stop_all() {
  for p in "${pids[@]}" "$site"; do
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  bench_db_cleanup
}
trap stop_all EXIT

export CLAIMDESK_FETCH_ALLOW_LOOPBACK=true CLAIMDESK_FETCH_HOST_INTERVAL_MS=0
CLAIMDESK_JOB_WORKERS=0 bench_serve "$bin"
for w in $(seq "$workers"); do
  DATABASE_URL=$url RUST_LOG=warn CLAIMDESK_JOB_WORKERS=2 CLAIMDESK_JOB_POLL_MS=100 \
    "$bin" worker 2>/dev/null &
  pids+=($!)
done
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$site_port/robots.txt" >/dev/null && break; sleep 0.1; done

api=http://127.0.0.1:$port/api/v1
echo "# $articles articles (${text:-templates}), $workers worker processes, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s.%N)
curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d "{\"url\":\"http://127.0.0.1:$site_port/feed.xml\",\"name\":\"Bench wire\"}" "$api/sources" >/dev/null
# The imports' jobs only: each imported article also queues its claims' embedding, duplicate
# and matching job (match_claims). Those run on the same workers, interleaved with the imports
# (jobs are taken by due time), so they slow this figure, but their own end is not part of it.
counts() {
  psql -h localhost -d "$db" -tA -F ' ' -c "SELECT count(*) FILTER (WHERE state = 'queued'), \
      count(*) FILTER (WHERE state = 'running'), count(*) FILTER (WHERE state = 'done'), \
      count(*) FILTER (WHERE state = 'failed') FROM jobs WHERE kind <> 'match_claims'" \
    || echo "? ? 0 0"
}
idle=0
while :; do
  read -r queued running finished failed < <(counts)
  # The poll itself is one more job than the articles.
  if [ "$queued" = 0 ] && [ "$running" = 0 ]; then
    [ $((finished + failed)) -ge $((articles + 1)) ] && break
    # Nothing waits or runs, yet not every article was imported: the poll failed.
    idle=$((idle + 1))
    if [ "$idle" -ge 20 ]; then
      echo "stopped: $finished jobs done, $failed failed, nothing left to run" >&2
      curl -sf -H "Authorization: Bearer $token" "$api/jobs?state=failed" | head -c 2000 >&2
      exit 1
    fi
  else
    idle=0
  fi
  sleep 0.5
done
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
read -r fetches distinct < <(curl -sf "http://127.0.0.1:$site_port/stats")
stored=$(psql -h localhost -d "$db" -tAc "SELECT (SELECT count(*) FROM articles) || ' articles, ' || (SELECT count(*) FROM claims) || ' claims'")
printf 'imported in %.1f s: jobs done %s, failed %s; %s; %s article fetches for %s articles\n' \
  "$elapsed" "$finished" "$failed" "$stored" "$fetches" "$distinct"
