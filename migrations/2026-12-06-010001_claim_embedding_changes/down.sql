DROP TRIGGER claim_embeddings_touch ON claim_embeddings;
DROP INDEX claim_embeddings_change_xid_idx;
ALTER TABLE claim_embeddings DROP COLUMN change_xid;
