DROP TABLE claim_matches;
DROP TABLE claim_embeddings;
DROP TABLE fact_checks;
