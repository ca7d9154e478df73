-- pgbench: the statements the server sends for POST /api/v1/claims/{id}/evidence
-- {"url","stance":"supports"} on a claim no one holds, in its order, as logged with
-- WRITE_BENCH_LOG=1 in scripts/write_bench.sh (which passes the -D variables).
\set n :n + 1
\set id :evidence_first + (:client_id * 1000 + :n) % :third
SELECT a.id, u.id, u.username, u.password_hash, u.role, u.disabled_at, u.created_at
  FROM api_tokens a JOIN users u ON u.id = a.user_id
  WHERE a.token_hash = decode(:token_hash, 'hex') AND a.revoked_at IS NULL AND u.disabled_at IS NULL LIMIT 1;
BEGIN;
SELECT id, article_id, text, span_start, span_end, category, claimant, score, entities, state, assignee_id, verdict, rating, label, rationale, verdict_by, verdict_at, approved_by, approved_at, reopen_count, version, duplicate_of, created_at, updated_at, verdict_id, claimant_kind, normalized_text, origin, merged_into, assigned_at FROM claims WHERE id = :id LIMIT 1 FOR UPDATE;
INSERT INTO evidence (claim_id, url, stance, added_by, added_at)
  VALUES (:id, 'https://example.org/evidence/' || :n, 'supports', :user_id, now())
  RETURNING id, claim_id, url, title, excerpt, stance, added_by, added_at, retracted_at, retraction_reason;
INSERT INTO claim_events (claim_id, actor_id, kind, note, evidence_id, created_at)
  VALUES (:id, :user_id, 'evidence_added', 'supports evidence: https://example.org/evidence/' || :n,
          currval('evidence_id_seq'), now());
SELECT user_id FROM claim_follows WHERE claim_id = :id ORDER BY user_id;
COMMIT;
