DROP INDEX claims_article_score_idx;
DROP TRIGGER articles_archive_tallies ON articles;
DROP FUNCTION articles_archive_tallies();
DROP TRIGGER verdicts_summaries_delete ON verdicts;
DROP TRIGGER verdicts_summaries_update ON verdicts;
DROP TRIGGER verdicts_summaries_insert ON verdicts;
DROP FUNCTION verdicts_summaries();
DROP TRIGGER claims_summaries_delete ON claims;
DROP TRIGGER claims_summaries_update ON claims;
DROP TRIGGER claims_summaries_insert ON claims;
DROP FUNCTION claims_summaries();
DROP FUNCTION rebuild_summaries();
DROP FUNCTION changed_rows(TEXT);
DROP TABLE approval_hours;
DROP TABLE verdict_weeks;
DROP FUNCTION approval_bucket(FLOAT8);
DROP FUNCTION utc_week(TIMESTAMPTZ);

CREATE FUNCTION claims_count_states() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE claim_state_counts SET claims = claims + 1 WHERE state = NEW.state;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE claim_state_counts SET claims = claims - 1 WHERE state = OLD.state;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER claims_count_insert_delete
    AFTER INSERT OR DELETE ON claims
    FOR EACH ROW EXECUTE FUNCTION claims_count_states();
CREATE TRIGGER claims_count_state_change
    AFTER UPDATE OF state ON claims
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION claims_count_states();

DELETE FROM claim_tallies;
INSERT INTO claim_tallies (state, category, step, claims)
SELECT state, category, claim_step(verdict, rating), count(*) FROM claims GROUP BY 1, 2, 3;
ALTER TABLE claim_tallies ADD CONSTRAINT claim_tallies_claims_check CHECK (claims >= 0);
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
