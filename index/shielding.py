"""Shielding, the one-view override, and the items an LA must look into.

A shielded child shows only name, sex, date of birth and index id (index.policy). The
owning LA's data managers shield and unshield, always with a reason code. A user with
the child-protection capability may, after confirming a warning, see one full view: the
override answers that one request only, is audited by the caller, and opens an
investigation for the owning LA. A view with reason `emergency` opens one too, due for
review within a set time.
"""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec

from index import errors, policy
from index.auth import Principal

SHIELD_REASONS = ("domestic_abuse", "witness_protection", "adoption", "risk_of_significant_harm")
OUTCOMES = ("justified", "not_justified", "referred")
KINDS = ("shield_override", "emergency_view")
OVERRIDE_WARNING = (
    "this record is shielded because the child is at risk if their whereabouts are known. "
    "An override shows you one full view, is recorded, and opens an investigation for the owning "
    "local authority: send confirm: true to go on"
)


class Shielding(msgspec.Struct):
    child_id: uuid.UUID
    shielded: bool
    shield_reason: str | None
    shielded_at: dt.datetime | None


class Investigation(msgspec.Struct):
    id: uuid.UUID
    kind: str
    child_id: uuid.UUID
    la_code: str
    user_id: uuid.UUID
    user_name: str
    organisation: str
    request_id: uuid.UUID
    opened_at: dt.datetime
    due_at: dt.datetime
    overdue: bool
    closed_at: dt.datetime | None = None
    outcome: str | None = None


async def _owned_child(conn: asyncpg.Connection, who: Principal, child_id: uuid.UUID) -> asyncpg.Record:
    row = await conn.fetchrow(
        "SELECT id, owning_la, shielded FROM children WHERE id = $1 FOR UPDATE", child_id)
    if row is None:
        raise errors.NotFound("no child with this index id", field="child_id")
    if not policy.manages(who, row["owning_la"]):
        raise errors.Forbidden("only the owning local authority's data managers may shield or unshield this child")
    return row


SET_SHIELD = """
UPDATE children SET shielded = $2, shield_reason = $3, shielded_at = CASE WHEN $2 THEN now() END,
       updated_at = now()
 WHERE id = $1
RETURNING id, shielded, shield_reason, shielded_at
"""


async def shield(conn: asyncpg.Connection, who: Principal, child_id: uuid.UUID, *, reason: str) -> Shielding:
    if reason not in SHIELD_REASONS:
        raise errors.Invalid(f"must be one of: {', '.join(SHIELD_REASONS)}", field="reason")
    row = await _owned_child(conn, who, child_id)
    if row["shielded"]:
        raise errors.Conflict("this child is already shielded")
    return _shielding(await conn.fetchrow(SET_SHIELD, child_id, True, reason))


async def unshield(conn: asyncpg.Connection, who: Principal, child_id: uuid.UUID) -> Shielding:
    row = await _owned_child(conn, who, child_id)
    if not row["shielded"]:
        raise errors.Conflict("this child is not shielded")
    return _shielding(await conn.fetchrow(SET_SHIELD, child_id, False, None))


def _shielding(row: asyncpg.Record) -> Shielding:
    return Shielding(child_id=row["id"], shielded=row["shielded"], shield_reason=row["shield_reason"],
                     shielded_at=row["shielded_at"])


def check_override(who: Principal, *, shielded: bool, owning_la: str, confirm: bool) -> None:
    """Raise unless this principal may override this child's shield now."""
    if not who.can("child_protection"):
        raise errors.Forbidden("overriding a shield needs the child-protection capability")
    if not shielded:
        raise errors.Conflict("this record is not shielded: view it as usual", field="child_id")
    if policy.manages(who, owning_la):
        raise errors.Conflict("your local authority owns this record: view it as usual", field="child_id")
    if not confirm:
        raise errors.Conflict(OVERRIDE_WARNING, field="confirm")


OPEN = """
INSERT INTO investigations (kind, child_id, la_code, user_id, request_id, due_at)
VALUES ($1, $2, $3, $4, $5, now() + make_interval(hours => $6))
RETURNING id
"""


async def open_investigation(conn: asyncpg.Connection, who: Principal, *, kind: str, child_id: uuid.UUID,
                             la_code: str, request_id: uuid.UUID, due_hours: int) -> uuid.UUID:
    """An item for the owning LA: who looked at which child, and by when to review it."""
    if kind not in KINDS:
        raise ValueError(kind)
    return await conn.fetchval(OPEN, kind, child_id, la_code, who.user_id, request_id, due_hours)


SELECT = """
SELECT i.id, i.kind, i.child_id, i.la_code, i.user_id, u.name AS user_name, o.code AS organisation,
       i.request_id, i.opened_at, i.due_at, i.closed_at IS NULL AND i.due_at < now() AS overdue,
       i.closed_at, i.outcome
  FROM investigations i
  JOIN users u ON u.id = i.user_id
  JOIN organisations o ON o.id = u.org_id
"""
LIST = SELECT + " WHERE i.la_code = $1 AND (i.closed_at IS NULL) = $2 ORDER BY i.due_at, i.id LIMIT $3"
ONE = SELECT + " WHERE i.id = $1"


async def list_investigations(conn: asyncpg.Connection, la_code: str, *, open_only: bool,
                              limit: int) -> list[Investigation]:
    rows = await conn.fetch(LIST, la_code, open_only, limit)
    return [Investigation(**dict(r)) for r in rows]


CLOSE = """
UPDATE investigations SET closed_at = now(), closed_by = $2, outcome = $3
 WHERE id = $1
RETURNING id
"""


async def close_investigation(conn: asyncpg.Connection, who: Principal, investigation_id: uuid.UUID, *,
                              outcome: str) -> Investigation:
    if outcome not in OUTCOMES:
        raise errors.Invalid(f"must be one of: {', '.join(OUTCOMES)}", field="outcome")
    row = await conn.fetchrow(
        "SELECT la_code, closed_at FROM investigations WHERE id = $1 FOR UPDATE", investigation_id)
    if row is None or not policy.manages(who, row["la_code"]):
        raise errors.NotFound("no investigation with this id for your local authority", field="investigation_id")
    if row["closed_at"] is not None:
        raise errors.Conflict("this investigation is already closed")
    await conn.fetchval(CLOSE, investigation_id, who.user_id, outcome)
    return Investigation(**dict(await conn.fetchrow(ONE, investigation_id)))
