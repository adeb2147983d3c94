-- Per-portfolio settings (issue 12). The journal is the system of record: a portfolio's own
-- settings are carried by its PortfolioCreated and PortfolioUpdated events. The catalog mirrors
-- them, written in the same transaction, so that what a portfolio inherits from its ancestors
-- is resolved by one recursive query up the parent links at read time. Only own values are
-- stored: {"benchmarkInstrumentId": "SPY", "riskFreeRate": "0.03",
-- "alertThresholds": {"maxDrawdown": "0.1"}}; a portfolio without own settings has {}.
ALTER TABLE portfolios ADD COLUMN settings jsonb NOT NULL DEFAULT '{}';
