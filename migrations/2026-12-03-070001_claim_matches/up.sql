-- Each claim's best matches among known fact-checks, computed in the background (at import,
-- when fact-checks arrive, on demand) so a page view never runs the model; and the claims an
-- editor marked as repeats of an earlier fact-check.

CREATE TABLE claim_matches (
    claim_id      BIGINT NOT NULL REFERENCES claims (id) ON DELETE CASCADE,
    -- A fact-check that goes away (our own verdict reopened) takes its matches with it.
    fact_check_id BIGINT NOT NULL REFERENCES fact_checks (id) ON DELETE CASCADE,
    score         REAL NOT NULL,
    -- 1 is the best match.
    rank          SMALLINT NOT NULL CHECK (rank >= 1),
    -- The embedding model that ranked it, or 'lexical' when none was available.
    model         TEXT NOT NULL,
    computed_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (claim_id, fact_check_id)
);
-- The queue's "checked before" filter looks for a claim's best score.
CREATE INDEX claim_matches_best_idx ON claim_matches (claim_id, score DESC);
CREATE INDEX claim_matches_fact_check_idx ON claim_matches (fact_check_id);

CREATE TABLE claim_repeats (
    claim_id      BIGINT PRIMARY KEY REFERENCES claims (id) ON DELETE CASCADE,
    fact_check_id BIGINT NOT NULL REFERENCES fact_checks (id) ON DELETE CASCADE,
    marked_by     BIGINT NOT NULL REFERENCES users (id),
    marked_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX claim_repeats_fact_check_idx ON claim_repeats (fact_check_id);

ALTER TYPE event_kind ADD VALUE 'marked_repeat';

-- The job that computes stored matches.
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check
    CHECK (kind IN ('import_url', 'poll_source', 'rescore', 'match_claims'));
