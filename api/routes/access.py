"""LA data manager routes: who has viewed a child (the access history) and the daily
digest of views of the LA's children by others. Both are derived from the audit log and
are themselves audited, as reads that are not views."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec
from litestar import Request, get

from api import params
from api.audited import Audit, Audited
from index import access, errors, policy


class AccessHistory(msgspec.Struct):
    child_id: uuid.UUID
    entries: list[access.AccessEntry]
    count: int
    next_before_id: int | None


class AccessDigest(msgspec.Struct):
    la_code: str
    since: dt.datetime
    until: dt.datetime
    children: list[access.ChildAccess]
    count: int


@get("/children/{child_id:str}/access-history", opt={"action": "child.access_history"},
     summary="Who has viewed a child's record")
async def history(request: Request, child_id: params.PathId, audit: Audited,
                  limit: Annotated[int, params.page(200)] = 50, before_id: params.BeforeId = None) -> AccessHistory:
    """Every view of the record (who, organisation, when, reason), newest first: the owning
    LA's data managers only. Page with before_id (the next_before_id of the previous
    page); limit 1-200 (default 50)."""
    audit.query |= params.given(request)
    conn = await audit.begin()
    await access.require_owner(conn, audit.who, child_id)
    entries = await access.history(conn, child_id, limit=limit, before_id=before_id)
    audit.children = [child_id]
    next_before = entries[-1].id if len(entries) == limit else None
    return AccessHistory(child_id=child_id, entries=entries, count=len(entries), next_before_id=next_before)


@get("/access-notifications", opt={"action": "access.digest"},
     summary="Views of your LA's children by others")
async def digest(audit: Audited, since: params.Timestamp = None, until: params.Timestamp = None) -> AccessDigest:
    """For each child your LA owns that was viewed in [since, until) by anyone other than
    your LA's data managers: the number of views, the viewing organisations, the last view
    and the number of emergency views. since defaults to 24 hours ago, until to now
    (ISO 8601); the window is at most 31 days."""
    return await digest_of(audit, params.timestamp(since, "since"), params.timestamp(until, "until"))


async def digest_of(audit: Audit, since: dt.datetime | None, until: dt.datetime | None) -> AccessDigest:
    """The digest's work, for the JSON route and its page alike: until defaults to now,
    since to 24 hours before until."""
    until = until or dt.datetime.now(dt.UTC)
    since = since or until - dt.timedelta(hours=24)
    audit.query = {"since": since.isoformat(), "until": until.isoformat()}
    conn = await audit.begin()
    la = policy.managed_la(audit.who)
    if la is None:
        raise errors.Forbidden("your account has no LA to notify")
    found = await access.digest(conn, la, since=since, until=until)
    audit.children = [r.child_id for r in found]
    return AccessDigest(la_code=audit.who.la_code or "", since=since, until=until, children=found, count=len(found))
