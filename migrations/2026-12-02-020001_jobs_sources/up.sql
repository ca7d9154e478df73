-- Background work in PostgreSQL: sources watched for new articles, the jobs workers run
-- (claimed with FOR UPDATE SKIP LOCKED, leased so a crashed worker's job is taken again), and
-- per-host fetch slots and robots.txt so every process shares one rate limit per site.

CREATE TABLE sources (
    id               BIGSERIAL PRIMARY KEY,
    url              TEXT NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
    name             TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    interval_minutes INTEGER NOT NULL DEFAULT 30 CHECK (interval_minutes BETWEEN 1 AND 10080),
    -- Tag names given to the claims of every article found here.
    tags             TEXT[] NOT NULL DEFAULT '{}',
    enabled          BOOLEAN NOT NULL DEFAULT true,
    -- Conditional GET: what the last answer said, sent back on the next poll.
    etag             TEXT,
    last_modified    TEXT,
    next_poll_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_polled_at   TIMESTAMPTZ,
    last_status      TEXT,
    last_error       TEXT,
    articles         BIGINT NOT NULL DEFAULT 0,
    claims           BIGINT NOT NULL DEFAULT 0,
    errors           BIGINT NOT NULL DEFAULT 0,
    created_by       BIGINT REFERENCES users (id),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX sources_url_key ON sources (url);
CREATE INDEX sources_due_idx ON sources (next_poll_at) WHERE enabled;

CREATE TABLE jobs (
    id           BIGSERIAL PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('import_url', 'poll_source', 'rescore')),
    payload      JSONB NOT NULL DEFAULT '{}',
    state        TEXT NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
    run_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The lease: a running job whose lease ran out belongs to no one and is taken again.
    locked_until TIMESTAMPTZ,
    locked_by    TEXT,
    last_error   TEXT,
    -- What a finished job produced, in words, and the article it imported.
    result       TEXT,
    article_id   BIGINT REFERENCES articles (id),
    source_id    BIGINT REFERENCES sources (id),
    -- Two jobs with one key never exist: an article address is imported once.
    dedupe_key   TEXT,
    created_by   BIGINT REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at   TIMESTAMPTZ,
    finished_at  TIMESTAMPTZ
);
CREATE UNIQUE INDEX jobs_dedupe_key ON jobs (dedupe_key);
-- One poll of a source waiting or running at a time.
CREATE UNIQUE INDEX jobs_one_poll_per_source ON jobs (source_id)
    WHERE kind = 'poll_source' AND state IN ('queued', 'running');
CREATE INDEX jobs_ready_idx ON jobs (run_at) WHERE state = 'queued';
CREATE INDEX jobs_leased_idx ON jobs (locked_until) WHERE state = 'running';
CREATE INDEX jobs_state_idx ON jobs (state, id);
CREATE INDEX jobs_source_idx ON jobs (source_id) WHERE source_id IS NOT NULL;

-- One row per host fetched from: the next moment a fetch may start, and its robots.txt.
CREATE TABLE fetch_hosts (
    host              TEXT PRIMARY KEY,
    next_fetch_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    robots_txt        TEXT,
    robots_fetched_at TIMESTAMPTZ
);
