"""LA data manager routes: the review queue of their own LA, decisions, reversals and
splits. Every request is audited with the children it touched."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import msgspec
from litestar import Request, get, post
from litestar.params import JSONBody

from api import params
from api.audited import Audited
from index import errors, policy, review


class ReviewPage(msgspec.Struct):
    items: list[review.ReviewItem]
    count: int
    next_after: uuid.UUID | None


class DecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    action: Literal["link", "new", "not_this_child"]
    child_id: uuid.UUID | None = None


@get("/review", opt={"action": "review.list"}, summary="Your LA's open review items")
async def list_items(request: Request, audit: Audited, limit: Annotated[int, params.page(100)] = 20,
                     after: params.After = None) -> ReviewPage:
    """Incoming records the engine could not settle, oldest first, each with its candidate
    children side by side and the per-field explanation. Page with after (the
    next_after of the previous page); limit 1-100 (default 20)."""
    audit.query = params.given(request)
    return await queue(audit, limit, after)


async def queue(audit: Audited, limit: int, after: uuid.UUID | None) -> ReviewPage:
    """One page of the caller's LA's open items (this route's work, and the queue page's)."""
    conn = await audit.begin()
    la = policy.managed_la(audit.who)
    if la is None:    # never "every LA": that is the command line's, not a user's
        raise errors.Forbidden("your account has no LA to review")
    items = await review.list_open(conn, la, limit=limit, after=after)
    audit.children = sorted({c.child_id for i in items for c in i.candidates})
    return ReviewPage(items=items, count=len(items), next_after=items[-1].id if len(items) == limit else None)


@post("/review/{review_id:str}/decision", opt={"action": "review.decide"}, status_code=200,
      summary="Decide a review item: link, new or not this child", before_request=params.json_only)
async def decide(review_id: params.PathId, data: JSONBody[DecisionIn], audit: Audited) -> review.Decided:
    return await apply_decision(audit, review_id, data)


async def apply_decision(audit: Audited, review_id: uuid.UUID, data: DecisionIn) -> review.Decided:
    """A decision, audited with its action and child (this route's work, and the item page's form's)."""
    audit.query["action"], audit.about = data.action, data.child_id
    if data.child_id is not None:
        audit.query["child_id"] = str(data.child_id)
    got = await review.decide(await audit.begin(), audit.who, review_id, action=data.action, child_id=data.child_id)
    audit.children = got.children()
    return got


@post("/review/{review_id:str}/reverse", opt={"action": "review.reverse"}, status_code=200,
      summary="Reverse the last decision on a review item")
async def reverse(review_id: params.PathId, audit: Audited) -> review.Reversed:
    got = await review.reverse(await audit.begin(), audit.who, review_id)
    audit.children = got.children()
    return got


@post("/source-records/{source_record_id:str}/unlink", opt={"action": "link.unlink"}, status_code=200,
      summary="Split a source record from its child (opens a review item for it)")
async def unlink(source_record_id: params.PathId, audit: Audited) -> review.Unlinked:
    got = await review.unlink(await audit.begin(), audit.who, source_record_id)
    audit.children = got.children()
    return got
