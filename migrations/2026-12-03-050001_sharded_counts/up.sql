-- The summary counts without a hot row. Every transition added to and took from the same few
-- count rows (one per state, one per tally cell, one per week and reviewer), so concurrent
-- transitions queued on those rows' locks however many connections there were. Each count
-- is now spread over 16 shard rows: a transaction writes only to the shard its transaction
-- id picks, so concurrent transactions mostly touch different rows, and the old names are
-- views that sum the shards (a few hundred rows at most: still a read of microseconds).
-- A shard may go negative (a claim counted in one shard leaves from another); only the sums
-- mean anything, which is why the non-negative checks go.

-- Which shard the current transaction writes to: consecutive transactions take consecutive
-- shards, so the ones running at the same moment rarely share one.
CREATE FUNCTION count_shard() RETURNS SMALLINT
LANGUAGE sql VOLATILE AS $$
    SELECT (pg_current_xact_id()::text::bigint % 16)::smallint
$$;

ALTER TABLE claim_state_counts RENAME TO claim_state_count_shards;
ALTER TABLE claim_state_count_shards
    DROP CONSTRAINT claim_state_counts_pkey,
    DROP CONSTRAINT claim_state_counts_claims_check,
    ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0 CHECK (shard BETWEEN 0 AND 15),
    ADD CONSTRAINT claim_state_count_shards_pkey PRIMARY KEY (state, shard);

ALTER TABLE claim_tallies RENAME TO claim_tally_shards;
ALTER TABLE claim_tally_shards
    DROP CONSTRAINT claim_tallies_pkey,
    ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0 CHECK (shard BETWEEN 0 AND 15),
    ADD CONSTRAINT claim_tally_shards_pkey PRIMARY KEY (state, category, step, shard);

ALTER TABLE verdict_weeks RENAME TO verdict_week_shards;
ALTER TABLE verdict_week_shards
    DROP CONSTRAINT verdict_weeks_pkey,
    ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0 CHECK (shard BETWEEN 0 AND 15),
    ADD CONSTRAINT verdict_week_shards_pkey PRIMARY KEY (week, author_id, shard);

ALTER TABLE approval_hours RENAME TO approval_hour_shards;
ALTER TABLE approval_hour_shards
    DROP CONSTRAINT approval_hours_pkey,
    ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0 CHECK (shard BETWEEN 0 AND 15),
    ADD CONSTRAINT approval_hour_shards_pkey PRIMARY KEY (week, author_id, hours, shard);

-- The readers keep their names and columns.
CREATE VIEW claim_state_counts AS
    SELECT state, sum(claims)::bigint AS claims FROM claim_state_count_shards GROUP BY state;
CREATE VIEW claim_tallies AS
    SELECT state, category, step, sum(claims)::bigint AS claims
    FROM claim_tally_shards GROUP BY state, category, step;
CREATE VIEW verdict_weeks AS
    SELECT week, author_id, sum(verdicts)::bigint AS verdicts,
           sum(approvals)::bigint AS approvals, sum(unapproved)::bigint AS unapproved,
           sum(pending)::bigint AS pending, sum(corrected)::bigint AS corrected
    FROM verdict_week_shards GROUP BY week, author_id;
CREATE VIEW approval_hours AS
    SELECT week, author_id, hours, sum(claims)::bigint AS claims
    FROM approval_hour_shards GROUP BY week, author_id, hours;

