DROP TABLE claim_embeddings;
DROP TABLE fact_checks;
