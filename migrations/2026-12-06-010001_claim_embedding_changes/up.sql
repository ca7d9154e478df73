-- Each claim embedding remembers the transaction that last wrote it, so a worker holding an
-- in-memory index of claim embeddings (for duplicates across articles) loads exactly the rows
-- changed since its last look, as the fact-check index does.
ALTER TABLE claim_embeddings ADD COLUMN change_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX claim_embeddings_change_xid_idx ON claim_embeddings (change_xid);

CREATE TRIGGER claim_embeddings_touch BEFORE UPDATE ON claim_embeddings
    FOR EACH ROW EXECUTE FUNCTION fact_checks_touch();
