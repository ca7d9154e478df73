-- Each fact-check remembers the transaction that last wrote it, so a process holding an
-- in-memory index of embeddings can load exactly the rows changed since its last look:
-- every transaction below the snapshot's xmin has finished, the rest are looked at again.
ALTER TABLE fact_checks ADD COLUMN change_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX fact_checks_change_xid_idx ON fact_checks (change_xid);

CREATE FUNCTION fact_checks_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_xid := pg_current_xact_id();
    RETURN NEW;
END
$$;
CREATE TRIGGER fact_checks_touch BEFORE UPDATE ON fact_checks
    FOR EACH ROW EXECUTE FUNCTION fact_checks_touch();
