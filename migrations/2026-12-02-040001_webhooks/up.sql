-- Signed webhooks: the endpoints admins register and an outbox of deliveries, each written in
-- the transaction of the event it announces and sent by whichever process claims it first.

CREATE TABLE webhook_endpoints (
    id         BIGSERIAL PRIMARY KEY,
    url        TEXT NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
    -- `whsec_` + base64 of 32 random bytes. Kept as given: deliveries are signed with it, so a
    -- hash would not do; the API and pages show it once, when the endpoint is registered.
    secret     TEXT NOT NULL CHECK (secret LIKE 'whsec\_%'),
    events     TEXT[] NOT NULL CHECK (cardinality(events) > 0 AND events <@ ARRAY[
                   'verdict.approved', 'verdict.corrected', 'claim.created', 'article.imported']),
    enabled    BOOLEAN NOT NULL DEFAULT true,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The outbox: one row per (event, endpoint). A worker claims due rows with FOR UPDATE SKIP
-- LOCKED and sets a lease; a process that dies mid-delivery leaves a lease that runs out, and
-- the row is claimed again. `lease_token` makes sure only the lease holder records the outcome.
CREATE TABLE webhook_deliveries (
    id              BIGSERIAL PRIMARY KEY,
    endpoint_id     BIGINT NOT NULL REFERENCES webhook_endpoints (id),
    -- The `webhook-id` header: the same for a redelivery, so receivers can drop repeats.
    message_id      TEXT NOT NULL,
    event           TEXT NOT NULL CHECK (event IN ('verdict.approved', 'verdict.corrected',
                        'claim.created', 'article.imported', 'webhook.test')),
    -- The exact bytes that are signed and sent.
    body            TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TIMESTAMPTZ NOT NULL,
    lease_until     TIMESTAMPTZ,
    lease_token     TEXT,
    last_attempt_at TIMESTAMPTZ,
    response_code   INTEGER,
    last_error      TEXT,
    delivered_at    TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, id DESC);
