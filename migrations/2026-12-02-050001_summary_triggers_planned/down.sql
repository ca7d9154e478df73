-- Back to the summary triggers that run their statements through EXECUTE.
CREATE FUNCTION changed_rows(op TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE op
        WHEN 'INSERT' THEN 'SELECT 1 AS d, n.* FROM new_rows n'
        WHEN 'DELETE' THEN 'SELECT -1 AS d, o.* FROM old_rows o'
        ELSE 'SELECT -1 AS d, o.* FROM old_rows o UNION ALL SELECT 1 AS d, n.* FROM new_rows n'
    END
$$;

CREATE OR REPLACE FUNCTION claims_summaries() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ch TEXT := 'WITH ch AS (' || changed_rows(TG_OP) || ') ';
BEGIN
    -- Every state has its row already.
    EXECUTE ch || '
        UPDATE claim_state_counts c SET claims = c.claims + s.n
        FROM (SELECT state, sum(d) AS n FROM ch GROUP BY state HAVING sum(d) <> 0) s
        WHERE c.state = s.state';
    -- The articles are read with a share lock: archiving waits for this transaction, and this
    -- one sees an archiving that committed first, so each claim is added or taken away once.
    EXECUTE ch || ',
        d AS (SELECT article_id, state, category, claim_step(verdict, rating) AS step, sum(d) AS n
              FROM ch WHERE merged_into IS NULL
              GROUP BY 1, 2, 3, 4 HAVING sum(d) <> 0),
        live AS (SELECT id FROM articles
                 WHERE id IN (SELECT article_id FROM d) AND archived_at IS NULL
                 ORDER BY id FOR SHARE)
        INSERT INTO claim_tallies AS t (state, category, step, claims)
        SELECT state, category, step, sum(n) FROM d WHERE article_id IN (SELECT id FROM live)
        GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (state, category, step) DO UPDATE SET claims = t.claims + EXCLUDED.claims';
    EXECUTE ch || ',
        d AS (SELECT utc_week(approved_at) AS week, coalesce(verdict_by, 0) AS author_id,
                     approval_bucket(extract(epoch FROM approved_at - created_at)::float8 / 3600)
                         AS hours,
                     sum(d) AS n
              FROM ch WHERE approved_at IS NOT NULL
              GROUP BY 1, 2, 3 HAVING sum(d) <> 0)
        INSERT INTO approval_hours AS a (week, author_id, hours, claims)
        SELECT week, author_id, hours, n FROM d ORDER BY 1, 2, 3
        ON CONFLICT (week, author_id, hours) DO UPDATE SET claims = a.claims + EXCLUDED.claims';
    EXECUTE ch || ',
        d AS (SELECT verdict_id, sum(d) AS n FROM ch
              WHERE verdict_id IS NOT NULL AND state IN (''verified'', ''disputed'', ''unverifiable'')
              GROUP BY 1 HAVING sum(d) <> 0)
        INSERT INTO verdict_weeks AS w (week, author_id, pending)
        SELECT utc_week(v.created_at), v.author_id, sum(d.n)
        FROM d JOIN verdicts v ON v.id = d.verdict_id
        GROUP BY 1, 2 HAVING sum(d.n) <> 0 ORDER BY 1, 2
        ON CONFLICT (week, author_id) DO UPDATE SET pending = w.pending + EXCLUDED.pending';
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION verdicts_summaries() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- A verdict counts as corrected once any later verdict names it (a correction sent back
    -- and given again names the same one): compare, for each verdict named, whether one
    -- names it now and whether one did before this statement.
    EXECUTE 'WITH ch AS (' || changed_rows(TG_OP) || '),
        named AS (SELECT DISTINCT corrects_id AS id FROM ch WHERE corrects_id IS NOT NULL),
        before AS (SELECT id, corrects_id FROM verdicts
                   WHERE corrects_id IN (SELECT id FROM named)
                     AND id NOT IN (SELECT id FROM ch WHERE d = 1)
                   UNION ALL
                   SELECT id, corrects_id FROM ch WHERE d = -1 AND corrects_id IS NOT NULL),
        parts AS (
            SELECT utc_week(created_at) AS week, author_id, d AS verdicts, 0 AS approvals,
                   CASE WHEN approved_at IS NULL THEN d ELSE 0 END AS unapproved, 0 AS corrected
            FROM ch
            UNION ALL
            SELECT utc_week(approved_at), author_id, 0, d, 0, 0 FROM ch
            WHERE approved_at IS NOT NULL
            UNION ALL
            SELECT utc_week(v.created_at), v.author_id, 0, 0, 0,
                   EXISTS (SELECT 1 FROM verdicts c WHERE c.corrects_id = n.id)::int
                   - EXISTS (SELECT 1 FROM before b WHERE b.corrects_id = n.id)::int
            FROM named n JOIN verdicts v ON v.id = n.id)
        INSERT INTO verdict_weeks AS w (week, author_id, verdicts, approvals, unapproved, corrected)
        SELECT week, author_id, sum(verdicts), sum(approvals), sum(unapproved), sum(corrected)
        FROM parts GROUP BY 1, 2
        HAVING sum(verdicts) <> 0 OR sum(approvals) <> 0 OR sum(unapproved) <> 0
            OR sum(corrected) <> 0
        ORDER BY 1, 2
        ON CONFLICT (week, author_id) DO UPDATE SET
            verdicts = w.verdicts + EXCLUDED.verdicts,
            approvals = w.approvals + EXCLUDED.approvals,
            unapproved = w.unapproved + EXCLUDED.unapproved,
            corrected = w.corrected + EXCLUDED.corrected';
    RETURN NULL;
END
$$;

DROP FUNCTION apply_verdict_changes(verdicts[], verdicts[]);
DROP FUNCTION apply_claim_changes(claims[], claims[]);
