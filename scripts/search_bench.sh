#!/usr/bin/env bash
# The worst searches the limits allow (200 characters, 10 words), over HTTP, on a throwaway
# database of N claims seeded with generate_series: GET /api/v1/claims?q= and the queue page
# /?q=, each query REPS times one after another; prints median and p99 per query in ms.
#   scripts/search_bench.sh [CLAIMS=1000000] [BIN=target/release/claimdesk] [REPS=21]
# SEARCH_BENCH_DB=name keeps the database under that name (seeded on the first run, reused and
# not seeded again by later ones), e.g. to measure two builds on one load.
set -euo pipefail
cd "$(dirname "$0")/.."
claims=${1:-1000000}
bin=${2:-target/release/claimdesk}
reps=${3:-21}
. scripts/bench_db.sh
bench_db_setup claimdesk_search "${SEARCH_BENCH_DB:-}"
seed=1
if [ -n "$kept" ] && bench_db_exists; then
  seed=0
else
  bench_db_create
fi
bench_db_migrate "$bin"
start=$(date +%s)
if [ "$seed" = 1 ]; then
# Every claim holds the common words (ministry, delivered, systems, worth, billion); one of 20
# region words; and a rare word (refN, about 20 claims each). The two GIN indexes are dropped
# for the load and built again after it, exactly as the migration defines them (building a
# GIN index once is far faster than updating it a million times); they are what is measured.
psql -q -h localhost -d "$db" -v ON_ERROR_STOP=1 >/dev/null <<SQL
SET maintenance_work_mem = '1GB';
DROP INDEX claims_search_idx, claims_text_trgm_idx;
INSERT INTO articles (title, body, content_hash)
  SELECT 'Article ' || g, 'Body ' || g, sha256(g::text::bytea) FROM generate_series(1, 1000) g;
INSERT INTO claims (article_id, text, span_start, span_end, category, score, state, entities)
  SELECT 1 + (g % 1000),
         'Claim ' || g || ' says the ministry delivered ' || (g % 97) || ' systems worth \$'
           || (g % 50) || ' billion to '
           || (ARRAY['Ukraine','Poland','Egypt','India','Chile','Kenya','Norway','Japan','Peru','Iraq',
                     'Spain','Ghana','Nepal','Cuba','Oman','Fiji','Mali','Laos','Chad','Togo'])[1 + g % 20]
           || ' in ' || (1990 + g % 35) || ', according to ref' || (g % ($claims / 20 + 1)),
         0, 40,
         (ARRAY['arms','finance','energy','military','diplomacy','politics','economy','other'])[1 + g % 8]::claim_category,
         (g::bigint * 7919 % 10000) / 10000.0,
         (ARRAY['extracted','extracted','extracted','in_review','verified','disputed','unverifiable','approved','dismissed'])[1 + g % 9]::review_state,
         '[]'
  FROM generate_series(1, $claims) g;
CREATE INDEX claims_search_idx ON claims USING GIN (search);
CREATE INDEX claims_text_trgm_idx ON claims USING GIN (text gin_trgm_ops);
ANALYZE;
SQL
echo "loaded $claims claims in $(( $(date +%s) - start )) s"
DATABASE_URL=$url CLAIMDESK_PASSWORD='search bench passphrase 1' \
  "$bin" user create --username bench --role reviewer >/dev/null 2>&1
fi
token=$(DATABASE_URL=$url "$bin" token create --user bench 2>/dev/null | tail -1)
bench_serve "$bin"
python3 - "$port" "$token" "$reps" <<'PY'
import http.client, secrets, statistics, sys, time, urllib.parse
port, token, reps = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])

def request(method, path, headers=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request(method, path, body, headers or {})
    res = conn.getresponse()
    res.body = res.read()
    return res

csrf = secrets.token_hex(32)
res = request("POST", "/login", {
    "Content-Type": "application/x-www-form-urlencoded",
    "Cookie": f"claimdesk_login={csrf}"},
    urllib.parse.urlencode({"csrf_token": csrf, "username": "bench",
                            "password": "search bench passphrase 1"}))
session = next(c.split(";")[0] for c in res.headers.get_all("Set-Cookie")
               if c.startswith("claimdesk_session="))
queries = {
    "10 common words, distinct": "claim says the ministry delivered systems worth billion according to",
    "1 common word repeated 10 times": " ".join(["ministry"] * 10),
    "10 rare words": " ".join(f"ref{i}" for i in range(1, 11)),
    "10 region words (5% each)": "Ukraine Poland Egypt India Chile Kenya Norway Japan Peru Iraq",
    "10 words matching nothing": " ".join(f"qqzx{i}" for i in range(10)),
    "stems and prefixes": "minist deliv system wort billio accord clai say deliver ministries",
    "a phrase of 10 common words": '"says the ministry delivered systems worth billion to Ukraine in"',
    "a phrase most claims hold": '"says the ministry delivered"',
    "5 common words or-ed": "ministry or systems or billion or worth or delivered",
    "common words, negated rare": "ministry systems worth billion delivered -ref1 -ref2 -ref3 -ref4 -ref5",
}
for name, q in queries.items():
    assert len(q) <= 200 and len(q.split()) <= 10, name
    row = [name]
    for path, headers in ((f"/api/v1/claims?q={urllib.parse.quote(q)}", {"Authorization": f"Bearer {token}"}),
                          (f"/?q={urllib.parse.quote(q)}", {"Cookie": session})):
        times, statuses = [], set()
        for _ in range(reps):
            t = time.perf_counter()
            res = request("GET", path, headers)
            times.append((time.perf_counter() - t) * 1000)
            # The API refuses a search over its time budget with 400; the queue page shows
            # the reason with a 200, so its body says which it was.
            refused = res.status == 400 or b"would read too many claims" in res.body
            assert res.status in (200, 400), (name, path, res.status)
            statuses.add("refused" if refused else "ok")
        times.sort()
        row += [f"{statistics.median(times):.1f}", f"{times[min(len(times) - 1, int(len(times) * 0.99))]:.1f}",
                "/".join(sorted(statuses))]
    print("| " + " | ".join(row) + " |")
PY
