-- The chain trigger finds a claim's last event with `ORDER BY seq DESC LIMIT 1`. PL/pgSQL caches
-- that plan per connection; a plan made while claim_events was small (a new database, or before
-- the first ANALYZE) scans the whole table, and keeps doing so on every insert as the table
-- grows until statistics are refreshed: a 10,000-claim bulk action on a new database took 12 s
-- instead of 4. The lookup is only ever right as a probe of claim_events_chain_idx, so the
-- function plans without sequential scans whatever the statistics say.
ALTER FUNCTION claim_events_link() SET enable_seqscan = off;
