#!/usr/bin/env bash
# The desk at CLAIMS claims (default a million) on a throwaway database seeded by
# scripts/seed_claims.sql: the seed's time; the queue page with wrk on loopback (CONNS
# connections, SECONDS) as a signed-in reviewer; the dashboard and a search, REPS times each
# (median, p99); every export format of every claim through the release binary under
# /usr/bin/time -v (wall time, peak RSS).
#   scripts/million_bench.sh [CLAIMS=1000000] [BIN=target/release/claimdesk] [SECONDS=15] [CONNS=8] [REPS=21]
# MILLION_BENCH_DB=name keeps the database under that name (seeded on the first run, reused by
# later ones).
set -euo pipefail
cd "$(dirname "$0")/.."
claims=${1:-1000000}
bin=${2:-target/release/claimdesk}
seconds=${3:-15}
conns=${4:-8}
reps=${5:-21}
. scripts/bench_db.sh
bench_db_setup claimdesk_million "${MILLION_BENCH_DB:-}"
password='million bench passphrase 1'
if [ -n "$kept" ] && bench_db_exists; then
  echo "reusing $db"
else
  bench_db_create
  bench_db_migrate "$bin"
  for u in "reviewer bench_rev" "editor bench_ed"; do
    set -- $u
    DATABASE_URL=$url CLAIMDESK_PASSWORD=$password "$bin" user create --username "$2" --role "$1" >/dev/null 2>&1
  done
  start=$(date +%s.%N)
  psql -q -h localhost -d "$db" -v claims="$claims" -f scripts/seed_claims.sql >/dev/null
  echo "seed: $claims claims in $(echo "$(date +%s.%N) - $start" | bc) s"
fi
rows=$(psql -h localhost -d "$db" -tAc "SELECT (SELECT count(*) FROM claims) || ' claims, ' || (SELECT count(*) FROM evidence) || ' evidence, ' || (SELECT count(*) FROM claim_events) || ' events'")
echo "# $rows; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
ed_token=$(DATABASE_URL=$url "$bin" token create --user bench_ed 2>/dev/null | tail -1)
export CLAIMDESK_POOL_SIZE=$conns
bench_serve "$bin"
base=http://127.0.0.1:$port

# Session cookies through the real sign-in form.
sign_in() { # username
  local jar csrf
  jar=$(mktemp)
  csrf=$(curl -s -c "$jar" "$base/login" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"//')
  curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf_token=$csrf" \
    --data-urlencode username="$1" --data-urlencode "password=$password" "$base/login"
  awk '$6 ~ /session/ {print $6 "=" $7}' "$jar"; rm -f "$jar"
}
cookie=$(sign_in bench_rev)
ed_cookie=$(sign_in bench_ed)
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$base/")" = 200 ] || { echo "no session" >&2; exit 1; }

for page in "/" "/?state=approved" "/?sort=article"; do
  echo "queue page $page, wrk -c$conns ${seconds}s:"
  nice -n 5 wrk -t2 -c"$conns" -d"${seconds}s" --latency -H "Cookie: $cookie" "$base$page" \
    | grep -E '^ +(50|99)%|Requests/sec|Non-2xx'
done

timed() { # name, then curl arguments; REPS sequential requests, median and p99 in ms
  local name=$1; shift
  for _ in $(seq "$reps"); do curl -s -o /dev/null -w '%{time_total}\n' "$@"; done \
    | sort -n | awk -v n="$name" '{t[NR]=$1*1000} END {p=int(NR*0.99+0.999); if(p>NR)p=NR;
        printf "%-28s median %8.1f ms  p99 %8.1f ms\n", n, t[int((NR+1)/2)], t[p]}'
}
timed "dashboard (editor: team)" -H "Cookie: $ed_cookie" "$base/dashboard"
# The seed's one reviewer holds every verdict (600,000) and every open claim (200,000): their
# own dashboard aggregates all of them.
timed "dashboard (the reviewer's own)" -H "Cookie: $cookie" "$base/dashboard"
timed "GET /api/v1/stats (editor)" -H "Authorization: Bearer $ed_token" "$base/api/v1/stats"
timed "search ?q=grain Odesa" -H "Authorization: Bearer $ed_token" "$base/api/v1/claims?q=grain%20Odesa"
timed "queue ?q=Mombasa 2003" -H "Cookie: $cookie" "$base/?q=Mombasa%202003"

states=approved,extracted,in_review,verified
for f in csv json claimreview html; do
  DATABASE_URL=$url /usr/bin/time -v "$bin" export --format $f --state $states -o /dev/null 2>&1 \
    | awk -v f=$f '/Elapsed/ {w=$NF} /Maximum resident/ {r=$NF}
        END {printf "export %-12s wall %s  peak RSS %.1f MiB\n", f, w, r/1024}'
done
