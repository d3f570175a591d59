"""Auditor route: query the audit log by child, by user and by time."""

from __future__ import annotations

import msgspec
from litestar import Request, get

from api import params
from api.audited import Audited
from index import audit as audit_log


class AuditPage(msgspec.Struct):
    events: list[audit_log.Entry]
    count: int
    next_before_id: int | None


@get("/audit", opt={"action": "audit.read"}, summary="Query the audit log")
async def query(request: Request, audit: Audited) -> AuditPage:
    """Filter by child_id, user_id, since and until (ISO 8601); newest first. Page with
    before_id (the next_before_id of the previous page); limit 1-1000 (default 100)."""
    given = params.only(request, {"child_id", "user_id", "since", "until", "before_id", "limit"})
    filters = dict(
        child_id=params.index_id(given["child_id"], "child_id") if "child_id" in given else None,
        user_id=params.index_id(given["user_id"], "user_id") if "user_id" in given else None,
        since=params.timestamp(given["since"], "since") if "since" in given else None,
        until=params.timestamp(given["until"], "until") if "until" in given else None,
        before_id=params.whole(given["before_id"], "before_id", 1, 2**62) if "before_id" in given else None,
        limit=params.whole(given["limit"], "limit", 1, 1000) if "limit" in given else 100,
    )
    audit.query = given
    events = await audit_log.search(await audit.begin(), **filters)
    next_before = events[-1].id if len(events) == filters["limit"] else None
    return AuditPage(events=events, count=len(events), next_before_id=next_before)
