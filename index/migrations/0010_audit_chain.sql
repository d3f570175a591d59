-- Tamper-evident audit (issue 5): audit events form a hash chain, and are append-only.
--
-- Each event gets seq (1, 2, 3, ... with no gaps), prev_hash (the previous event's hash;
-- 32 zero bytes for the first) and hash = sha256(prev_hash || canonical text), where the
-- canonical text joins these fields with chr(31), each NULL as the empty string:
--   seq, at as integer microseconds since the epoch, request_id, user_id, org_code, role,
--   action, reason, case_ref, query::text, child_ids::text, outcome, status.
-- `isindex audit verify` (index.audit.verify) recomputes every hash in Python from the
-- same fields, read as text, so it does not depend on any function stored here.
--
-- The one-row audit_chain_head holds the last seq and hash. The insert trigger locks it
-- (SELECT ... FOR UPDATE) until the inserting transaction ends: audited transactions
-- commit one at a time, and chain order is seq order even when identity ids interleave.
-- A rolled-back insert rolls the head back too, so seq has no gaps.

LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE;

ALTER TABLE audit_events
    ADD COLUMN seq       bigint CONSTRAINT audit_events_seq_key UNIQUE,
    ADD COLUMN prev_hash bytea,
    ADD COLUMN hash      bytea;

CREATE TABLE audit_chain_head (
    one_row boolean PRIMARY KEY DEFAULT true CHECK (one_row),   -- (ONLY is a reserved word)
    seq     bigint NOT NULL CHECK (seq >= 0),
    hash    bytea NOT NULL CHECK (octet_length(hash) = 32)
);

-- The canonical text of an event (the part of its hash after prev_hash).
CREATE FUNCTION audit_event_text(e audit_events) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT array_to_string(ARRAY[
        e.seq::text,
        ((extract(epoch FROM e.at) * 1000000)::bigint)::text,
        e.request_id::text,
        e.user_id::text,
        e.org_code,
        e.role,
        e.action,
        e.reason,
        e.case_ref,
        e.query::text,
        e.child_ids::text,
        e.outcome,
        e.status::text
    ], chr(31), '')
$$;

-- Existing events, in id order, chained from the genesis hash.
DO $$
DECLARE
    e audit_events%ROWTYPE;
    h bytea := decode(repeat('00', 32), 'hex');
    n bigint := 0;
BEGIN
    FOR e IN SELECT * FROM audit_events ORDER BY id LOOP
        n := n + 1;
        e.seq := n;
        e.prev_hash := h;
        h := sha256(h || convert_to(audit_event_text(e), 'UTF8'));
        UPDATE audit_events SET seq = n, prev_hash = e.prev_hash, hash = h WHERE id = e.id;
    END LOOP;
    INSERT INTO audit_chain_head (seq, hash) VALUES (n, h);
END $$;

ALTER TABLE audit_events
    ALTER COLUMN seq SET NOT NULL,
    ALTER COLUMN prev_hash SET NOT NULL,
    ALTER COLUMN hash SET NOT NULL;

-- Runs as its owner (SECURITY DEFINER): the service's role needs no privilege on the head.
CREATE FUNCTION audit_events_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    head_seq  bigint;
    head_hash bytea;
BEGIN
    SELECT seq, hash INTO head_seq, head_hash FROM audit_chain_head WHERE one_row FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the audit chain head is missing' USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    NEW.seq := head_seq + 1;
    NEW.prev_hash := head_hash;
    NEW.hash := sha256(head_hash || convert_to(audit_event_text(NEW), 'UTF8'));
    UPDATE audit_chain_head SET seq = NEW.seq, hash = NEW.hash WHERE one_row;
    RETURN NEW;
END $$;

CREATE TRIGGER audit_events_chain
    BEFORE INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_chain();

-- Append-only: no UPDATE, DELETE or TRUNCATE, whoever asks (the owner and superusers
-- included, unless they first disable the trigger, which the chain then reveals).
CREATE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only'
        USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'audit_events_append_only',
              TABLE = 'audit_events';
END $$;

CREATE TRIGGER audit_events_append_only
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

-- The head is inserted once (above) and changes only from the insert trigger (a nested
-- trigger: depth 2 here).
CREATE FUNCTION audit_chain_head_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1 THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit chain head changes only when an audit event is inserted'
        USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'audit_chain_head_guard',
              TABLE = 'audit_chain_head';
END $$;

CREATE TRIGGER audit_chain_head_guard
    BEFORE INSERT OR UPDATE OR DELETE ON audit_chain_head
    FOR EACH ROW EXECUTE FUNCTION audit_chain_head_guard();

CREATE TRIGGER audit_chain_head_no_truncate
    BEFORE TRUNCATE ON audit_chain_head
    FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_head_guard();

-- No role gets these through PUBLIC. deploy/roles.sql sets up the service's own role.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM PUBLIC;
REVOKE ALL ON audit_chain_head FROM PUBLIC;
