-- The journal is the outbox of the portfolio-changes stream (issue 5). A publisher follows it in
-- an order that never lets a late commit slip behind its cursor:
--
-- global_seq is drawn when a row is inserted, not when it commits, and each connection caches a
-- block of 1000 values, so a row with a smaller global_seq can become visible after a larger
-- one. Following global_seq alone would skip it. Instead every row records the id of the
-- transaction that wrote it; the publisher reads only transactions below the xmin of a fresh
-- snapshot (all of those have finished, and no new transaction can get an id below it), in
-- (tx, global_seq) order. That order is fixed forever once read, so the n-th message of the
-- stream is always the same change: its position is the Pulsar sequence id.
--
-- Adding the column rewrites the table once: existing rows all get this migration's
-- transaction id, and keep their global_seq order within it.
ALTER TABLE portfolio_events ADD COLUMN tx xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX portfolio_events_stream ON portfolio_events (tx, global_seq);

-- How far each outbound stream got: the last (tx, global_seq) published and acknowledged by
-- the broker, and its sequence id. Saved now and then; the broker's own de-duplication record
-- (the producer's last sequence id) covers what was published after the last save.
CREATE TABLE stream_cursors (
  stream      text        PRIMARY KEY,
  tx          xid8        NOT NULL,
  global_seq  bigint      NOT NULL,
  sequence_id bigint      NOT NULL,
  updated_at  timestamptz NOT NULL
);
