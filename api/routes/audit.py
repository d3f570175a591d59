"""Auditor route: query the audit log by child, by user and by time."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

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
async def query(request: Request, audit: Audited, child_id: params.QueryId = None, user_id: params.QueryId = None,
                since: params.Timestamp = None, until: params.Timestamp = None, before_id: params.BeforeId = None,
                limit: Annotated[int, params.page(1000)] = 100) -> AuditPage:
    """Filter by child_id, user_id, since and until (ISO 8601); newest first. Page with
    before_id (the next_before_id of the previous page); limit 1-1000 (default 100)."""
    audit.query = params.given(request)
    return await events_of(audit, child_id=child_id, user_id=user_id, since=params.timestamp(since, "since"),
                           until=params.timestamp(until, "until"), before_id=before_id, limit=limit)


async def events_of(audit: Audited, *, child_id: uuid.UUID | None, user_id: uuid.UUID | None,
                    since: dt.datetime | None, until: dt.datetime | None, before_id: int | None,
                    limit: int) -> AuditPage:
    """One page of the audit log, newest first: the work of GET /audit and of the
    auditors' page alike. `next_before_id` is set when the page is full."""
    events = await audit_log.search(await audit.begin(), child_id=child_id, user_id=user_id, since=since,
                                    until=until, before_id=before_id, limit=limit)
    next_before = events[-1].id if len(events) == limit else None
    return AuditPage(events=events, count=len(events), next_before_id=next_before)
