-- Who holds (or held) an instrument: the portfolios a corporate action is sent to. Written by
-- the journal writer in the same transaction as the trades, so a committed trade always has
-- its row. Never deleted: a holder that went flat is asked anyway and records nothing to apply.
CREATE TABLE holdings (
  instrument_id text NOT NULL,
  portfolio_id  text NOT NULL,
  PRIMARY KEY (instrument_id, portfolio_id)
);
INSERT INTO holdings (instrument_id, portfolio_id)
  SELECT DISTINCT payload->>'instrumentId', portfolio_id FROM portfolio_events WHERE type = 'TradeRecorded'
  ON CONFLICT DO NOTHING;

-- Corporate actions as posted (API.md), and the progress of each per portfolio. The action's
-- content is its JSON; the lease says which node drives its fan-out, until when.
CREATE TABLE corporate_actions (
  action_id     text        PRIMARY KEY,
  instrument_id text        NOT NULL,
  content       jsonb       NOT NULL,
  effective_at  timestamptz NOT NULL,
  status        text        NOT NULL,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  driver        text,
  lease_until   timestamptz
);
CREATE INDEX corporate_actions_unfinished ON corporate_actions (effective_at) WHERE status <> 'DONE';

CREATE TABLE corporate_action_portfolios (
  action_id    text        NOT NULL REFERENCES corporate_actions (action_id),
  portfolio_id text        NOT NULL,
  status       text        NOT NULL,
  version      bigint,
  detail       text,
  retrying     boolean     NOT NULL DEFAULT false,
  updated_at   timestamptz NOT NULL,
  PRIMARY KEY (action_id, portfolio_id)
);
