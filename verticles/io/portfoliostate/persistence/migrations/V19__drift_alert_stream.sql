-- Drift alerts go to the portfolio-alerts topic too (issue 14). The drift_alerts table is their
-- outbox, read exactly as the journal is for portfolio-changes (V5): in (tx, seq) order over
-- finished transactions only, because seq, like global_seq, is drawn at INSERT and a row with a
-- smaller seq can commit after a larger one (two nodes raise alerts concurrently). That order
-- never changes once read, so the n-th drift alert always has sequence id n on its producer.
--
-- Rows stored before this migration all get its transaction id: they were never published, and
-- are published once, in seq order, by the first leader after the upgrade.
ALTER TABLE drift_alerts ADD COLUMN tx xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX drift_alerts_stream ON drift_alerts (tx, seq);

-- Which portfolios have (or had) targets: each node's drift monitor looks them up now and then,
-- to watch the ones it owns that no command or read has loaded since a restart or a move.
CREATE INDEX portfolio_events_targets ON portfolio_events (portfolio_id) WHERE type = 'TargetsSet';
