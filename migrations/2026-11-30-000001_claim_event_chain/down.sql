DROP TRIGGER claim_events_link ON claim_events;
DROP FUNCTION claim_events_link();
DROP INDEX claim_events_chain_idx;
ALTER TABLE claim_events DROP COLUMN hash, DROP COLUMN seq;
DROP FUNCTION claim_event_content(INTEGER, BIGINT, BIGINT, BIGINT, event_kind, review_state, review_state, BIGINT, TIMESTAMPTZ, TEXT);
