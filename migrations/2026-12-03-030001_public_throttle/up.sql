-- The public pages' per-address request counters, apart from the sign-in counters: they are
-- written on every public request, and each request also deletes a few counters whose minute
-- is over, so the table holds about one row per address seen in the last minute.
-- UNLOGGED: a crash that empties it only forgives the current minute's counts.
CREATE UNLOGGED TABLE public_throttle (
    address           TEXT PRIMARY KEY,
    requests          INTEGER NOT NULL CHECK (requests > 0),
    window_started_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX public_throttle_window_idx ON public_throttle (window_started_at);

-- The counters kept among the sign-in ones until now.
DELETE FROM login_throttle WHERE key LIKE 'public:%';
