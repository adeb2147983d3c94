-- A grant covers a portfolio's subtree, so who may read a portfolio changes when the tree does.
-- Every node polls security_version and reloads grants, keys and parent links when it moved:
-- these triggers bump it in the transaction that creates a portfolio under a parent or changes
-- a parent (a move, or becoming a root), so a node that has read version N knows every parent
-- link committed up to N. Such versions have no security_audit row: the journal holds the change.
CREATE FUNCTION bump_security_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE security_version SET version = version + 1;
  RETURN NULL;
END;
$$;

CREATE TRIGGER portfolios_created_under_parent AFTER INSERT ON portfolios
  FOR EACH ROW WHEN (NEW.parent_id IS NOT NULL) EXECUTE FUNCTION bump_security_version();

CREATE TRIGGER portfolios_parent_changed AFTER UPDATE OF parent_id ON portfolios
  FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id) EXECUTE FUNCTION bump_security_version();
