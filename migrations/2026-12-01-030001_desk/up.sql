-- The team's desk: who a claim is assigned to since when, free-form tags with a colour, and
-- the audit event kinds for assignments and tags.

-- When the current assignee got the claim (took it, or had it assigned); NULL with no assignee.
ALTER TABLE claims ADD COLUMN assigned_at TIMESTAMPTZ;
UPDATE claims SET assigned_at = updated_at WHERE assignee_id IS NOT NULL;
ALTER TABLE claims ADD CONSTRAINT claims_assigned_at_with_assignee
    CHECK ((assignee_id IS NULL) = (assigned_at IS NULL));
-- "Stale" (in review, no change for N days) and "last change" sorting.
CREATE INDEX claims_updated_at_idx ON claims (updated_at DESC, id DESC);

-- Tags, managed by editors. The colour is a #rrggbb hex value; the name is always shown with
-- it, so the colour is never the only signal. Names are unique whatever their case.
CREATE TABLE tags (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 60 AND name !~ '[,\r\n]'),
    colour      TEXT NOT NULL CHECK (colour ~ '^#[0-9a-f]{6}$'),
    created_by  BIGINT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX tags_name_key ON tags (lower(name));

-- A tag on a claim; adding and removing one is also a claim event.
CREATE TABLE claim_tags (
    claim_id  BIGINT NOT NULL REFERENCES claims (id),
    tag_id    BIGINT NOT NULL REFERENCES tags (id),
    added_by  BIGINT NOT NULL REFERENCES users (id),
    added_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (claim_id, tag_id)
);
CREATE INDEX claim_tags_tag_idx ON claim_tags (tag_id, claim_id);

-- ADD VALUE may run in a transaction as long as the new values are not used in it.
ALTER TYPE event_kind ADD VALUE 'assigned';
ALTER TYPE event_kind ADD VALUE 'tagged';
ALTER TYPE event_kind ADD VALUE 'untagged';

-- An assignment records the move it makes (a waiting claim goes into review), so its event
-- carries the states like a transition does. The kind is compared as text: the new enum value
-- cannot be named in the transaction that adds it.
ALTER TABLE claim_events DROP CONSTRAINT claim_events_check;
ALTER TABLE claim_events ADD CONSTRAINT claim_events_states_only_for_moves
    CHECK (kind::text IN ('transition', 'assigned') OR to_state IS NULL);
ALTER TABLE claim_events ADD CONSTRAINT claim_events_transition_has_state
    CHECK (kind::text <> 'transition' OR to_state IS NOT NULL);
