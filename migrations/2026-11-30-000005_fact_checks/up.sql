-- Known fact-checks (imported, or our own approved verdicts) and sentence embeddings of
-- fact-checks and claims.

CREATE TABLE fact_checks (
    id              BIGSERIAL PRIMARY KEY,
    -- The source's id for it (a file's id column) or, failing that, its review URL:
    -- importing the same one again updates this row.
    source_id       TEXT NOT NULL UNIQUE CHECK (length(source_id) BETWEEN 1 AND 2000),
    claim_reviewed  TEXT NOT NULL CHECK (length(claim_reviewed) >= 1),
    title           TEXT,
    claimant        TEXT,
    claim_date      DATE,
    rating_value    REAL,
    rating_best     REAL,
    rating_worst    REAL,
    rating_label    TEXT,
    publisher_name  TEXT,
    publisher_site  TEXT,
    review_url      TEXT CHECK (review_url ~* '^https?://'),
    review_date     DATE,
    language        TEXT,
    -- Where the import came from: a file name, an address, "api", or "claimdesk" for ours.
    source          TEXT NOT NULL,
    -- Set for our own approved verdicts, which follow the claim's corrections.
    claim_id        BIGINT UNIQUE REFERENCES claims (id),
    -- Unit-length sentence embedding of the claim and the model that made it; NULL until
    -- computed, recomputed when the text or the model changes.
    embedding       REAL[],
    embedding_model TEXT,
    search          TSVECTOR NOT NULL GENERATED ALWAYS AS (
        setweight(to_tsvector('english', claim_reviewed), 'A')
        || setweight(to_tsvector('english', coalesce(title, '')), 'B')) STORED,
    imported_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX fact_checks_search_idx ON fact_checks USING GIN (search);

-- A claim's embedding, kept beside the claim so a page view never runs the model.
CREATE TABLE claim_embeddings (
    claim_id   BIGINT PRIMARY KEY REFERENCES claims (id),
    embedding  REAL[] NOT NULL,
    model      TEXT NOT NULL,
    -- SHA-256 of the text embedded: a changed text makes the embedding stale.
    text_hash  BYTEA NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
