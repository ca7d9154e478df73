-- Event kinds cannot be removed from an enum; events of those kinds stay readable. The old
-- check comes back only if no assignment event carries states.
ALTER TABLE claim_events DROP CONSTRAINT claim_events_states_only_for_moves;
ALTER TABLE claim_events DROP CONSTRAINT claim_events_transition_has_state;
ALTER TABLE claim_events ADD CONSTRAINT claim_events_check
    CHECK ((kind = 'transition') = (to_state IS NOT NULL));
DROP TABLE claim_tags;
DROP TABLE tags;
DROP INDEX claims_updated_at_idx;
ALTER TABLE claims DROP CONSTRAINT claims_assigned_at_with_assignee;
ALTER TABLE claims DROP COLUMN assigned_at;
