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

-- Append-only, with one exception: the chain columns of a pending event may be set,
-- once, with nothing else changed. A wrong value set that way breaks the chain, which
-- verify reports; only the owner (through audit_chain_batch) has UPDATE at all.
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND NEW.seq IS NOT NULL
       AND to_jsonb(NEW) - ARRAY['seq', 'prev_hash', 'hash'] = to_jsonb(OLD) - ARRAY['seq', 'prev_hash', 'hash'] THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit events are append-only'
        USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'audit_events_append_only',
              TABLE = 'audit_events';
END $$;

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
-- lock sees the events the one before it chained.
CREATE FUNCTION audit_chain_batch(max_events integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    head_seq  bigint;
    head_hash bytea;
    e         audit_events%ROWTYPE;
    n         integer := 0;
BEGIN
    IF max_events IS NULL OR max_events < 1 THEN
        RAISE EXCEPTION 'max_events must be at least 1' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT seq, hash INTO head_seq, head_hash FROM audit_chain_head WHERE one_row FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the audit chain head is missing' USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    FOR e IN SELECT * FROM audit_events WHERE seq IS NULL ORDER BY id LIMIT max_events LOOP
        e.seq := head_seq + 1;
        e.prev_hash := head_hash;
        e.hash := sha256(head_hash || convert_to(audit_event_text(e), 'UTF8'));
        UPDATE audit_events SET seq = e.seq, prev_hash = e.prev_hash, hash = e.hash
         WHERE id = e.id AND seq IS NULL;
        IF NOT FOUND THEN   -- cannot happen while chainers hold the head's lock: stop rather than skip
            RAISE EXCEPTION 'audit event % was chained meanwhile', e.id USING ERRCODE = 'serialization_failure';
        END IF;
        head_seq := e.seq;
        head_hash := e.hash;
        n := n + 1;
    END LOOP;
    IF n > 0 THEN
        UPDATE audit_chain_head SET seq = head_seq, hash = head_hash WHERE one_row;
    END IF;
    RETURN n;
END $$;

REVOKE ALL ON FUNCTION audit_chain_batch(integer) FROM PUBLIC;
