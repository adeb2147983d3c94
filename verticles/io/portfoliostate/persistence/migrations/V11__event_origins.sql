-- Audit (issue 12): every journaled event records who caused it and through which channel
-- ({"principal", "channel", "requestId"?, "topic"?, "messageId"?, "producer"?, "actionId"?}).
-- Nullable, without a default: adding it rewrites nothing, and the events journaled before this
-- version keep null (nobody recorded who caused them).
ALTER TABLE portfolio_events ADD COLUMN origin jsonb;

-- Who posted a corporate action, and in which request: the origin of the events its fan-out
-- (and a late trade that applies it on the way) journals. Null for actions posted before.
ALTER TABLE corporate_actions ADD COLUMN created_by text;
ALTER TABLE corporate_actions ADD COLUMN request_id text;
