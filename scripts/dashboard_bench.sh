#!/usr/bin/env bash
# The dashboard at N claims, over HTTP, on a throwaway database seeded with generate_series:
# GET /api/v1/stats as an editor (the whole desk) and as a reviewer (their own numbers), and
# the /dashboard page as an editor, REPS times each; then, back to back in PostgreSQL, the
# team's backlog and verdict mix read from the trigger-kept claim_tallies against the same
# numbers grouped from every claim. Prints median and p99 in ms.
#   scripts/dashboard_bench.sh [CLAIMS=100000] [BIN=target/release/claimdesk] [REPS=51] [DAYS=730]
# DASHBOARD_BENCH_DB=name keeps the (new) database under that name, to look at its plans.
# DAYS spreads the claims' creation over that many days before now: 730 puts about an eighth of
# the verdicts in the dashboard's 12 weeks; 84 puts all of them there (the worst case).
set -euo pipefail
cd "$(dirname "$0")/.."
claims=${1:-100000}
bin=${2:-target/release/claimdesk}
reps=${3:-51}
days=${4:-730}
. scripts/bench_db.sh
bench_db_setup claimdesk_dash "${DASHBOARD_BENCH_DB:-}"
bench_db_create
bench_db_migrate "$bin"
for u in "editor bench_ed" "reviewer bench_rev"; do
  set -- $u
  DATABASE_URL=$url CLAIMDESK_PASSWORD='dashboard bench passphrase 1' \
    "$bin" user create --username "$2" --role "$1" >/dev/null 2>&1
done
start=$(date +%s)
# 20 more reviewers; claims in every state and category, created over DAYS days; every claim
# in a verdict state or approved has a verdict version by one of the reviewers (bench_rev
# among them), approved 20-120 hours after extraction for approved claims; one in-review claim
# in five carries a verdict that was sent back; one approved claim in fifty is a correction.
# The summary tables are kept by the statement-level triggers during the load, as they would
# be for any bulk write.
psql -q -h localhost -d "$db" -v ON_ERROR_STOP=1 >/dev/null <<SQL
INSERT INTO users (username, password_hash, role)
  SELECT 'rev' || g, 'x', 'reviewer' FROM generate_series(1, 20) g;
INSERT INTO articles (title, body, content_hash)
  SELECT 'Article ' || g, 'Body ' || g, sha256(g::text::bytea) FROM generate_series(1, 1000) g;
CREATE TEMP TABLE people AS
  SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM users WHERE role = 'reviewer';
INSERT INTO claims (article_id, text, span_start, span_end, category, score, state, entities,
                    created_at, updated_at, assignee_id, verdict, rating, verdict_by, verdict_at,
                    approved_by, approved_at, assigned_at)
  SELECT 1 + (g % 1000), 'Claim ' || g, 0, 10,
         (ARRAY['arms','finance','energy','military','diplomacy','politics','economy','other'])[1 + g % 8]::claim_category,
         (g::bigint * 7919 % 10000) / 10000.0, s.state, '[]', s.created, s.created,
         CASE WHEN s.state IN ('in_review','verified','disputed','unverifiable') THEN p.id END,
         s.verdict, s.rating,
         CASE WHEN s.verdict IS NOT NULL THEN p.id END,
         CASE WHEN s.verdict IS NOT NULL THEN s.created + interval '10 hours' END,
         CASE WHEN s.state = 'approved' THEN (SELECT id FROM users WHERE username = 'bench_ed') END,
         CASE WHEN s.state = 'approved' THEN s.created + (20 + g % 100) * interval '1 hour' END,
         CASE WHEN s.state IN ('in_review','verified','disputed','unverifiable') THEN s.created END
  FROM generate_series(1, $claims) g
  CROSS JOIN LATERAL (SELECT
      (ARRAY['extracted','extracted','in_review','in_review','verified','disputed','unverifiable','approved','approved','dismissed'])[1 + g % 10]::review_state AS state,
      now() - interval '5 days' - ($days - 5) * interval '1 day' * (($claims - g)::float8 / $claims) AS created) s0
  CROSS JOIN LATERAL (SELECT s0.state, s0.created,
      CASE WHEN s0.state IN ('verified','disputed','unverifiable','approved')
                OR (s0.state = 'in_review' AND (g / 10) % 5 = 0)
           THEN (CASE WHEN g % 3 = 0 THEN 'unverifiable' WHEN g % 3 = 1 THEN 'disputed' ELSE 'verified' END)::verdict_kind END AS verdict,
      CASE WHEN g % 3 = 1 THEN 1 + (g / 3) % 3 WHEN g % 3 = 2 THEN 4 + (g / 3) % 2 END::smallint AS rating) s
  JOIN people p ON p.n = g % 21;
UPDATE claims SET rating = NULL WHERE verdict IS NULL;
-- Corrected verdicts first (approved, then replaced), then every claim's current one.
INSERT INTO verdicts (claim_id, verdict, rating, author_id, created_at, approved_by, approved_at)
  SELECT id, verdict, rating, verdict_by, verdict_at - interval '5 hours', approved_by, approved_at - interval '1 hour'
  FROM claims WHERE state = 'approved' AND id % 50 = 0;
INSERT INTO verdicts (claim_id, verdict, rating, author_id, created_at, approved_by, approved_at,
                      corrects_id, correction_reason)
  SELECT c.id, c.verdict, c.rating, c.verdict_by, c.verdict_at, c.approved_by, c.approved_at,
         old.id, CASE WHEN old.id IS NOT NULL THEN 'reopened' END
  FROM claims c LEFT JOIN verdicts old ON old.claim_id = c.id
  WHERE c.verdict IS NOT NULL;
