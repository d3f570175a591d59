"""The audit log: one event for every request that touches child data or is denied.

Events are written by the caller inside the same transaction as the read or write they
describe, so nothing is answered before its audit row has committed.

The events form a hash chain, built after they commit (migrations 0010 and 0019): an
insert leaves seq, prev_hash and hash empty ("pending") and takes no lock; a chainer
(index.audit_chain) then gives each committed event its seq and hash. `verify` checks
the chain, counts the pending events, and checks an anchor (a head kept elsewhere).
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

# Committed events not chained yet, and the age of the oldest (from its insert).
PENDING = """
SELECT count(*) AS n, extract(epoch FROM clock_timestamp() - min(at))::float8 AS oldest_s
  FROM audit_events
 WHERE seq IS NULL
"""

PENDING_LIMIT = 300.0   # seconds an event may stay unchained before verify fails


class Problem(msgspec.Struct, kw_only=True):
    # edited | missing | out_of_order | head_mismatch | anchor_missing | anchor_mismatch | pending_too_long
    code: str
    message: str


class Anchor(msgspec.Struct, frozen=True):
    """A chain head kept outside the database, written SEQ:HASH (hash in hex)."""

    seq: int
    hash: bytes

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash.hex()}"

    @classmethod
    def parse(cls, text: str) -> "Anchor":
        seq, _, digest = text.strip().partition(":")
        try:
            anchor = cls(seq=int(seq), hash=bytes.fromhex(digest))
        except ValueError:
            anchor = None
        if anchor is None or anchor.seq < 0 or len(anchor.hash) != 32 or not seq.isdigit():
            raise errors.Invalid("anchor must be SEQ:HASH, as `isindex audit anchor` prints it "
                                 "(a whole number, a colon, 64 hex digits)")
        return anchor


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
    pending: int = 0                              # committed events not chained yet
    pending_oldest_seconds: float | None = None   # how long the oldest of them has waited
    anchor_checked: str | None = None             # SEQ:HASH, when an anchor was given and holds


def event_hash(prev_hash: bytes, fields: list[str | None]) -> bytes:
    """sha256(prev_hash || the fields joined by chr(31), each NULL as '')."""
    text = SEPARATOR.join("" if f is None else f for f in fields)
    return hashlib.sha256(prev_hash + text.encode("utf-8")).digest()


async def verify(conn: asyncpg.Connection, *, pending_limit: float | None = PENDING_LIMIT,
                 anchor: Anchor | None = None) -> Verification:
    """Walk the chain in seq order and report the first event that breaks it.

    Unlike the rest of index/, this opens its own transaction (read only, REPEATABLE
    READ, so the head, the events and the pending count are one snapshot) and streams
    the events through a server-side cursor: it is a check command's whole job, not part
    of a caller's work. Call it on a connection that is not in a transaction.

    Detects an edited event (its hash), a deleted one (a gap in seq), reordered ones (a
    prev_hash that is not the previous event's hash) and deleted newest events (the
    head). Events not chained yet are counted as pending, and fail the check once the
    oldest has waited more than pending_limit seconds (None: never). An attacker who can
    rewrite the tail and the head too is caught only by an anchor: a head kept outside
    the database, which the chain must still hold at its seq with its hash.
    """
    if conn.is_in_transaction():
        raise errors.Conflict("audit verification needs a connection outside any transaction")
    checked, prev, at_anchor = 0, GENESIS, GENESIS if anchor is not None and anchor.seq == 0 else None
    with db.translate_errors():
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            head = await conn.fetchrow(HEAD)
            pending = await conn.fetchrow(PENDING)
            async for row in conn.cursor(CHAIN, prefetch=1000):
                if row["seq"] is None:
                    break    # the pending events sort last
                problem = _check(row, checked + 1, prev)
                if problem is not None:
                    return _result(checked, head, row["id"], row["seq"], problem, pending)
                prev, checked = row["hash"], checked + 1
                if anchor is not None and checked == anchor.seq:
                    at_anchor = prev
    if head is None:
        return _result(checked, None, None, None, Problem(
            code="head_mismatch", message="chain head does not match the last event: the head row is missing"),
            pending)
    if head["seq"] != checked or head["hash"] != prev:
        lost = head["seq"] > checked
        return _result(checked, head, None, checked + 1 if lost else None, Problem(
            code="head_mismatch",
            message=f"chain head does not match the last event: head seq {head['seq']}, last event seq {checked}"
                    + (f" (events after seq {checked} were deleted)" if lost else " (the head was changed)")),
            pending)
    if anchor is not None:
        problem = _check_anchor(anchor, checked, at_anchor)
        if problem is not None:
            seq = checked + 1 if problem.code == "anchor_missing" else anchor.seq
            return _result(checked, head, None, seq, problem, pending)
    if pending_limit is not None and pending["n"] and pending["oldest_s"] > pending_limit:
        return _result(checked, head, None, None, Problem(
            code="pending_too_long",
            message=f"{pending['n']:,} events are not chained yet, the oldest for {pending['oldest_s']:.0f} s "
                    f"(more than {pending_limit:g} s): is a chainer running (isindex serve or isindex worker)?"),
            pending)
    result = _result(checked, head, None, None, None, pending)
    result.anchor_checked = str(anchor) if anchor is not None else None
    return result


def _check_anchor(anchor: Anchor, checked: int, at_anchor: bytes | None) -> Problem | None:
    if anchor.seq > checked:
        return Problem(code="anchor_missing",
                       message=f"the chain ends at seq {checked}, before the anchor's seq {anchor.seq}: "
                               "events were removed from its tail")
    if at_anchor != anchor.hash:
        return Problem(code="anchor_mismatch",
                       message=f"the event with the anchor's seq {anchor.seq} does not have the anchor's hash: "
                               "the chain was rewritten up to it")
    return None


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


def _result(checked: int, head, event_id: int | None, seq: int | None, problem: Problem | None,
            pending) -> Verification:
    return Verification(
        ok=problem is None, events_checked=checked, first_bad_id=event_id, first_bad_seq=seq, problem=problem,
        head_seq=head["seq"] if head else None, head_hash=head["hash"].hex() if head else None,
        pending=pending["n"], pending_oldest_seconds=pending["oldest_s"])


async def chain_lag(conn: asyncpg.Connection) -> tuple[int, float | None]:
    """Events committed but not chained yet, and the age in seconds of the oldest (None if none)."""
    with db.translate_errors():
        row = await conn.fetchrow(PENDING)
    return row["n"], row["oldest_s"]


async def head(conn: asyncpg.Connection) -> Anchor | None:
    """The chain head, as an anchor to keep outside the database (None: the head row is gone)."""
    with db.translate_errors():
        row = await conn.fetchrow(HEAD)
    return Anchor(seq=row["seq"], hash=row["hash"]) if row else None
