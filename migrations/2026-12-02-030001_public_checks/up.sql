-- The public index and feed: published verdicts, newest approval first, in keyset pages.
CREATE INDEX claims_published_idx ON claims (approved_at DESC, id DESC)
    WHERE state = 'approved' AND merged_into IS NULL;
