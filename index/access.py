"""Access history and access notifications, derived from the audit log.

Every view of a child's record is already an audit event (who, organisation, when,
reason, with the child in child_ids), so the history is a query over audit_events, not
a second table. Only successful views of the record count (`VIEW_ACTIONS`): searches,
and reading the history or the digest themselves, are audited but are not views.

The digest is the owning LA's notification: for each of its children viewed in a
window by anyone other than the LA's own data managers, how often, by which
organisations, when last, and how many of the views gave the reason `emergency`.
"""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec

from index import db, errors, policy
from index.auth import Principal

# The audit actions that are views of a child's record.
VIEW_ACTIONS = ("child.view", "child.override", "child.sar")
EMERGENCY = "emergency"
MAX_WINDOW = dt.timedelta(days=31)


class AccessEntry(msgspec.Struct, kw_only=True):
    id: int                       # the audit event (page with before_id)
    at: dt.datetime
    user_id: uuid.UUID | None
    user_name: str | None
    org_code: str | None
    org_name: str | None
    role: str | None
    action: str
    reason: str | None
    case_ref: str | None


class Viewer(msgspec.Struct):
    code: str
    name: str | None


class ChildAccess(msgspec.Struct, kw_only=True):
    child_id: uuid.UUID
    views: int
    emergency_views: int
    organisations: list[Viewer]
    last_viewed_at: dt.datetime


OWNER = "SELECT owning_la FROM children WHERE id = $1"

HISTORY = """
SELECT e.id, e.at, e.user_id, u.name AS user_name, e.org_code, o.name AS org_name, e.role, e.action,
       e.reason, e.case_ref
  FROM audit_events e
  LEFT JOIN users u ON u.id = e.user_id
  LEFT JOIN organisations o ON o.code = e.org_code
 WHERE e.child_ids @> ARRAY[$1::uuid]
   AND e.action = ANY($2::text[])
   AND e.outcome = 'ok'
   AND ($3::bigint IS NULL OR e.id < $3)
 ORDER BY e.id DESC
 LIMIT $4
"""

# The window first (audit_events_at), then each event's children, then the LA's own.
DIGEST = """
WITH views AS (
    SELECT v.child_id, e.at, e.org_code, e.reason
      FROM audit_events e
      CROSS JOIN LATERAL unnest(e.child_ids) AS v(child_id)
      LEFT JOIN users u ON u.id = e.user_id
     WHERE e.at >= $2 AND e.at < $3
       AND e.action = ANY($4::text[])
       AND e.outcome = 'ok'
       AND NOT (e.role = 'la_data_manager' AND u.la_code IS NOT DISTINCT FROM $1)   -- policy.manages, in SQL
), per_org AS (
    SELECT v.child_id, v.org_code, count(*) AS views,
           count(*) FILTER (WHERE v.reason = $5) AS emergency_views, max(v.at) AS last_at
      FROM views v
      JOIN children c ON c.id = v.child_id
     WHERE c.owning_la = $1
     GROUP BY v.child_id, v.org_code
)
SELECT p.child_id, sum(p.views)::int AS views, sum(p.emergency_views)::int AS emergency_views,
       max(p.last_at) AS last_viewed_at,
       array_agg(p.org_code ORDER BY p.org_code) AS org_codes,
       array_agg(o.name ORDER BY p.org_code) AS org_names
  FROM per_org p
  LEFT JOIN organisations o ON o.code = p.org_code
 GROUP BY p.child_id
 ORDER BY last_viewed_at DESC, p.child_id
 LIMIT $6
"""


async def require_owner(conn: asyncpg.Connection, who: Principal, child_id: uuid.UUID) -> str:
    """The child's owning LA, if the caller is one of its data managers; else 404 or 403."""
    with db.translate_errors():
        owner = await conn.fetchval(OWNER, child_id)
    if owner is None:
        raise errors.NotFound("no child with this index id", field="child_id")
    if not policy.manages(who, owner):
        raise errors.Forbidden("only the owning LA's data managers may see this child's access history")
    return owner


async def history(conn: asyncpg.Connection, child_id: uuid.UUID, *, limit: int = 50,
                  before_id: int | None = None) -> list[AccessEntry]:
    """Every successful view of the child's record, newest first."""
    with db.translate_errors():
        rows = await conn.fetch(HISTORY, child_id, list(VIEW_ACTIONS), before_id, limit)
    return [AccessEntry(**dict(row)) for row in rows]


async def digest(conn: asyncpg.Connection, la_code: str, *, since: dt.datetime, until: dt.datetime,
                 limit: int = 1000) -> list[ChildAccess]:
    """The LA's children viewed in [since, until) by anyone but the LA's own data managers,
    most recently viewed first."""
    if since >= until:
        raise errors.Invalid("must be after since", field="until")
    if until - since > MAX_WINDOW:
        raise errors.Invalid(f"the window may be at most {MAX_WINDOW.days} days", field="since")
    with db.translate_errors():
        rows = await conn.fetch(DIGEST, la_code, since, until, list(VIEW_ACTIONS), EMERGENCY, limit)
    return [
        ChildAccess(
            child_id=row["child_id"],
            views=row["views"],
            emergency_views=row["emergency_views"],
            organisations=[Viewer(code, name) for code, name in zip(row["org_codes"], row["org_names"])],
            last_viewed_at=row["last_viewed_at"],
        )
        for row in rows
    ]
