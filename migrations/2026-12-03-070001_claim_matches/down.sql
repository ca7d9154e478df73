-- The 'marked_repeat' event kind stays: values cannot be removed from an enum, and events of
-- that kind stay readable.
DROP TABLE claim_repeats;
DROP TABLE claim_matches;
