-- pgbench: the statements the server sends for POST /api/v1/claims/{id}/transitions
-- {"to":"in_review","version":0}, in its order, as logged with WRITE_BENCH_LOG=1 in
-- scripts/write_bench.sh (which passes the -D variables). Each client takes its own run of
-- claims at version 0, one new claim per transaction.
\set n :n + 1
\set id :first + :client_id * ((2 * :third) / :conns) + :n
SELECT a.id, u.id, u.username, u.password_hash, u.role, u.disabled_at, u.created_at
  FROM api_tokens a JOIN users u ON u.id = a.user_id
  WHERE a.token_hash = decode(:token_hash, 'hex') AND a.revoked_at IS NULL AND u.disabled_at IS NULL LIMIT 1;
BEGIN;
SELECT id, article_id, text, span_start, span_end, category, claimant, score, entities, state, assignee_id, verdict, rating, label, rationale, verdict_by, verdict_at, approved_by, approved_at, reopen_count, version, duplicate_of, created_at, updated_at, verdict_id, claimant_kind, normalized_text, origin, merged_into, assigned_at FROM claims WHERE id = :id LIMIT 1 FOR UPDATE;
SELECT id, claim_id, url, title, excerpt, stance, added_by, added_at, retracted_at, retraction_reason FROM evidence WHERE claim_id = :id ORDER BY id;
UPDATE claims SET state = 'in_review', assignee_id = :user_id, assigned_at = now(),
    version = version + 1, reopen_count = reopen_count + 0, updated_at = now()
  WHERE id = ANY(ARRAY[:id]::bigint[]) AND state = 'extracted' AND version = 0
  RETURNING id, article_id, text, span_start, span_end, category, claimant, score, entities, state, assignee_id, verdict, rating, label, rationale, verdict_by, verdict_at, approved_by, approved_at, reopen_count, version, duplicate_of, created_at, updated_at, verdict_id, claimant_kind, normalized_text, origin, merged_into, assigned_at;
INSERT INTO claim_events (claim_id, actor_id, kind, from_state, to_state, created_at)
  VALUES (:id, :user_id, 'transition', 'extracted', 'in_review', now());
SELECT claim_id, user_id FROM claim_follows WHERE claim_id = ANY(ARRAY[:id]::bigint[])
  ORDER BY claim_id, user_id;
COMMIT;
SELECT e.id, e.claim_id, e.url, e.title, e.excerpt, e.stance, e.added_by, e.added_at,
       e.retracted_at, e.retraction_reason, u.username
  FROM evidence e JOIN users u ON u.id = e.added_by
  WHERE e.claim_id = ANY(ARRAY[:id]::bigint[]) ORDER BY e.id;
SELECT id, claim_id, verdict, rating, label, rationale, author_id, created_at, evidence_ids,
       corrects_id, correction_reason, approved_by, approved_at
  FROM verdicts WHERE claim_id = ANY(ARRAY[:id]::bigint[]) ORDER BY claim_id, id;
SELECT ct.claim_id, t.id, t.name, t.colour FROM claim_tags ct JOIN tags t ON ct.tag_id = t.id
  WHERE ct.claim_id = ANY(ARRAY[:id]::bigint[]) ORDER BY ct.claim_id, lower(t.name);
SELECT id, title FROM articles WHERE id = ANY(ARRAY[1 + :id % 1000]::bigint[]);
SELECT id, username FROM users WHERE id = ANY(ARRAY[:user_id]::bigint[]);
