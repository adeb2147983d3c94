-- Late holders of corporate actions (issue 17, item 2): an owner applies an action to a
-- portfolio the fan-out never reached when a trade executed before the action arrives late. The
-- corporate-action driver finds such applications in the journal (command_id 'ca:<actionId>'
-- recorded lately without a progress row) and lists them in the action's progress; this index
-- keeps that look-up to the recent corporate-action rows.
CREATE INDEX portfolio_events_recent_actions ON portfolio_events (recorded_at)
  WHERE command_id LIKE 'ca:%';
