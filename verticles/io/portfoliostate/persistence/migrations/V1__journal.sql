-- The catalog of portfolios: what GET /api/v1/portfolios lists. Written in the same
-- transaction as the journal events that create or change a portfolio.
CREATE TABLE portfolios (
  id            text        PRIMARY KEY,
  name          text        NOT NULL,
  base_currency text        NOT NULL,
  parent_id     text,
  cost_method   text        NOT NULL,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL
);
CREATE INDEX portfolios_parent ON portfolios (parent_id) WHERE parent_id IS NOT NULL;

-- The journal, system of record. (portfolio_id, seq) is the fence of the single-writer rule:
-- an owner that tries to write a sequence number someone else wrote inserts nothing and knows
-- it is stale. command_id (tradeId/flowId/conversionId, prefixed by kind) is unique per
-- portfolio: the database-backed idempotency check.
CREATE TABLE portfolio_events (
  portfolio_id text        NOT NULL,
  seq          bigint      NOT NULL,
  global_seq   bigint      GENERATED ALWAYS AS IDENTITY (CACHE 1000),
  type         text        NOT NULL,
  command_id   text,
  command_hash bigint,
  payload      jsonb       NOT NULL,
  recorded_at  timestamptz NOT NULL,
  PRIMARY KEY (portfolio_id, seq)
);
CREATE UNIQUE INDEX portfolio_events_global_seq ON portfolio_events (global_seq);
CREATE UNIQUE INDEX portfolio_events_command ON portfolio_events (portfolio_id, command_id)
  WHERE command_id IS NOT NULL;

-- Snapshots of a portfolio's full state every N events (and at shutdown). All are kept: the
-- state at an old version loads from the nearest snapshot below it.
CREATE TABLE portfolio_snapshots (
  portfolio_id text        NOT NULL,
  seq          bigint      NOT NULL,
  state        jsonb       NOT NULL,
  taken_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (portfolio_id, seq)
);
