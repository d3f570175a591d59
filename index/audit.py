"""The audit log: one event for every request that touches child data or is denied.

Events are written by the caller inside the same transaction as the read or write they
describe, so nothing is answered before its audit row has committed.

The events form a hash chain (migration 0010): a trigger gives each event its seq and
hash, and holds the chain head's row lock until the inserting transaction ends, so
write the event last in a transaction. `verify` checks the chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import asyncpg
import msgspec

from index import db, errors

OUTCOMES = ("ok", "denied", "unauthenticated", "not_found", "invalid", "conflict")


class Event(msgspec.Struct, kw_only=True):
    request_id: uuid.UUID
    action: str
    outcome: str
    status: int
    user_id: uuid.UUID | None = None
    org_code: str | None = None
    role: str | None = None
    reason: str | None = None
    case_ref: str | None = None
    query: dict = {}
    child_ids: list[uuid.UUID] = []


class Entry(msgspec.Struct, kw_only=True):
    id: int
    at: dt.datetime
    request_id: uuid.UUID
    user_id: uuid.UUID | None
    org_code: str | None
    role: str | None
    action: str
    reason: str | None
    case_ref: str | None
    query: dict
    child_ids: list[uuid.UUID]
    outcome: str
    status: int


INSERT = """
INSERT INTO audit_events
    (request_id, user_id, org_code, role, action, reason, case_ref, query, child_ids, outcome, status)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
"""

SELECT = """
SELECT id, at, request_id, user_id, org_code, role, action, reason, case_ref, query,
       child_ids, outcome, status
  FROM audit_events
 WHERE ($1::uuid IS NULL OR child_ids @> ARRAY[$1::uuid])
   AND ($2::uuid IS NULL OR user_id = $2)
   AND ($3::timestamptz IS NULL OR at >= $3)
   AND ($4::timestamptz IS NULL OR at < $4)
   AND ($5::bigint IS NULL OR id < $5)
 ORDER BY id DESC
 LIMIT $6
"""


async def record(conn: asyncpg.Connection, event: Event) -> None:
    await conn.execute(
        INSERT,
        event.request_id,
        event.user_id,
        event.org_code,
        event.role,
        event.action,
        event.reason,
        event.case_ref,
        event.query,
        event.child_ids,
        event.outcome,
        event.status,
    )


async def search(
    conn: asyncpg.Connection,
    *,
    child_id: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[Entry]:
    rows = await conn.fetch(SELECT, child_id, user_id, since, until, before_id, limit)
    return [Entry(**dict(row)) for row in rows]


# --- verification -------------------------------------------------------------------

GENESIS = bytes(32)
SEPARATOR = "\x1f"

# Every field as text, rendered as the chain trigger renders it (audit_event_text in
# 0010_audit_chain.sql), and never through that function: the check trusts no code
# stored in the database.
CHAIN = """
SELECT id, seq, prev_hash, hash,
       seq::text AS seq_text, ((extract(epoch FROM at) * 1000000)::bigint)::text AS at_micros,
       request_id::text, user_id::text,
       org_code, role, action, reason, case_ref, query::text, child_ids::text, outcome, status::text
  FROM audit_events
 ORDER BY seq
"""

HEAD = "SELECT seq, hash FROM audit_chain_head"


class Problem(msgspec.Struct, kw_only=True):
    code: str      # edited | missing | out_of_order | head_mismatch
    message: str


class Verification(msgspec.Struct, kw_only=True):
    """first_bad_id and first_bad_seq name the first event that fails (for a gap, the
    event after it); when only the head disagrees, first_bad_seq is the first seq missing
    after the last event (or None if the head itself was changed) and first_bad_id None."""

    ok: bool
    events_checked: int
    first_bad_id: int | None = None
    first_bad_seq: int | None = None
    problem: Problem | None = None
    head_seq: int | None = None
    head_hash: str | None = None   # hex; keep it somewhere else to anchor the chain


def event_hash(prev_hash: bytes, fields: list[str | None]) -> bytes:
    """sha256(prev_hash || the fields joined by chr(31), each NULL as '')."""
    text = SEPARATOR.join("" if f is None else f for f in fields)
    return hashlib.sha256(prev_hash + text.encode("utf-8")).digest()


async def verify(conn: asyncpg.Connection) -> Verification:
    """Walk the chain in seq order and report the first event that breaks it.

    Unlike the rest of index/, this opens its own transaction (read only, REPEATABLE
    READ, so the head and the events are one snapshot) and streams the events through a
    server-side cursor: it is a check command's whole job, not part of a caller's work.
    Call it on a connection that is not in a transaction.

    Detects an edited event (its hash), a deleted one (a gap in seq), reordered ones (a
    prev_hash that is not the previous event's hash) and deleted newest events (the
    head). An attacker who can rewrite every hash and the head too is caught only by
    comparing head_hash with a copy kept outside the database.
    """
    if conn.is_in_transaction():
        raise errors.Conflict("audit verification needs a connection outside any transaction")
    checked, prev = 0, GENESIS
    with db.translate_errors():
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            head = await conn.fetchrow(HEAD)
            async for row in conn.cursor(CHAIN, prefetch=1000):
                problem = _check(row, checked + 1, prev)
                if problem is not None:
                    return _result(checked, head, row["id"], row["seq"], problem)
                prev, checked = row["hash"], checked + 1
    if head is None:
        return _result(checked, None, None, None, Problem(
            code="head_mismatch", message="chain head does not match the last event: the head row is missing"))
    if head["seq"] != checked or head["hash"] != prev:
        lost = head["seq"] > checked
        return _result(checked, head, None, checked + 1 if lost else None, Problem(
            code="head_mismatch",
            message=f"chain head does not match the last event: head seq {head['seq']}, last event seq {checked}"
                    + (f" (events after seq {checked} were deleted)" if lost else " (the head was changed)")))
    return _result(checked, head, None, None, None)


def _check(row, expected: int, prev: bytes) -> Problem | None:
    seq = row["seq"]
    if seq > expected:
        missing = str(expected) if seq == expected + 1 else f"{expected} to {seq - 1}"
        return Problem(code="missing", message=f"missing (gap in sequence): no event with seq {missing}")
    if seq < expected:
        return Problem(code="out_of_order", message=f"out of order: seq {seq} where {expected} was expected")
    if row["prev_hash"] != prev:
        return Problem(code="out_of_order", message="out of order: its prev_hash is not the hash of the event "
                       "before it (events were reordered, or one before it was replaced)")
    if event_hash(prev, list(row)[4:]) != row["hash"]:
        return Problem(code="edited", message="edited: its hash does not match its contents")
    return None


def _result(checked: int, head, event_id: int | None, seq: int | None, problem: Problem | None) -> Verification:
    return Verification(
        ok=problem is None, events_checked=checked, first_bad_id=event_id, first_bad_seq=seq, problem=problem,
        head_seq=head["seq"] if head else None, head_hash=head["hash"].hex() if head else None)
