-- A tamper-evident audit trail: each claim's events form a hash chain. An event's hash is
-- SHA-256 over the previous event's hash (32 zero bytes for the first) and the event's
-- canonical content, computed by a trigger in the inserting transaction, so every way of
-- adding an event is covered. `claimdesk audit verify` recomputes every chain independently.

ALTER TABLE claim_events ADD COLUMN seq INTEGER, ADD COLUMN hash BYTEA;

-- The canonical content, one `name=value` line per field in a fixed order; NULL is an empty
-- value (no id or state is ever empty), the note comes last, prefixed with its length in
-- bytes ('-' when there is none), and the time is in whole microseconds since 1970 UTC.
CREATE FUNCTION claim_event_content(
    seq INTEGER, id BIGINT, claim_id BIGINT, actor_id BIGINT, kind event_kind,
    from_state review_state, to_state review_state, evidence_id BIGINT,
    created_at TIMESTAMPTZ, note TEXT
) RETURNS BYTEA
LANGUAGE sql IMMUTABLE AS $$
    SELECT convert_to(
        'claimdesk-event/1' || E'\n' ||
        'seq=' || seq || E'\n' ||
        'id=' || id || E'\n' ||
        'claim=' || claim_id || E'\n' ||
        'actor=' || actor_id || E'\n' ||
        'kind=' || kind::text || E'\n' ||
        'from=' || coalesce(from_state::text, '') || E'\n' ||
        'to=' || coalesce(to_state::text, '') || E'\n' ||
        'evidence=' || coalesce(evidence_id::text, '') || E'\n' ||
        'at=' || (extract(epoch FROM created_at) * 1000000)::bigint || E'\n' ||
        'note=' || CASE WHEN note IS NULL THEN '-'
                        ELSE octet_length(note) || ':' || note END,
        'UTF8')
$$;

-- Backfill the events recorded so far, claim by claim in id order.
ALTER TABLE claim_events DISABLE TRIGGER claim_events_no_update_delete;
DO $$
DECLARE
    event RECORD;
    previous BYTEA;
    current_claim BIGINT;
    n INTEGER;
BEGIN
    FOR event IN SELECT * FROM claim_events ORDER BY claim_id, id LOOP
        IF current_claim IS DISTINCT FROM event.claim_id THEN
            current_claim := event.claim_id;
            previous := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
            n := 0;
        END IF;
        n := n + 1;
        previous := sha256(previous || claim_event_content(
            n, event.id, event.claim_id, event.actor_id, event.kind, event.from_state,
            event.to_state, event.evidence_id, event.created_at, event.note));
        UPDATE claim_events SET seq = n, hash = previous WHERE id = event.id;
    END LOOP;
END
$$;
ALTER TABLE claim_events ENABLE TRIGGER claim_events_no_update_delete;

ALTER TABLE claim_events ALTER COLUMN seq SET NOT NULL, ALTER COLUMN hash SET NOT NULL;
CREATE UNIQUE INDEX claim_events_chain_idx ON claim_events (claim_id, seq);

-- Links the new event to the claim's last one. Events of one claim are serialised by a
-- transaction-scoped advisory lock keyed by the claim id (the only advisory lock in this
-- database), so two concurrent events can never take the same place in the chain. Whatever
-- the inserter sends as seq and hash is replaced.
CREATE FUNCTION claim_events_link() RETURNS trigger
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
CREATE TRIGGER claim_events_link
    BEFORE INSERT ON claim_events
    FOR EACH ROW EXECUTE FUNCTION claim_events_link();
