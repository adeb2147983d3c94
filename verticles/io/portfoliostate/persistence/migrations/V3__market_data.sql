-- Market data (issue 4). Reference data of instruments, and the history of prices and FX
-- rates: every observation is kept, keyed by its observation time, so that an as-of valuation
-- can later find the price that was latest at any moment. Amounts are numeric: exact decimals,
-- never binary floating point (DOMAIN.md, Numbers).

-- One row per instrument, replaced by PUT /api/v1/instruments/{id}. Labels are free text;
-- factors is a JSON object of name -> loading, loadings as decimal strings.
CREATE TABLE instruments (
  id          text        PRIMARY KEY,
  currency    text        NOT NULL,
  asset_class text,
  sector      text,
  country     text,
  factors     json        NOT NULL DEFAULT '{}',
  updated_at  timestamptz NOT NULL
);

-- A price observed at a time. A second price for the same instrument and time is a correction:
-- it replaces the first (recorded_at says when). The primary key also serves "latest price per
-- instrument" (a backward scan of each instrument's entries).
CREATE TABLE prices (
  instrument_id text        NOT NULL,
  at            timestamptz NOT NULL,
  price         numeric     NOT NULL CHECK (price > 0),
  currency      text        NOT NULL,
  recorded_at   timestamptz NOT NULL,
  PRIMARY KEY (instrument_id, at)
);

-- base/quote = rate: 1 base buys rate quote. Same correction rule as prices.
CREATE TABLE fx_rates (
  base        text        NOT NULL,
  quote       text        NOT NULL,
  at          timestamptz NOT NULL,
  rate        numeric     NOT NULL CHECK (rate > 0),
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (base, quote, at),
  CHECK (base <> quote)
);
