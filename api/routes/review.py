"""LA data manager routes: the review queue of their own LA, decisions, reversals and
splits. Every request is audited with the children it touched."""

from __future__ import annotations

import uuid
from typing import Literal

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath, JSONBody

from api import audited, params
from index import errors, policy, review


class ReviewPage(msgspec.Struct):
    items: list[review.ReviewItem]
    count: int
    next_after: uuid.UUID | None


class DecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    action: Literal["link", "new", "not_this_child"]
    child_id: uuid.UUID | None = None


@get("/review", opt={"action": "review.list"}, summary="Your LA's open review items")
async def list_items(request: Request) -> ReviewPage:
    """Incoming records the engine could not settle, oldest first, each with its candidate
    children side by side and the per-field explanation. Page with after (the
    next_after of the previous page); limit 1-100 (default 20)."""
    given = params.only(request, {"limit", "after"})
    limit = params.whole(given["limit"], "limit", 1, 100) if "limit" in given else 20
    after = params.index_id(given["after"], "after") if "after" in given else None
    who = audited.principal_of(request)

    async def work(conn):
        la = policy.managed_la(who)
        if la is None:    # never "every LA": that is the command line's, not a user's
            raise errors.Forbidden("your account has no LA to review")
        return await review.list_open(conn, la, limit=limit, after=after)

    items = await audited.run(request, "review.list", work,
                              lambda found: sorted({c.child_id for i in found for c in i.candidates}),
                              query=given)
    return ReviewPage(items=items, count=len(items), next_after=items[-1].id if len(items) == limit else None)


@post("/review/{review_id:str}/decision", opt={"action": "review.decide"}, status_code=200,
      summary="Decide a review item: link, new or not this child", before_request=params.json_only)
async def decide(request: Request, review_id: FromPath[str], data: JSONBody[DecisionIn]) -> review.Decided:
    rid = params.index_id(review_id, "review_id")
    who = audited.principal_of(request)
    query = {"review_id": str(rid), "action": data.action}
    if data.child_id is not None:
        query["child_id"] = str(data.child_id)

    async def work(conn):
        return await review.decide(conn, who, rid, action=data.action, child_id=data.child_id)

    return await audited.run(request, "review.decide", work, lambda r: r.children(), query=query,
                             about=data.child_id)


@post("/review/{review_id:str}/reverse", opt={"action": "review.reverse"}, status_code=200,
      summary="Reverse the last decision on a review item")
async def reverse(request: Request, review_id: FromPath[str]) -> review.Reversed:
    rid = params.index_id(review_id, "review_id")
    who = audited.principal_of(request)

    async def work(conn):
        return await review.reverse(conn, who, rid)

    return await audited.run(request, "review.reverse", work, lambda r: r.children(),
                             query={"review_id": str(rid)})


@post("/source-records/{source_record_id:str}/unlink", opt={"action": "link.unlink"}, status_code=200,
      summary="Split a source record from its child (opens a review item for it)")
async def unlink(request: Request, source_record_id: FromPath[str]) -> review.Unlinked:
    sid = params.index_id(source_record_id, "source_record_id")
    who = audited.principal_of(request)

    async def work(conn):
        return await review.unlink(conn, who, sid)

    return await audited.run(request, "link.unlink", work, lambda r: r.children(),
                             query={"source_record_id": str(sid)})
