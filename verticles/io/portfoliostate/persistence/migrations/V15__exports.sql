-- Exports (issue 16). export_jobs: one row per export job started through the API, so that a
-- job outlives the request that started it and any node can say how it is going. The node that
-- runs a job renews lease_until with its progress; a job whose lease ran out while RUNNING (its
-- node died or was restarted) is marked FAILED with a reason by whichever node notices first:
-- jobs are not resumed (a new job is cheap to start; a half-written file is not worth trusting).
CREATE TABLE export_jobs (
  job_id text PRIMARY KEY,
  created_by text NOT NULL,
  dataset text NOT NULL,
  format text NOT NULL,
  request jsonb NOT NULL,
  state text NOT NULL CHECK (state IN ('RUNNING', 'DONE', 'FAILED')),
  node text NOT NULL,
  lease_until timestamptz NOT NULL,
  portfolios_total integer NOT NULL DEFAULT 0,
  portfolios_done integer NOT NULL DEFAULT 0,
  rows_written bigint NOT NULL DEFAULT 0,
  bytes bigint,
  file text,
  failure text,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX export_jobs_running ON export_jobs (created_by) WHERE state = 'RUNNING';

-- export_schedule_runs: the durable claim that makes a scheduled export run once per schedule
-- and date across restarts and nodes. A node claims (schedule, run_date) by inserting the row,
-- or by taking over one whose lease ran out and which is not DONE (its node was killed, or it
-- failed); attempt counts the claims and fences a node that lost its claim: every later update
-- names the attempt it holds. A DONE row is never claimed again.
CREATE TABLE export_schedule_runs (
  schedule text NOT NULL,
  run_date date NOT NULL,
  state text NOT NULL CHECK (state IN ('RUNNING', 'DONE', 'FAILED')),
  node text NOT NULL,
  attempt integer NOT NULL,
  lease_until timestamptz NOT NULL,
  rows_written bigint NOT NULL DEFAULT 0,
  bytes bigint,
  file text,
  failure text,
  claimed_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  PRIMARY KEY (schedule, run_date)
);
