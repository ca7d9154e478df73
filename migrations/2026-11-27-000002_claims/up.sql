-- Articles, the claims extracted from them, evidence, and the append-only audit trail.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TYPE review_state AS ENUM
    ('extracted', 'in_review', 'verified', 'disputed', 'unverifiable', 'approved', 'dismissed');
CREATE TYPE verdict_kind AS ENUM ('verified', 'disputed', 'unverifiable');
CREATE TYPE claim_category AS ENUM
    ('arms', 'finance', 'energy', 'military', 'diplomacy', 'politics', 'economy', 'other');
CREATE TYPE evidence_stance AS ENUM ('supports', 'refutes', 'context');
CREATE TYPE event_kind AS ENUM ('transition', 'evidence_added', 'evidence_retracted');

CREATE TABLE articles (
    id           BIGSERIAL PRIMARY KEY,
    title        TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    source_url   TEXT CHECK (source_url ~* '^https?://'),
    publisher    TEXT,
    published_on DATE,
    body         TEXT NOT NULL,
    -- SHA-256 of the normalised body: the same text cannot be imported twice.
    content_hash BYTEA NOT NULL UNIQUE,
    imported_by  BIGINT REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE claims (
    id           BIGSERIAL PRIMARY KEY,
    article_id   BIGINT NOT NULL REFERENCES articles (id),
    text         TEXT NOT NULL,
    -- Byte offsets into articles.body.
    span_start   INTEGER NOT NULL,
    span_end     INTEGER NOT NULL,
    category     claim_category NOT NULL,
    claimant     TEXT,
    score        REAL NOT NULL CHECK (score >= 0 AND score <= 1),
    entities     JSONB NOT NULL DEFAULT '[]',
    state        review_state NOT NULL DEFAULT 'extracted',
    assignee_id  BIGINT REFERENCES users (id),
    verdict      verdict_kind,
    rating       SMALLINT CHECK (rating BETWEEN 1 AND 5),
    label        TEXT,
    rationale    TEXT,
    verdict_by   BIGINT REFERENCES users (id),
    verdict_at   TIMESTAMPTZ,
    approved_by  BIGINT REFERENCES users (id),
    approved_at  TIMESTAMPTZ,
    -- How often an approved verdict was reopened; a re-approval is then a correction.
    reopen_count INTEGER NOT NULL DEFAULT 0,
    -- Optimistic locking: every transition is `UPDATE … WHERE version = $seen`.
    version      INTEGER NOT NULL DEFAULT 0,
    duplicate_of BIGINT REFERENCES claims (id),
    search       TSVECTOR NOT NULL
        GENERATED ALWAYS AS (to_tsvector('english', text || ' ' || coalesce(claimant, ''))) STORED,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (0 <= span_start AND span_start < span_end)
);
-- The queue pages: filter by state, order by score or by age (id), keyset-paginated.
CREATE INDEX claims_score_idx ON claims (score DESC, id DESC);
CREATE INDEX claims_state_score_idx ON claims (state, score DESC, id DESC);
CREATE INDEX claims_state_id_idx ON claims (state, id DESC);
CREATE INDEX claims_article_idx ON claims (article_id, span_start);
CREATE INDEX claims_assignee_idx ON claims (assignee_id, state) WHERE assignee_id IS NOT NULL;
CREATE INDEX claims_category_idx ON claims (category, score DESC, id DESC);
CREATE INDEX claims_search_idx ON claims USING GIN (search);
-- Near-duplicates across articles (pg_trgm similarity).
CREATE INDEX claims_text_trgm_idx ON claims USING GIN (text gin_trgm_ops);
CREATE INDEX claims_duplicate_of_idx ON claims (duplicate_of) WHERE duplicate_of IS NOT NULL;

CREATE TABLE evidence (
    id                BIGSERIAL PRIMARY KEY,
    claim_id          BIGINT NOT NULL REFERENCES claims (id),
    url               TEXT NOT NULL CHECK (url ~* '^https?://'),
    title             TEXT,
    excerpt           TEXT,
    stance            evidence_stance NOT NULL,
    added_by          BIGINT NOT NULL REFERENCES users (id),
    added_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Evidence is never deleted, only retracted with a reason.
    retracted_at      TIMESTAMPTZ,
    retracted_by      BIGINT REFERENCES users (id),
    retraction_reason TEXT,
    CHECK ((retracted_at IS NULL) = (retraction_reason IS NULL))
);
CREATE INDEX evidence_claim_idx ON evidence (claim_id, id);

CREATE TABLE claim_events (
    id          BIGSERIAL PRIMARY KEY,
    claim_id    BIGINT NOT NULL REFERENCES claims (id),
    actor_id    BIGINT NOT NULL REFERENCES users (id),
    kind        event_kind NOT NULL,
    from_state  review_state,
    to_state    review_state,
    note        TEXT,
    evidence_id BIGINT REFERENCES evidence (id),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((kind = 'transition') = (to_state IS NOT NULL))
);
CREATE INDEX claim_events_claim_idx ON claim_events (claim_id, id);

-- The audit trail is append-only: no UPDATE, DELETE or TRUNCATE, whoever asks.
CREATE FUNCTION claim_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'claim_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER claim_events_no_update_delete
    BEFORE UPDATE OR DELETE ON claim_events
    FOR EACH ROW EXECUTE FUNCTION claim_events_refuse_change();
CREATE TRIGGER claim_events_no_truncate
    BEFORE TRUNCATE ON claim_events
    FOR EACH STATEMENT EXECUTE FUNCTION claim_events_refuse_change();
