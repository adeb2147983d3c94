-- Saved analytics queries (issue 16): named read-only SQL over the analytics views that any
-- caller with analytics access may run; each run sees only the RUNNER's portfolios. Kept in
-- PostgreSQL so that every node serves the same queries. version is the ETag: each update or
-- delete may name the version it read (If-Match) and fails with 412 when someone changed it.
CREATE TABLE saved_queries (
  name        text        PRIMARY KEY,
  description text        NOT NULL DEFAULT '',
  sql         text        NOT NULL,
  parameters  jsonb       NOT NULL DEFAULT '[]',
  author      text        NOT NULL,
  version     bigint      NOT NULL,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);
