DROP TRIGGER claims_count_state_change ON claims;
DROP TRIGGER claims_count_insert_delete ON claims;
DROP FUNCTION claims_count_states();
DROP TABLE claim_state_counts;
