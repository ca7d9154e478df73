DROP TABLE article_events;
DROP FUNCTION article_events_refuse_change();
ALTER TABLE articles DROP COLUMN archived_by, DROP COLUMN archived_at;
CREATE OR REPLACE FUNCTION claim_events_link() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    previous_seq INTEGER;
    previous_hash BYTEA;
BEGIN
    PERFORM pg_advisory_xact_lock(NEW.claim_id);
    SELECT seq, hash INTO previous_seq, previous_hash
        FROM claim_events WHERE claim_id = NEW.claim_id
        ORDER BY seq DESC LIMIT 1;
    NEW.seq := coalesce(previous_seq, 0) + 1;
    NEW.hash := sha256(
        coalesce(previous_hash,
                 '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
        || claim_event_content(NEW.seq, NEW.id, NEW.claim_id, NEW.actor_id, NEW.kind,
                               NEW.from_state, NEW.to_state, NEW.evidence_id,
                               NEW.created_at, NEW.note));
    RETURN NEW;
END
$$;
DROP FUNCTION claim_event_change(TEXT, TEXT, TEXT);
-- Edit events cannot be removed from an append-only trail, and enum values cannot be
-- dropped: the event columns and kinds stay.
ALTER TABLE claims DROP COLUMN merged_into, DROP COLUMN origin,
    DROP COLUMN normalized_text, DROP COLUMN claimant_kind;
DROP TYPE claim_origin;
DROP TYPE claimant_kind;
