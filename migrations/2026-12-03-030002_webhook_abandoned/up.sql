-- A delivery to an endpoint that stays disabled is not kept waiting for ever: past an age
-- (--webhook-abandon-after) it is marked abandoned, and the log says so. Redeliver still works.
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_status_check;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_status_check
    CHECK (status IN ('pending', 'delivered', 'failed', 'abandoned'));
