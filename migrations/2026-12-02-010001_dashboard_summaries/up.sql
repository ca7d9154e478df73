-- The dashboard's summary tables, kept by statement-level triggers over transition tables so
-- that a statement touching many rows updates each counter row once (a per-row trigger
-- updates the same counter row once per claim, which slows a big statement down with the
-- square of its size). The dashboard then reads at most 12 weeks x reviewers rows instead of
-- grouping every claim or every verdict of the window.

-- The Monday (UTC) that starts the week of `at`, as the dashboard numbers its weeks.
CREATE FUNCTION utc_week(at TIMESTAMPTZ) RETURNS DATE
LANGUAGE sql IMMUTABLE AS $$
    SELECT date_trunc('week', at AT TIME ZONE 'UTC')::date
$$;

-- Time to approval is kept as a histogram: whole hours up to a week, whole days up to 90 days,
-- whole weeks after that. The bucket is its lower bound in hours. Medians and percentiles are
-- computed from the buckets, so they are exact to the hour for claims approved within a week.
CREATE FUNCTION approval_bucket(hours FLOAT8) RETURNS INTEGER
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN h < 168 THEN h
        WHEN h < 2160 THEN h / 24 * 24
        ELSE h / 168 * 168
    END
    FROM (SELECT greatest(0, floor(hours))::integer AS h) t
$$;

-- Per week and verdict author. `verdicts`, `unapproved`, `pending` and `corrected` count the
-- verdicts given in the week: all of them, those not approved, those their claim still holds
-- waiting for approval, and those a later verdict corrects. A verdict sent back is one not
-- approved and no longer waiting: `unapproved - pending`. `approvals` counts the author's
-- verdicts approved in the week.
CREATE TABLE verdict_weeks (
    week       DATE   NOT NULL,
    author_id  BIGINT NOT NULL REFERENCES users (id),
    verdicts   BIGINT NOT NULL DEFAULT 0,
    approvals  BIGINT NOT NULL DEFAULT 0,
    unapproved BIGINT NOT NULL DEFAULT 0,
    pending    BIGINT NOT NULL DEFAULT 0,
    corrected  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (week, author_id)
);

-- Approved claims per week of approval, author of the approved verdict (0 when the claim
-- names none) and bucket of hours from extraction to approval.
CREATE TABLE approval_hours (
    week      DATE    NOT NULL,
    author_id BIGINT  NOT NULL,
    hours     INTEGER NOT NULL,
    claims    BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (week, author_id, hours)
);

-- claim_tallies now counts only the claims the desk works on: not merged into another, in an
-- article that is not archived. Deltas may be negative, so the column check goes (an
-- INSERT ... ON CONFLICT checks the proposed row before it finds the conflict).
DROP TRIGGER claims_tally_change ON claims;
DROP TRIGGER claims_tally_insert_delete ON claims;
DROP FUNCTION claims_tally();
ALTER TABLE claim_tallies DROP CONSTRAINT claim_tallies_claims_check;

-- claim_state_counts moves to the statement-level trigger too.
DROP TRIGGER claims_count_state_change ON claims;
DROP TRIGGER claims_count_insert_delete ON claims;
DROP FUNCTION claims_count_states();

-- The changed rows of the statement as one relation with a sign: +1 for the new rows, -1 for
-- the old ones. Transition tables may only be named in the trigger of one event, hence text.
CREATE FUNCTION changed_rows(op TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE op
        WHEN 'INSERT' THEN 'SELECT 1 AS d, n.* FROM new_rows n'
        WHEN 'DELETE' THEN 'SELECT -1 AS d, o.* FROM old_rows o'
        ELSE 'SELECT -1 AS d, o.* FROM old_rows o UNION ALL SELECT 1 AS d, n.* FROM new_rows n'
    END
$$;

CREATE FUNCTION claims_summaries() RETURNS trigger
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

CREATE TRIGGER claims_summaries_insert AFTER INSERT ON claims
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION claims_summaries();
CREATE TRIGGER claims_summaries_update AFTER UPDATE ON claims
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION claims_summaries();
CREATE TRIGGER claims_summaries_delete AFTER DELETE ON claims
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION claims_summaries();

CREATE FUNCTION verdicts_summaries() RETURNS trigger
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

CREATE TRIGGER verdicts_summaries_insert AFTER INSERT ON verdicts
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION verdicts_summaries();
CREATE TRIGGER verdicts_summaries_update AFTER UPDATE ON verdicts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION verdicts_summaries();
CREATE TRIGGER verdicts_summaries_delete AFTER DELETE ON verdicts
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION verdicts_summaries();

-- Archiving an article takes its claims out of the tallies; restoring it puts them back.
CREATE FUNCTION articles_archive_tallies() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO claim_tallies AS t (state, category, step, claims)
    SELECT c.state, c.category, claim_step(c.verdict, c.rating),
           sum(CASE WHEN n.archived_at IS NULL THEN 1 ELSE -1 END)
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    JOIN claims c ON c.article_id = n.id AND c.merged_into IS NULL
    WHERE (o.archived_at IS NULL) <> (n.archived_at IS NULL)
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (state, category, step) DO UPDATE SET claims = t.claims + EXCLUDED.claims;
    RETURN NULL;
END
$$;

CREATE TRIGGER articles_archive_tallies AFTER UPDATE ON articles
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION articles_archive_tallies();

-- Every summary from scratch: used here for the rows that exist, and after a bulk load that
-- ran with the triggers switched off.
CREATE FUNCTION rebuild_summaries() RETURNS void
LANGUAGE sql AS $$
    UPDATE claim_state_counts s SET claims = (SELECT count(*) FROM claims c WHERE c.state = s.state);
    DELETE FROM claim_tallies;
    INSERT INTO claim_tallies (state, category, step, claims)
    SELECT c.state, c.category, claim_step(c.verdict, c.rating), count(*)
    FROM claims c JOIN articles a ON a.id = c.article_id
    WHERE c.merged_into IS NULL AND a.archived_at IS NULL
    GROUP BY 1, 2, 3;
    DELETE FROM approval_hours;
    INSERT INTO approval_hours (week, author_id, hours, claims)
    SELECT utc_week(approved_at), coalesce(verdict_by, 0),
           approval_bucket(extract(epoch FROM approved_at - created_at)::float8 / 3600), count(*)
    FROM claims WHERE approved_at IS NOT NULL GROUP BY 1, 2, 3;
    DELETE FROM verdict_weeks;
    INSERT INTO verdict_weeks (week, author_id, verdicts, approvals, unapproved, pending, corrected)
    SELECT week, author_id, sum(verdicts), sum(approvals), sum(unapproved), sum(pending),
           sum(corrected)
    FROM (
        SELECT utc_week(v.created_at) AS week, v.author_id, 1 AS verdicts, 0 AS approvals,
               (v.approved_at IS NULL)::int AS unapproved,
               EXISTS (SELECT 1 FROM claims c WHERE c.verdict_id = v.id
                       AND c.state IN ('verified', 'disputed', 'unverifiable'))::int AS pending,
               EXISTS (SELECT 1 FROM verdicts k WHERE k.corrects_id = v.id)::int AS corrected
        FROM verdicts v
        UNION ALL
        SELECT utc_week(approved_at), author_id, 0, 1, 0, 0, 0 FROM verdicts
        WHERE approved_at IS NOT NULL
    ) t
    GROUP BY 1, 2;
$$;

SELECT rebuild_summaries();

-- The queue grouped by article: the newest article first, its claims by score.
CREATE INDEX claims_article_score_idx ON claims (article_id DESC, score DESC, id DESC);
