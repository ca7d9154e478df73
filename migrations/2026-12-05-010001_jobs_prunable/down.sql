DROP INDEX jobs_prunable;
