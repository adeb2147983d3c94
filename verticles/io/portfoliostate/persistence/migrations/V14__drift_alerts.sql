-- Drift alerts (issue 14): DRIFT_BREACHED / DRIFT_RECOVERED of a portfolio's weight lines. They
-- are not in the journal of events: they follow prices, not commands, so they are no version of
-- the portfolio (a replay of its events must not depend on when prices ticked). One row per
-- alert; the n-th alert of a line is unique, which is what makes an alert raised once even when
-- two nodes evaluate the same portfolio around an ownership move: the second INSERT finds the
-- row and raises nothing. The last row of a line says whether it is breached now (hysteresis
-- state that survives restarts and moves).
CREATE TABLE drift_alerts (
  seq bigserial PRIMARY KEY,
  portfolio_id text NOT NULL,
  line_key text NOT NULL,
  n integer NOT NULL,
  type text NOT NULL,
  alert json NOT NULL,
  raised_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (portfolio_id, line_key, n)
);
