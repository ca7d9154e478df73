-- Verdicts as versions: each verdict a reviewer gives is its own row, never rewritten, and the
-- claim points at its current one. The claim's own verdict columns stay as a copy of the
-- current verdict, so queue, exports and filters keep reading one row per claim.

CREATE TABLE verdicts (
    id                BIGSERIAL PRIMARY KEY,
    claim_id          BIGINT NOT NULL REFERENCES claims (id),
    verdict           verdict_kind NOT NULL,
    -- No rating for an unverifiable verdict.
    rating            SMALLINT CHECK (rating BETWEEN 1 AND 5),
    label             TEXT,
    rationale         TEXT,
    author_id         BIGINT REFERENCES users (id),
    created_at        TIMESTAMPTZ NOT NULL,
    -- The evidence items not retracted when the verdict was given.
    evidence_ids      BIGINT[] NOT NULL DEFAULT '{}',
    -- A correction: the approved verdict it replaces, and why (the reopening's reason).
    corrects_id       BIGINT REFERENCES verdicts (id),
    correction_reason TEXT,
    approved_by       BIGINT REFERENCES users (id),
    approved_at       TIMESTAMPTZ,
    CHECK ((approved_by IS NULL) = (approved_at IS NULL)),
    CHECK (correction_reason IS NULL OR corrects_id IS NOT NULL)
);
CREATE INDEX verdicts_claim_idx ON verdicts (claim_id, id);

-- A verdict is written once. The only later change is its approval, and only once: the two
-- approval columns go from empty to set. Everything else, and any later change, is refused.
CREATE FUNCTION verdicts_approve_once() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.approved_at IS NULL AND NEW.approved_at IS NOT NULL
           AND (NEW.id, NEW.claim_id, NEW.verdict, NEW.rating, NEW.label, NEW.rationale,
                NEW.author_id, NEW.created_at, NEW.evidence_ids, NEW.corrects_id,
                NEW.correction_reason)
               IS NOT DISTINCT FROM
               (OLD.id, OLD.claim_id, OLD.verdict, OLD.rating, OLD.label, OLD.rationale,
                OLD.author_id, OLD.created_at, OLD.evidence_ids, OLD.corrects_id,
                OLD.correction_reason)
        THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'verdicts are append-only; only a first approval may be recorded'
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER verdicts_append_only
    BEFORE UPDATE OR DELETE ON verdicts
    FOR EACH ROW EXECUTE FUNCTION verdicts_approve_once();
CREATE TRIGGER verdicts_no_truncate
    BEFORE TRUNCATE ON verdicts
    FOR EACH STATEMENT EXECUTE FUNCTION verdicts_approve_once();

ALTER TABLE claims ADD COLUMN verdict_id BIGINT REFERENCES verdicts (id);

-- Backfill: every verdict stored so far becomes the claim's first (and current) version,
-- citing the evidence not retracted now. Verdicts that contradict the scale are copied as
-- they are; the queue's "contradicts the scale" filter finds them for an editor to decide.
INSERT INTO verdicts (claim_id, verdict, rating, label, rationale, author_id, created_at,
                      evidence_ids, approved_by, approved_at)
SELECT c.id, c.verdict, c.rating, c.label, c.rationale, c.verdict_by,
       coalesce(c.verdict_at, c.updated_at),
       coalesce((SELECT array_agg(e.id ORDER BY e.id) FROM evidence e
                 WHERE e.claim_id = c.id AND e.retracted_at IS NULL), '{}'),
       CASE WHEN c.approved_at IS NOT NULL THEN c.approved_by END,
       CASE WHEN c.approved_by IS NOT NULL THEN c.approved_at END
FROM claims c
WHERE c.verdict IS NOT NULL
ORDER BY c.id;

UPDATE claims c SET verdict_id = v.id FROM verdicts v WHERE v.claim_id = c.id;
