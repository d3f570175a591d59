-- A least-privilege database role for the isindex service (DATABASE_URL of `isindex
-- serve` and `isindex worker`). It owns nothing: the tables belong to the role that runs
-- `isindex migrate`. It may add audit events and read them, never change or remove them.
--
-- Run as that owner, in the isindex database, after `isindex migrate` (and again after
-- each upgrade that adds tables):
--     psql "$OWNER_DATABASE_URL" -v ON_ERROR_STOP=1 -f deploy/roles.sql
-- then give the role a password (\password isindex_app) or a certificate.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'isindex_app') THEN
        CREATE ROLE isindex_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
END $$;

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO isindex_app;

-- The service reads and writes the index's tables and the feed queue's (pgqueuer's).
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO isindex_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO isindex_app;
GRANT TRUNCATE ON match_keys TO isindex_app;            -- rebuilt by a full feed

-- The audit log: append and read only, and never the chain columns (seq, prev_hash,
-- hash): the service's chainer (isindex serve, isindex worker) sets them only through
-- audit_chain_batch, which runs as the owner; the service may read the head, not write it.
REVOKE ALL ON audit_events, audit_chain_head FROM isindex_app;
GRANT SELECT ON audit_events TO isindex_app;
GRANT INSERT (at, request_id, user_id, org_code, role, action, reason, case_ref, query, child_ids, outcome, status)
    ON audit_events TO isindex_app;
GRANT SELECT ON audit_chain_head TO isindex_app;
GRANT EXECUTE ON FUNCTION audit_chain_batch(integer) TO isindex_app;

-- Migrations are the owner's business.
REVOKE ALL ON schema_migrations FROM isindex_app;
GRANT SELECT ON schema_migrations TO isindex_app;
