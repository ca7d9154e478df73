-- 2,000 category changes of one claim in one DO block: the cost the claims summary trigger adds
-- to an update that changes a counted column. Run against a database holding at least one
-- claim: psql -d DB -f scripts/trigger_bench.sql
\timing on
DO $$
DECLARE
    c BIGINT;
BEGIN
    SELECT min(id) INTO c FROM claims;
    FOR i IN 1..2000 LOOP
        UPDATE claims
        SET category = CASE WHEN category = 'energy' THEN 'economy'::claim_category
                            ELSE 'energy'::claim_category END
        WHERE id = c;
    END LOOP;
END
$$;