UPDATE claims c SET verdict_id = (SELECT max(id) FROM verdicts v WHERE v.claim_id = c.id)
  WHERE c.verdict IS NOT NULL;
-- The editor's navigation: 12 shared saved views and 2,000 unread notifications.
INSERT INTO saved_views (owner_id, name, query, shared)
  SELECT (SELECT id FROM users WHERE username = 'bench_ed'), 'View ' || g,
         (ARRAY['state=extracted', 'state=in_review', 'state=disputed', 'state=approved',
                'category=finance', 'category=energy&state=extracted', 'sort=oldest',
                'state=verified&sort=newest', 'mine=1', 'contradicts=1', 'q=claim',
                'state=dismissed&category=other'])[g], true
  FROM generate_series(1, 12) g;
INSERT INTO notifications (user_id, kind, claim_id, actor_id, created_at)
  SELECT (SELECT id FROM users WHERE username = 'bench_ed'), 'awaiting_approval', g,
         (SELECT id FROM users WHERE username = 'bench_rev'), now()
  FROM generate_series(1, 2000) g;
ANALYZE;
SQL
echo "loaded $claims claims over $days days in $(( $(date +%s) - start )) s"
psql -h localhost -d "$db" -tAc "SELECT 'verdicts in the 12 weeks: ' || count(*) FROM verdicts WHERE created_at >= now() - interval '12 weeks'"
ed_token=$(DATABASE_URL=$url "$bin" token create --user bench_ed 2>/dev/null | tail -1)
rev_token=$(DATABASE_URL=$url "$bin" token create --user bench_rev 2>/dev/null | tail -1)
bench_serve "$bin"
python3 - "$port" "$ed_token" "$rev_token" "$reps" "$db" <<'PY'
import http.client, json, secrets, statistics, subprocess, sys, time, urllib.parse
port, ed, rev, reps, db = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]

def request(method, path, headers=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request(method, path, body, headers or {})
    res = conn.getresponse()
    data = res.read()
    return res, data

csrf = secrets.token_hex(32)
res, _ = request("POST", "/login", {
    "Content-Type": "application/x-www-form-urlencoded",
    "Cookie": f"claimdesk_login={csrf}"},
    urllib.parse.urlencode({"csrf_token": csrf, "username": "bench_ed",
                            "password": "dashboard bench passphrase 1"}))
session = next(c.split(";")[0] for c in res.headers.get_all("Set-Cookie")
               if c.startswith("claimdesk_session="))

def summary(times):
    times = sorted(times)
    return f"{statistics.median(times):.1f}", f"{times[min(len(times) - 1, int(len(times) * 0.99))]:.1f}"

res, body = request("GET", "/api/v1/stats", {"Authorization": f"Bearer {ed}"})
team = json.loads(body)
print("backlog cells", len(team["backlog"]), "reviewers", len(team["reviewers"]),
      "approvals in window", team["time_to_approval"]["approvals"])
print("| request | median ms | p99 ms |")
print("|---|---|---|")
for name, path, headers in (
        ("GET /api/v1/stats, editor (the desk)", "/api/v1/stats", {"Authorization": f"Bearer {ed}"}),
        ("GET /api/v1/stats, reviewer (own)", "/api/v1/stats", {"Authorization": f"Bearer {rev}"}),
        ("GET /dashboard, editor (HTML + SVG)", "/dashboard", {"Cookie": session}),
        ("GET / (queue page; navigation: unread count, 12 views counted up to 1,000)", "/", {"Cookie": session}),
        ("GET /views (12 views, full counts)", "/views", {"Cookie": session})):
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        res, _ = request("GET", path, headers)
        times.append((time.perf_counter() - t) * 1000)
        assert res.status == 200, (path, res.status)
    print("| " + " | ".join([name, *summary(times)]) + " |")

# Back to back, alternating: the trigger-kept tallies against grouping every claim.
queries = {
    "tallies": "SELECT state, category, sum(claims) FROM claim_tallies WHERE claims > 0 GROUP BY 1, 2; "
               "SELECT category, step, claims FROM claim_tallies WHERE state = 'approved' AND step >= 0",
    "group by every claim": "SELECT state, category, count(*) FROM claims GROUP BY 1, 2; "
               "SELECT category, claim_step(verdict, rating), count(*) FROM claims WHERE state = 'approved' GROUP BY 1, 2",
}
script = "\\timing on\n" + "".join(f"{q};\n" for _ in range(reps) for q in queries.values())
out = subprocess.run(["psql", "-h", "localhost", "-d", db, "-q", "-o", "/dev/null"],
                     input=script, capture_output=True, text=True).stdout
ms = [float(l.split()[1]) for l in out.splitlines() if l.startswith("Time:")]
# Each pair of statements is one reading; the readings alternate tallies, group-by.
pairs = [ms[i] + ms[i + 1] for i in range(0, len(ms), 2)]
tallies, grouped = pairs[0::2], pairs[1::2]
ratios = [g / t for t, g in zip(tallies, grouped)]
print(f"backlog + mix: tallies {statistics.median(tallies):.2f} ms, grouped {statistics.median(grouped):.2f} ms, "
      f"median back-to-back ratio {statistics.median(ratios):.0f}x")
PY
