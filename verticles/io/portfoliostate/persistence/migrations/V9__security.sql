-- Who may use the service (issue "security"): API keys, grants on portfolio subtrees, and the
-- audit trail of every change to them.

-- An API key is stored only as the SHA-256 of its text (psk_<key_id>_<secret>); the text is
-- shown once, to its creator. A key is usable while not revoked and not past expires_at.
CREATE TABLE api_keys (
  key_id     text        PRIMARY KEY,
  key_hash   text        NOT NULL UNIQUE,
  name       text        NOT NULL,
  owner      text        NOT NULL,
  roles      text[]      NOT NULL,
  created_by text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  revoked_at timestamptz
);

-- A grantee (a token subject, a group claim value, or an API key id) holds a role on a
-- portfolio and every descendant. One grant per grantee and portfolio: granting again
-- replaces the role.
CREATE TABLE grants (
  grant_id     text        PRIMARY KEY,
  grantee_type text        NOT NULL CHECK (grantee_type IN ('SUBJECT', 'GROUP', 'API_KEY')),
  grantee      text        NOT NULL,
  role         text        NOT NULL CHECK (role IN ('read', 'trade', 'admin')),
  portfolio_id text        NOT NULL,
  created_by   text        NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (grantee_type, grantee, portfolio_id)
);

-- One row, bumped in the transaction of every key or grant change. The row lock orders the
-- changes, so the version each node polls grows in commit order: a node that has read version
-- N has seen every change up to N (an identity column would not promise that).
CREATE TABLE security_version (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version   bigint  NOT NULL
);
INSERT INTO security_version VALUES (true, 0);

-- The audit trail of keys and grants: who changed what, when, through which request.
CREATE TABLE security_audit (
  version    bigint      PRIMARY KEY,
  action     text        NOT NULL,
  target     text        NOT NULL,
  actor      text        NOT NULL,
  request_id text,
  detail     jsonb       NOT NULL,
  at         timestamptz NOT NULL DEFAULT now()
);
