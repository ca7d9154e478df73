-- The 'marked_repeat' event kind stays: values cannot be removed from an enum, and events of
-- that kind stay readable.
DROP TABLE claim_repeats;
DROP TABLE claim_matches;
DELETE FROM jobs WHERE kind = 'match_claims';
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check
    CHECK (kind IN ('import_url', 'poll_source', 'rescore'));
