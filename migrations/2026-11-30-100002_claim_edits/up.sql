-- Claims and articles that reviewers can correct: the claimant's kind, a normalised wording,
-- where a claim came from, merges, archived articles, and the audit of every such change.

CREATE TYPE claimant_kind AS ENUM
    ('person', 'organization', 'publication', 'government_body', 'anonymous_source',
     'document', 'unknown');
CREATE TYPE claim_origin AS ENUM ('extracted', 'manual');

-- `duplicate_of` stays what it was: the extractor's suggestion that two texts look alike.
-- `merged_into` is a reviewer's decision that this claim is the same as another, and makes it
-- follow that claim's verdict; it always points at a claim that is not merged itself.
ALTER TABLE claims
    ADD COLUMN claimant_kind   claimant_kind,
    ADD COLUMN normalized_text TEXT CHECK (length(normalized_text) BETWEEN 1 AND 2000),
    ADD COLUMN origin          claim_origin NOT NULL DEFAULT 'extracted',
    ADD COLUMN merged_into     BIGINT REFERENCES claims (id),
    ADD CONSTRAINT claims_not_merged_into_itself CHECK (merged_into <> id);
CREATE INDEX claims_merged_into_idx ON claims (merged_into) WHERE merged_into IS NOT NULL;

-- New audit event kinds for edits (ADD VALUE may run in a transaction as long as the new
-- values are not used in it).
ALTER TYPE event_kind ADD VALUE 'claim_edited';
ALTER TYPE event_kind ADD VALUE 'claim_added';
ALTER TYPE event_kind ADD VALUE 'claim_merged';
ALTER TYPE event_kind ADD VALUE 'claim_unmerged';
ALTER TYPE event_kind ADD VALUE 'claim_split';

-- What an edit changed: the field and its old and new values as text (NULL when empty).
ALTER TABLE claim_events
    ADD COLUMN field     TEXT,
    ADD COLUMN old_value TEXT,
    ADD COLUMN new_value TEXT,
    ADD CONSTRAINT claim_events_change_has_field
        CHECK (field IS NOT NULL OR (old_value IS NULL AND new_value IS NULL));

-- The change lines the hash covers, appended after the note only when there is a change, so
-- every event stored before this migration keeps its hash.
CREATE FUNCTION claim_event_change(field TEXT, old_value TEXT, new_value TEXT) RETURNS BYTEA
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN field IS NULL THEN ''::bytea ELSE convert_to(
        E'\n' || 'field=' || field || E'\n' ||
        'old=' || CASE WHEN old_value IS NULL THEN '-'
                       ELSE octet_length(old_value) || ':' || old_value END || E'\n' ||
        'new=' || CASE WHEN new_value IS NULL THEN '-'
                       ELSE octet_length(new_value) || ':' || new_value END,
        'UTF8') END
$$;

CREATE OR REPLACE FUNCTION claim_events_link() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    previous_seq INTEGER;
    previous_hash BYTEA;
BEGIN
    PERFORM pg_advisory_xact_lock(NEW.claim_id);
    SELECT seq, hash INTO previous_seq, previous_hash
        FROM claim_events WHERE claim_id = NEW.claim_id
        ORDER BY seq DESC LIMIT 1;
    NEW.seq := coalesce(previous_seq, 0) + 1;
    NEW.hash := sha256(
        coalesce(previous_hash,
                 '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
        || claim_event_content(NEW.seq, NEW.id, NEW.claim_id, NEW.actor_id, NEW.kind,
                               NEW.from_state, NEW.to_state, NEW.evidence_id,
                               NEW.created_at, NEW.note)
        || claim_event_change(NEW.field, NEW.old_value, NEW.new_value));
    RETURN NEW;
END
$$;

-- Archived articles are kept, with their claims, but left out of the queue, lists and exports.
ALTER TABLE articles
    ADD COLUMN archived_at TIMESTAMPTZ,
    ADD COLUMN archived_by BIGINT REFERENCES users (id);

-- The append-only audit trail of article edits, archives and restores.
CREATE TABLE article_events (
    id          BIGSERIAL PRIMARY KEY,
    article_id  BIGINT NOT NULL REFERENCES articles (id),
    actor_id    BIGINT NOT NULL REFERENCES users (id),
    kind        TEXT NOT NULL CHECK (kind IN ('edited', 'archived', 'restored')),
    field       TEXT,
    old_value   TEXT,
    new_value   TEXT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((kind = 'edited') = (field IS NOT NULL))
);
CREATE INDEX article_events_article_idx ON article_events (article_id, id);

CREATE FUNCTION article_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'article_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER article_events_no_update_delete
    BEFORE UPDATE OR DELETE ON article_events
    FOR EACH ROW EXECUTE FUNCTION article_events_refuse_change();
CREATE TRIGGER article_events_no_truncate
    BEFORE TRUNCATE ON article_events
    FOR EACH STATEMENT EXECUTE FUNCTION article_events_refuse_change();
