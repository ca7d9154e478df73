DROP TRIGGER fact_checks_touch ON fact_checks;
DROP FUNCTION fact_checks_touch();
ALTER TABLE fact_checks DROP COLUMN change_xid;
