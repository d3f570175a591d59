"""The audit log: one event for every request that touches child data or is denied.

Events are written by the caller inside the same transaction as the read or write they
describe, so nothing is answered before its audit row has committed.
"""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec

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
