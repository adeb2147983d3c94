-- The alerts an event raised (negative cash, a new short), as the JSON array the owner wrote
-- with the event in the same INSERT. The journal is the outbox of the alerts topic as it is of
-- the changes topic. NULL for almost every event; adding a nullable column rewrites nothing.
ALTER TABLE portfolio_events ADD COLUMN alerts json;

-- The alerts stream follows the changes stream's order, so its place is kept in the same
-- cursor row: the sequence id of the last alert published up to the cursor's change.
ALTER TABLE stream_cursors ADD COLUMN alert_sequence_id bigint NOT NULL DEFAULT 0;
