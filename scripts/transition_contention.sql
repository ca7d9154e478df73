-- pgbench: the database half of taking a claim (lock, guarded update, audit event) on a new
-- claim every transaction, without the server: the count triggers' cost and contention alone.
-- Each client walks its own ids: -D n=0 -D first=ID -D conns=C; see BENCHMARKS.md.
\set n :n + 1
\set id :first + :client_id + :conns * :n
BEGIN;
SELECT id, state, version FROM claims WHERE id = :id FOR UPDATE;
UPDATE claims SET state = 'in_review', assignee_id = 1, assigned_at = now(),
       version = version + 1, updated_at = now()
WHERE id = :id AND version = 0 AND state = 'extracted';
INSERT INTO claim_events (claim_id, actor_id, kind, from_state, to_state, created_at)
VALUES (:id, 1, 'transition', 'extracted', 'in_review', now());
END;
