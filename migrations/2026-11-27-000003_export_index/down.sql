DROP INDEX claims_article_id_idx;
