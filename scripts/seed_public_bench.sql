-- 100,000 approved verdicts on 1,000 articles, for measuring the public pages (BENCHMARKS.md).
-- Run on a migrated, empty database: psql "$DATABASE_URL" -f scripts/seed_public_bench.sql
INSERT INTO articles (title, body, content_hash, publisher, source_url, published_on)
SELECT 'Bench article ' || a, 'Body of bench article ' || a, sha256(('bench article ' || a)::bytea),
       'Bench News', 'https://news.example/' || a, date '2026-01-01' + (a % 300)
FROM generate_series(1, 1000) AS a;

INSERT INTO claims (article_id, text, span_start, span_end, category, claimant, score, state,
                    verdict, rating, rationale, verdict_at, approved_at)
SELECT (SELECT min(id) FROM articles) + (n - 1) / 100,
       'Exports grew by ' || n || ' percent in quarter ' || (n % 4 + 1) || ', said the minister',
       0, 10, 'economy', 'The minister', 0.8, 'approved',
       (CASE WHEN n % 5 >= 3 THEN 'verified' ELSE 'disputed' END)::verdict_kind,
       (n % 5 + 1)::smallint,
       'The trade register for quarter ' || (n % 4 + 1) || ' shows otherwise.',
       timestamptz '2026-01-01' + n * interval '1 minute',
       timestamptz '2026-01-01' + n * interval '1 minute' + interval '1 hour'
FROM generate_series(1, 100000) AS n;
ANALYZE articles;
ANALYZE claims;
