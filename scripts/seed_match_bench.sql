-- Synthetic fact-checks for the matching latency bench (not for quality: the texts are word
-- salad). Adds :n rows to the fact-checks already stored: each claim is 8 to 20 words drawn
-- at random from the stored claims' words (so word frequencies follow real ones), each with
-- a random unit vector filed under the current model id, as an imported one would be.
--
-- usage: psql "$DATABASE_URL" -v n=89625 -v model='all-MiniLM-L6-v2@53aa5117' \
--          -f scripts/seed_match_bench.sql
\set ON_ERROR_STOP on
-- Words numbered 1..N, so each pick is an index lookup (reading a word out of one big array
-- would de-TOAST the whole array for every word).
CREATE TEMP TABLE bench_words AS
    SELECT row_number() OVER () AS n, w
    FROM (SELECT regexp_split_to_table(claim_reviewed, '\s+') AS w FROM fact_checks) t
    WHERE w <> '';
CREATE UNIQUE INDEX ON bench_words (n);
ANALYZE bench_words;
SELECT count(*) AS words FROM bench_words \gset

INSERT INTO fact_checks (source_id, claim_reviewed, source, embedding, embedding_model)
SELECT 'synthetic-' || g,
       (SELECT string_agg(b.w, ' ')
          FROM (SELECT 1 + floor(random() * :words)::int + 0 * s AS k
                  FROM generate_series(1, 8 + g % 13) s OFFSET 0) picks
          JOIN bench_words b ON b.n = picks.k),
       'bench',
       (SELECT array_agg(x / norm)
          FROM (SELECT x, sqrt(sum(x * x) OVER ()) AS norm
                  FROM (SELECT random() - 0.5 + 0 * g AS x FROM generate_series(1, 384)) r) s),
       :'model'
FROM generate_series(1, :n) g;
ANALYZE fact_checks;
