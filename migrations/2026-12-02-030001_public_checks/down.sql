DROP INDEX claims_published_idx;
