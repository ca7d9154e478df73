ALTER TABLE claims DROP COLUMN verdict_id;
DROP TABLE verdicts;
DROP FUNCTION verdicts_approve_once();
