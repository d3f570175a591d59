-- The audit chain off the request path (issue 16): events are chained after they commit.
--
-- Until now a BEFORE INSERT trigger locked audit_chain_head until the inserting
-- transaction ended, so audited transactions committed one at a time. Now an insert is
-- a plain insert (seq, prev_hash and hash NULL: "pending") and a chainer (index.audit_chain,
-- run by `isindex serve` and `isindex worker`) calls audit_chain_batch, which takes the
-- head's lock only for its own short transaction, gives the committed pending events
-- the next seqs in id order, and computes prev_hash and hash exactly as 0010 did
-- (audit_event_text, unchanged). Chain order is the order the chainer saw events commit
-- (seq), not id. Rows chained by 0010 keep their columns and keep verifying.
--
-- The guarantee that no answer is sent before its audit row is durable is unchanged:
-- the row is still inserted in the request's own transaction.

LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE;

DROP TRIGGER audit_events_chain ON audit_events;
DROP FUNCTION audit_events_chain();

ALTER TABLE audit_events
    ALTER COLUMN seq DROP NOT NULL,
    ALTER COLUMN prev_hash DROP NOT NULL,
    ALTER COLUMN hash DROP NOT NULL,
    ADD CONSTRAINT audit_events_chained_whole CHECK (
        (seq IS NULL AND prev_hash IS NULL AND hash IS NULL)
        OR (seq IS NOT NULL AND prev_hash IS NOT NULL AND hash IS NOT NULL));

-- The pending events in id order, for the chainer (and chain_lag): small, as chained
-- events leave it, and whatever the statistics say the planner has no better way.
CREATE INDEX audit_events_pending ON audit_events (id) WHERE seq IS NULL;

-- Append-only, with one exception: the chain columns of a pending event may be set,
-- once, with nothing else changed. A wrong value set that way breaks the chain, which
-- verify reports; only the owner (through audit_chain_batch) has UPDATE at all.
-- The conditions are trigger WHEN clauses, so the chainer's own updates call no
-- function at all: audit_events_append_only (0010's name and function) now covers
-- chained events, and two more cover pending ones. The columns listed are every column
-- but the chain's: a column added later is added here too (and to audit_event_text).
DROP TRIGGER audit_events_append_only ON audit_events;

CREATE TRIGGER audit_events_append_only
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW WHEN (OLD.seq IS NOT NULL) EXECUTE FUNCTION audit_events_append_only();

CREATE TRIGGER audit_events_pending_delete
    BEFORE DELETE ON audit_events
    FOR EACH ROW WHEN (OLD.seq IS NULL) EXECUTE FUNCTION audit_events_append_only();

CREATE TRIGGER audit_events_pending_update
    BEFORE UPDATE ON audit_events
    FOR EACH ROW WHEN (OLD.seq IS NULL AND NOT (
        NEW.seq IS NOT NULL
        AND (NEW.id, NEW.at, NEW.request_id, NEW.user_id, NEW.org_code, NEW.role, NEW.action, NEW.reason,
             NEW.case_ref, NEW.query, NEW.child_ids, NEW.outcome, NEW.status)
            IS NOT DISTINCT FROM
            (OLD.id, OLD.at, OLD.request_id, OLD.user_id, OLD.org_code, OLD.role, OLD.action, OLD.reason,
             OLD.case_ref, OLD.query, OLD.child_ids, OLD.outcome, OLD.status)))
    EXECUTE FUNCTION audit_events_append_only();

-- The head moves only forward, and only to an event chained with that seq and hash.
CREATE OR REPLACE FUNCTION audit_chain_head_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.one_row AND NEW.seq > OLD.seq
       AND EXISTS (SELECT FROM audit_events WHERE seq = NEW.seq AND hash = NEW.hash) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit chain head only moves forward, as audit events are chained'
        USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'audit_chain_head_guard',
              TABLE = 'audit_chain_head';
END $$;

-- Chain up to max_events committed pending events; returns how many. One chainer at a
-- time: the head's row lock, held to the end of the caller's (short) transaction. Each
-- statement here sees what committed before it began, so a chainer that waited for the
-- lock sees the events the one before it chained. The hashes are computed one by one
-- (each covers the one before), the rows then updated in one statement.
CREATE FUNCTION audit_chain_batch(max_events integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    head_seq  bigint;
    head_hash bytea;
    e         audit_events%ROWTYPE;
    ids       bigint[] := '{}';
    hashes    bytea[] := '{}';
    n         integer;
    updated   bigint;
    first_seq bigint;
    first_prev bytea;
BEGIN
    IF max_events IS NULL OR max_events < 1 THEN
        RAISE EXCEPTION 'max_events must be at least 1' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT seq, hash INTO head_seq, head_hash FROM audit_chain_head WHERE one_row FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the audit chain head is missing' USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    first_seq := head_seq + 1;
    first_prev := head_hash;
    FOR e IN SELECT * FROM audit_events WHERE seq IS NULL ORDER BY id LIMIT max_events LOOP
        e.seq := head_seq + 1;
        e.prev_hash := head_hash;
        e.hash := sha256(head_hash || convert_to(audit_event_text(e), 'UTF8'));
        ids := ids || e.id;
        hashes := hashes || e.hash;
        head_seq := e.seq;
        head_hash := e.hash;
    END LOOP;
    n := cardinality(ids);
    IF n = 0 THEN
        RETURN 0;
    END IF;
    -- Event i (from 1) gets seq first_seq + i - 1 and the hash of event i - 1 as prev_hash.
    UPDATE audit_events a
       SET seq = first_seq + u.i - 1,
           prev_hash = CASE WHEN u.i = 1 THEN first_prev ELSE hashes[u.i - 1] END,
           hash = u.hash
      FROM unnest(ids, hashes) WITH ORDINALITY AS u(id, hash, i)
     WHERE a.id = u.id AND a.seq IS NULL;
    GET DIAGNOSTICS updated = ROW_COUNT;
    IF updated <> n THEN
        -- cannot happen while chainers hold the head's lock: stop rather than leave a gap
        RAISE EXCEPTION 'audit events were chained meanwhile' USING ERRCODE = 'serialization_failure';
    END IF;
    UPDATE audit_chain_head SET seq = head_seq, hash = head_hash WHERE one_row;
    RETURN n;
END $$;

REVOKE ALL ON FUNCTION audit_chain_batch(integer) FROM PUBLIC;
