-- Accounts: users, browser sessions, API tokens and the login throttle.
-- Everything here lives in PostgreSQL so any number of claimdesk processes can share it.

CREATE TYPE user_role AS ENUM ('reviewer', 'editor', 'admin');

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT NOT NULL CHECK (username ~ '^[A-Za-z0-9_.-]{1,64}$'),
    password_hash TEXT NOT NULL,
    role          user_role NOT NULL,
    -- Users are disabled, never deleted: their names stay on the audit trail.
    disabled_at   TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

CREATE TABLE sessions (
    id           BIGSERIAL PRIMARY KEY,
    -- SHA-256 of the cookie value; the value itself is never stored.
    token_hash   BYTEA NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users (id),
    csrf_token   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           BIGSERIAL PRIMARY KEY,
    token_hash   BYTEA NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users (id),
    label        TEXT NOT NULL DEFAULT '',
    created_by   BIGINT REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX api_tokens_user_id_idx ON api_tokens (user_id);

-- Failed-login counters, one row per account ('user:<name>') and per client address ('ip:<addr>').
CREATE TABLE login_throttle (
    key               TEXT PRIMARY KEY,
    failures          INTEGER NOT NULL DEFAULT 0,
    window_started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    locked_until      TIMESTAMPTZ
);
