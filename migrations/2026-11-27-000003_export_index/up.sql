-- Exports read claims in (article_id, id) order, in keyset batches.
CREATE INDEX claims_article_id_idx ON claims (article_id, id);
