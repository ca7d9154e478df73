ALTER FUNCTION claim_events_link() RESET enable_seqscan;
