-- Bulk seed for the benches: :claims claims (1,000 per article) in a mix of states, with the
-- evidence and audit events their states imply, loaded the fast way: every trigger (foreign
-- keys included) switched off for the session, the secondary indexes of the three big tables
-- dropped and built again afterwards exactly as they were, the audit chain's hashes computed
-- in bulk with the same content function the trigger uses, and the summaries rebuilt at the
-- end. Run as a superuser on a migrated database holding the users bench_rev and bench_ed:
--   psql -d DB -v claims=1000000 -f scripts/seed_claims.sql
\set ON_ERROR_STOP 1
SET session_replication_role = replica;
SET maintenance_work_mem = '512MB';
SET max_parallel_maintenance_workers = 2;
SET synchronous_commit = off;

-- The secondary indexes, kept to be built again after the load.
CREATE TEMP TABLE seed_indexes AS
    SELECT indexname, indexdef FROM pg_indexes
    WHERE schemaname = 'public' AND tablename IN ('claims', 'evidence', 'claim_events')
      AND indexname NOT IN ('claims_pkey', 'evidence_pkey', 'claim_events_pkey');
SELECT format('DROP INDEX %I', indexname) FROM seed_indexes \gexec

SELECT id AS rev FROM users WHERE username = 'bench_rev' \gset
SELECT id AS ed FROM users WHERE username = 'bench_ed' \gset

INSERT INTO articles (title, source_url, publisher, published_on, body, content_hash)
SELECT 'Bench article ' || a, 'https://news.example/' || a, 'Bench Wire',
       DATE '2026-01-01' + (a % 300), 'Body of bench article ' || a, sha256(('bench ' || a)::bytea)
FROM generate_series(1, (:claims + 999) / 1000) AS a;

-- States by i % 10: six approved, two extracted, one in review, one verified.
INSERT INTO claims (article_id, text, span_start, span_end, category, claimant, score, state,
                    entities, assignee_id, assigned_at, verdict, rating, label, rationale,
                    verdict_by, verdict_at, approved_by, approved_at, version, created_at,
                    updated_at)
SELECT (SELECT min(id) FROM articles) + (i - 1) / 1000,
       'The ministry said ' || i || ' tonnes of grain left the port of '
         || (ARRAY['Odesa','Gdansk','Alexandria','Mumbai','Valparaiso','Mombasa','Bergen','Osaka'])[1 + i % 8]
         || ' in ' || (1990 + i % 35) || '.',
       0, 60,
       (ARRAY['arms','finance','energy','military','diplomacy','politics','economy','other'])[1 + i % 8]::claim_category,
       'Minister ' || (i % 97), (i::bigint * 7919 % 10000) / 10000.0, s.state, '[]',
       CASE WHEN s.state <> 'extracted' THEN :rev END,
       CASE WHEN s.state <> 'extracted' THEN t.created + interval '1 hour' END,
       CASE WHEN s.state IN ('approved', 'verified') THEN (ARRAY['verified','disputed','unverifiable'])[1 + i % 3]::verdict_kind END,
       CASE WHEN s.state IN ('approved', 'verified') AND i % 3 <> 2 THEN (CASE WHEN i % 3 = 0 THEN 5 ELSE 2 END)::smallint END,
       CASE WHEN s.state IN ('approved', 'verified') THEN 'Checked' END,
       CASE WHEN s.state IN ('approved', 'verified') THEN 'Port records for ' || i || ' agree.' END,
       CASE WHEN s.state IN ('approved', 'verified') THEN :rev END,
       CASE WHEN s.state IN ('approved', 'verified') THEN t.created + interval '10 hours' END,
       CASE WHEN s.state = 'approved' THEN :ed END,
       CASE WHEN s.state = 'approved' THEN t.created + interval '30 hours' END,
       CASE s.state WHEN 'extracted' THEN 0 WHEN 'in_review' THEN 1 WHEN 'verified' THEN 2 ELSE 3 END,
       t.created, t.created
FROM generate_series(1, :claims) AS i
CROSS JOIN LATERAL (SELECT (ARRAY['approved','approved','approved','approved','approved','approved',
                                  'extracted','extracted','in_review','verified'])[1 + i % 10]::review_state AS state) s
CROSS JOIN LATERAL (SELECT now() - interval '400 days' + (i::float8 / :claims) * interval '395 days' AS created) t;

INSERT INTO evidence (claim_id, url, title, excerpt, stance, added_by, added_at)
SELECT id, 'https://records.example/port/' || id, 'Port register', 'Entry ' || id, 'supports',
       :rev, created_at + interval '2 hours'
FROM claims WHERE state <> 'extracted';

-- The audit trail: one event per step a claim took (taken, verdict given, approved), each
-- linked into its claim's hash chain as claim_events_link() would have linked it.
CREATE TEMP TABLE seed_steps (seq INT, from_state review_state, to_state review_state,
                              actor TEXT, after INTERVAL, reached TEXT[]);
INSERT INTO seed_steps VALUES
    (1, 'extracted', 'in_review', 'rev', '1 hour', '{in_review,verified,approved}'),
    (2, 'in_review', 'verified', 'rev', '10 hours', '{verified,approved}'),
    (3, 'verified', 'approved', 'ed', '30 hours', '{approved}');
SELECT format($q$
    INSERT INTO claim_events (id, claim_id, actor_id, kind, from_state, to_state, created_at, seq, hash)
    SELECT e.id, e.claim_id, %2$s, 'transition', %3$L, %4$L, e.at, %1$s,
           sha256(coalesce(p.hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
                  || claim_event_content(%1$s, e.id, e.claim_id, %2$s, 'transition', %3$L, %4$L,
                                         NULL, e.at, NULL))
    FROM (SELECT nextval('claim_events_id_seq') AS id, c.id AS claim_id,
                 c.created_at + %5$L::interval AS at
          FROM claims c WHERE c.state = ANY (%6$L::review_state[])) e
    LEFT JOIN claim_events p ON p.claim_id = e.claim_id AND p.seq = %1$s - 1$q$,
    s.seq, CASE s.actor WHEN 'rev' THEN :rev ELSE :ed END, s.from_state, s.to_state, s.after, s.reached)
FROM seed_steps s ORDER BY s.seq \gexec

SELECT indexdef FROM seed_indexes \gexec
SET session_replication_role = origin;
SELECT rebuild_summaries();
VACUUM ANALYZE claims, evidence, claim_events, articles;
