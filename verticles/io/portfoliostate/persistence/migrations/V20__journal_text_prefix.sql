-- A portfolio's journal text up to a sequence number, kept once (docs/performance.md, "The
-- journal's prefix"): the journal is append-only, so the text of its events 1..through_seq never
-- changes, and a performance read's first read of a long journal is this one row plus the events
-- after through_seq instead of thousands of rows spread over pages shared with other portfolios.
--
-- text is the performance read's kept form of the journal (form 1: `type TAB payload` lines in
-- journal order, each trade's restated positions an empty object), UTF-8 as bytea: the node
-- decodes it once (a text column is decoded twice by the PostgreSQL client). It covers events
-- 1..through_seq without a gap (event_count = through_seq). Written only by the node's
-- background job (JournalPrefixVerticle), never in the commit path; one upsert per extension,
-- which never moves through_seq backwards within a form, so a half-written prefix is never
-- visible and several nodes may run the job at once. A row of an older form is replaced by
-- the next extension and ignored by reads meanwhile. Deleting rows is always safe: reads fall
-- back to the journal.
CREATE TABLE journal_text_prefix (
  portfolio_id text        PRIMARY KEY,
  form         smallint    NOT NULL,
  through_seq  bigint      NOT NULL,
  event_count  integer     NOT NULL,
  text         bytea       NOT NULL,
  written_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (event_count = through_seq)
);
