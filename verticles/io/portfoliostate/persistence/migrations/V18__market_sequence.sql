-- Prices and FX rates get an order of their own, for the analytics store (issue 16): a reader
-- of the series will be able to ask for "at least this price" as minSeq asks for "at least this
-- change" (docs/analytics.md, What is not there yet). As for drift alerts (V17), market_seq is
-- drawn at INSERT and a row with a smaller one can commit after a larger one, so the order to
-- read them in is (tx, market_seq) over finished transactions, as the journal is read (V5).
-- A correction (a second price for the same instrument and time, which replaces the first)
-- draws both again in MarketDataStore's upsert: it is news to every reader of the order.
--
-- Rows stored before this migration get distinct numbers and the migration's transaction id.
CREATE SEQUENCE market_seq;
ALTER TABLE prices ADD COLUMN market_seq bigint NOT NULL DEFAULT nextval('market_seq'),
  ADD COLUMN tx xid8 NOT NULL DEFAULT pg_current_xact_id();
ALTER TABLE fx_rates ADD COLUMN market_seq bigint NOT NULL DEFAULT nextval('market_seq'),
  ADD COLUMN tx xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX prices_stream ON prices (tx, market_seq);
CREATE INDEX fx_rates_stream ON fx_rates (tx, market_seq);

-- What a node that was down missed (MarketRecords, at its start): was a scan of both tables.
CREATE INDEX prices_recorded ON prices (recorded_at);
CREATE INDEX fx_rates_recorded ON fx_rates (recorded_at);
