-- Finished jobs past their retention are deleted by the workers' housekeeping; this finds
-- them without reading the imports from sources, which are kept.
CREATE INDEX jobs_prunable ON jobs (finished_at)
    WHERE dedupe_key IS NULL AND state IN ('done', 'failed');
