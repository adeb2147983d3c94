-- Who owns a portfolio, fenced by an epoch: an owner takes the next epoch before it loads a
-- portfolio, and the journal refuses an append whose owner's epoch is no longer the current one
-- (a node that still believes it owns the portfolio after its partition moved). lease_until is
-- how long the owner that holds the epoch may answer strong reads from memory without asking
-- again; a new owner acknowledges nothing before the previous owner's lease has run out
-- (previous_lease_until: the lease of the epoch before, as the claim that ended it found it).
CREATE TABLE portfolio_owners (
  portfolio_id text PRIMARY KEY,
  epoch bigint NOT NULL,
  lease_until timestamptz NOT NULL,
  previous_lease_until timestamptz
);