-- The same arithmetic as before, each statement writing to this transaction's shard; the
-- rows go in key order so two transactions on one shard lock them in the same order.
CREATE OR REPLACE FUNCTION apply_claim_changes(olds claims[], news claims[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    this_shard SMALLINT := count_shard();
BEGIN
    WITH ch AS (SELECT -1 AS d, o.* FROM unnest(olds) o UNION ALL SELECT 1, n.* FROM unnest(news) n)
    INSERT INTO claim_state_count_shards AS c (state, shard, claims)
    SELECT state, this_shard, sum(d) FROM ch GROUP BY state HAVING sum(d) <> 0 ORDER BY state
    ON CONFLICT (state, shard) DO UPDATE SET claims = c.claims + EXCLUDED.claims;
    -- The articles are read with a share lock: archiving waits for this transaction, and this
    -- one sees an archiving that committed first, so each claim is added or taken away once.
    WITH ch AS (SELECT -1 AS d, o.* FROM unnest(olds) o UNION ALL SELECT 1, n.* FROM unnest(news) n),
    d AS (SELECT article_id, state, category, claim_step(verdict, rating) AS step, sum(d) AS n
          FROM ch WHERE merged_into IS NULL
          GROUP BY 1, 2, 3, 4 HAVING sum(d) <> 0),
    live AS (SELECT id FROM articles
             WHERE id IN (SELECT article_id FROM d) AND archived_at IS NULL
             ORDER BY id FOR SHARE)
    INSERT INTO claim_tally_shards AS t (state, category, step, shard, claims)
    SELECT state, category, step, this_shard, sum(n) FROM d
    WHERE article_id IN (SELECT id FROM live)
    GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (state, category, step, shard) DO UPDATE SET claims = t.claims + EXCLUDED.claims;
    WITH ch AS (SELECT -1 AS d, o.* FROM unnest(olds) o UNION ALL SELECT 1, n.* FROM unnest(news) n),
    d AS (SELECT utc_week(approved_at) AS week, coalesce(verdict_by, 0) AS author_id,
                 approval_bucket(extract(epoch FROM approved_at - created_at)::float8 / 3600)
                     AS hours,
                 sum(d) AS n
          FROM ch WHERE approved_at IS NOT NULL
          GROUP BY 1, 2, 3 HAVING sum(d) <> 0)
    INSERT INTO approval_hour_shards AS a (week, author_id, hours, shard, claims)
    SELECT week, author_id, hours, this_shard, n FROM d ORDER BY 1, 2, 3
    ON CONFLICT (week, author_id, hours, shard) DO UPDATE SET claims = a.claims + EXCLUDED.claims;
    WITH ch AS (SELECT -1 AS d, o.* FROM unnest(olds) o UNION ALL SELECT 1, n.* FROM unnest(news) n),
    d AS (SELECT verdict_id, sum(d) AS n FROM ch
          WHERE verdict_id IS NOT NULL AND state IN ('verified', 'disputed', 'unverifiable')
          GROUP BY 1 HAVING sum(d) <> 0)
    INSERT INTO verdict_week_shards AS w (week, author_id, shard, pending)
    SELECT utc_week(v.created_at), v.author_id, this_shard, sum(d.n)
    FROM d JOIN verdicts v ON v.id = d.verdict_id
    GROUP BY 1, 2 HAVING sum(d.n) <> 0 ORDER BY 1, 2
    ON CONFLICT (week, author_id, shard) DO UPDATE SET pending = w.pending + EXCLUDED.pending;
END
$$;

CREATE OR REPLACE FUNCTION apply_verdict_changes(olds verdicts[], news verdicts[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    this_shard SMALLINT := count_shard();
BEGIN
    -- A verdict counts as corrected once any later verdict names it (a correction sent back
    -- and given again names the same one): compare, for each verdict named, whether one
    -- names it now and whether one did before this statement.
    WITH ch AS (SELECT -1 AS d, o.* FROM unnest(olds) o UNION ALL SELECT 1, n.* FROM unnest(news) n),
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
    INSERT INTO verdict_week_shards AS w
        (week, author_id, shard, verdicts, approvals, unapproved, corrected)
    SELECT week, author_id, this_shard, sum(verdicts), sum(approvals), sum(unapproved),
           sum(corrected)
    FROM parts GROUP BY 1, 2
    HAVING sum(verdicts) <> 0 OR sum(approvals) <> 0 OR sum(unapproved) <> 0
        OR sum(corrected) <> 0
    ORDER BY 1, 2
    ON CONFLICT (week, author_id, shard) DO UPDATE SET
        verdicts = w.verdicts + EXCLUDED.verdicts,
        approvals = w.approvals + EXCLUDED.approvals,
        unapproved = w.unapproved + EXCLUDED.unapproved,
        corrected = w.corrected + EXCLUDED.corrected;
END
$$;

CREATE OR REPLACE FUNCTION articles_archive_tallies() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO claim_tally_shards AS t (state, category, step, shard, claims)
    SELECT c.state, c.category, claim_step(c.verdict, c.rating), count_shard(),
           sum(CASE WHEN n.archived_at IS NULL THEN 1 ELSE -1 END)
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    JOIN claims c ON c.article_id = n.id AND c.merged_into IS NULL
    WHERE (o.archived_at IS NULL) <> (n.archived_at IS NULL)
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (state, category, step, shard) DO UPDATE SET claims = t.claims + EXCLUDED.claims;
    RETURN NULL;
END
$$;

-- Every summary from scratch into shard 0 (the other shards emptied): after a bulk load that
-- ran with the triggers switched off, or to check the kept numbers.
CREATE OR REPLACE FUNCTION rebuild_summaries() RETURNS void
LANGUAGE sql AS $$
    DELETE FROM claim_state_count_shards;
    INSERT INTO claim_state_count_shards (state, shard, claims)
    SELECT s, 0, (SELECT count(*) FROM claims c WHERE c.state = s)
    FROM unnest(enum_range(NULL::review_state)) AS s;
    DELETE FROM claim_tally_shards;
    INSERT INTO claim_tally_shards (state, category, step, shard, claims)
    SELECT c.state, c.category, claim_step(c.verdict, c.rating), 0, count(*)
    FROM claims c JOIN articles a ON a.id = c.article_id
    WHERE c.merged_into IS NULL AND a.archived_at IS NULL
    GROUP BY 1, 2, 3;
    DELETE FROM approval_hour_shards;
    INSERT INTO approval_hour_shards (week, author_id, hours, shard, claims)
    SELECT utc_week(approved_at), coalesce(verdict_by, 0),
           approval_bucket(extract(epoch FROM approved_at - created_at)::float8 / 3600), 0,
           count(*)
    FROM claims WHERE approved_at IS NOT NULL GROUP BY 1, 2, 3;
    DELETE FROM verdict_week_shards;
    INSERT INTO verdict_week_shards
        (week, author_id, shard, verdicts, approvals, unapproved, pending, corrected)
    SELECT week, author_id, 0, sum(verdicts), sum(approvals), sum(unapproved), sum(pending),
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
