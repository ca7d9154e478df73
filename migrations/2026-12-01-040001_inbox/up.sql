-- The desk's own pages: saved views of the queue, the inbox, claims people follow, and the
-- tallies the dashboard reads instead of grouping every claim on each request.

-- A saved view is the queue's query string under a name: the queue parses it again each time,
-- so a view keeps working as the queue learns new filters.
CREATE TABLE saved_views (
    id         BIGSERIAL PRIMARY KEY,
    owner_id   BIGINT NOT NULL REFERENCES users (id),
    name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    query      TEXT NOT NULL CHECK (length(query) <= 2000),
    -- Shared views show in everyone's navigation; private ones only in their owner's.
    shared     BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX saved_views_owner_name_key ON saved_views (owner_id, lower(name));
CREATE INDEX saved_views_shared_idx ON saved_views (id) WHERE shared;

CREATE TABLE claim_follows (
    user_id    BIGINT NOT NULL REFERENCES users (id),
    claim_id   BIGINT NOT NULL REFERENCES claims (id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (claim_id, user_id)
);

-- One row per person told about a change; written in the transaction of the change itself.
CREATE TABLE notifications (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL CHECK (kind IN
                   ('assigned', 'sent_back', 'reopened', 'awaiting_approval', 'followed_changed')),
    claim_id   BIGINT NOT NULL REFERENCES claims (id),
    actor_id   BIGINT NOT NULL REFERENCES users (id),
    -- The editor's note for a verdict sent back or reopened; what changed for a followed claim.
    note       TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    read_at    TIMESTAMPTZ,
    CHECK (user_id <> actor_id)
);
CREATE INDEX notifications_user_idx ON notifications (user_id, id DESC);
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;

-- Claims per state, category and verdict step, kept by triggers: the dashboard's backlog and
-- verdict mix read a few hundred rows at most, however many claims there are.
-- `step` is the rating 1-5, 0 for an unverifiable verdict, -1 for no verdict.
CREATE TABLE claim_tallies (
    state    review_state   NOT NULL,
    category claim_category NOT NULL,
    step     SMALLINT       NOT NULL CHECK (step BETWEEN -1 AND 5),
    claims   BIGINT         NOT NULL DEFAULT 0 CHECK (claims >= 0),
    PRIMARY KEY (state, category, step)
);

CREATE FUNCTION claim_step(verdict verdict_kind, rating SMALLINT) RETURNS SMALLINT
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN verdict IS NULL THEN -1 ELSE coalesce(rating, 0) END::smallint
$$;

INSERT INTO claim_tallies (state, category, step, claims)
SELECT state, category, claim_step(verdict, rating), count(*)
FROM claims GROUP BY 1, 2, 3;

CREATE FUNCTION claims_tally() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO claim_tallies (state, category, step, claims)
        VALUES (NEW.state, NEW.category, claim_step(NEW.verdict, NEW.rating), 1)
        ON CONFLICT (state, category, step) DO UPDATE SET claims = claim_tallies.claims + 1;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE claim_tallies SET claims = claims - 1
        WHERE state = OLD.state AND category = OLD.category
          AND step = claim_step(OLD.verdict, OLD.rating);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER claims_tally_insert_delete
    AFTER INSERT OR DELETE ON claims
    FOR EACH ROW EXECUTE FUNCTION claims_tally();
CREATE TRIGGER claims_tally_change
    AFTER UPDATE OF state, category, verdict, rating ON claims
    FOR EACH ROW
    WHEN ((OLD.state, OLD.category, claim_step(OLD.verdict, OLD.rating))
          IS DISTINCT FROM (NEW.state, NEW.category, claim_step(NEW.verdict, NEW.rating)))
    EXECUTE FUNCTION claims_tally();

-- The dashboard's time-bounded reads: verdicts and approvals of the last weeks, time to
-- approval, the oldest claims waiting, one reviewer's verdicts.
CREATE INDEX verdicts_created_idx ON verdicts (created_at);
CREATE INDEX verdicts_approved_idx ON verdicts (approved_at) WHERE approved_at IS NOT NULL;
CREATE INDEX verdicts_author_idx ON verdicts (author_id, created_at);
CREATE INDEX verdicts_corrects_idx ON verdicts (corrects_id) WHERE corrects_id IS NOT NULL;
CREATE INDEX claims_approved_at_idx ON claims (approved_at) WHERE approved_at IS NOT NULL;
CREATE INDEX claims_verdict_by_idx ON claims (verdict_by, state) WHERE verdict_by IS NOT NULL;
CREATE INDEX claims_waiting_idx ON claims (created_at, id)
    WHERE state IN ('extracted', 'in_review', 'verified', 'disputed', 'unverifiable');
CREATE INDEX claim_events_sent_back_idx ON claim_events (created_at)
    WHERE kind = 'transition' AND to_state = 'in_review'
      AND from_state IN ('verified', 'disputed', 'unverifiable');
