"""The LA data manager's review pages: the open queue, an item with its candidates side
by side, and the decision, reversal and unlinking forms. Each mirrors its JSON route in
api/routes/review.py: the same action, the same `audit: Audited` event and the same work
(`review.queue`, `review.apply_decision`, index.review's reverse and unlink). A form's
event records the status the browser got, 303 (post/redirect/get), where the JSON
route's records 200; all else in it is the same.

An item's page (any status) has no JSON twin of its own: it is a read of the queue's
data, so it is the action review.list, audited with the children it shows."""

from __future__ import annotations

import re
from typing import Annotated, Literal

import msgspec
from litestar import Request, Response, get, post

from api import params
from api.audited import Audited
from api.pages import render, review_view
from api.pages.render import html
from api.routes import review as routes
from index import errors, policy, review

# The queue's banners, one per outcome of a decision (Decided.status, "ruled_out" when
# the item stays open); the item page's, one per reversal and for an unlinked record.
QUEUE_NOTICES = Literal["linked", "new", "not_matched", "ruled_out"]
ITEM_NOTICES = Literal["reversed", "relinked", "unlinked"]
DECISION_FIELDS = ("action", "child_id")
RECENT = 10   # decisions listed under the queue
_AT = re.compile(r"`\$\.(\w+)`|field `(\w+)`")


@get("/manage/review", opt={"action": "review.list", "page": True}, include_in_schema=False)
async def queue(request: Request, audit: Audited, limit: Annotated[int, params.page(100)] = 20,
                after: params.After = None, done: QUEUE_NOTICES | None = None,
                item: params.QueryId = None) -> Response:
    """GET /review as a page: the LA's open items, oldest first, paged as the JSON route."""
    # The event records the paging as the JSON route does; the banner's values are not a query.
    audit.query = {k: v for k, v in params.given(request).items() if k in ("limit", "after")}
    page = await routes.queue(audit, limit, after)
    # The latest decisions (no child's details, so the event is the JSON route's): a way back to reverse one.
    decided = await review.recently_decided(await audit.begin(), policy.managed_la(audit.who), limit=RECENT)
    next_href = f"/manage/review?limit={limit}&after={page.next_after}" if page.next_after else None
    return html(request, "review_queue.html", {
        "rows": [review_view.queue_row(i) for i in page.items], "next_href": next_href,
        "first_href": f"/manage/review?limit={limit}" if after else None, "done": done, "item": item,
        "decided": [review_view.decided_row(d) for d in decided]})


@get("/manage/review/{review_id:str}", opt={"action": "review.list", "page": True}, include_in_schema=False)
async def item_page(request: Request, review_id: params.PathId, audit: Audited,
                    done: ITEM_NOTICES | None = None) -> Response:
    """One item of the LA, open or decided: the record beside each candidate, and what can be done."""
    state = await review.one(await audit.begin(), audit.who, review_id)
    audit.children = state.children()
    return html(request, "review_item.html", {"item": review_view.item_view(state), "done": done})


def _decision(form) -> routes.DecisionIn:
    """The form's fields read by the JSON route's own Struct; a problem names its field."""
    given = {k: form.get(k) for k in DECISION_FIELDS if form.get(k)}
    try:
        return msgspec.convert(given, routes.DecisionIn, strict=False)
    except msgspec.ValidationError as exc:
        named = _AT.search(str(exc))
        field = (named[1] or named[2]) if named else "action"
        raise errors.Invalid("Choose a decision from the review item's page" if field == "action"
                             else "Choose a candidate from the review item's page", field=field) from None


@post("/manage/review/{review_id:str}/decision", opt={"action": "review.decide", "page": True,
                                                      "form": "review_decision.html"}, status_code=303, include_in_schema=False)
async def decide(request: Request, review_id: params.PathId, audit: Audited) -> Response:
    """POST /review/{id}/decision as a form: link, new or not this child, then back to the queue."""
    # The problem page links back to the item: it is shown the item's id with the form's values.
    request.scope["state"].setdefault("form", {})["review_id"] = str(review_id)
    data = _decision(await request.form())
    got = await routes.apply_decision(audit, review_id, data)
    outcome = "ruled_out" if got.status == "open" else got.status
    return render.done("/manage/review", outcome, item=str(review_id))


@post("/manage/review/{review_id:str}/reverse", opt={"action": "review.reverse", "page": True}, status_code=303,
      include_in_schema=False)
async def reverse(review_id: params.PathId, audit: Audited) -> Response:
    """POST /review/{id}/reverse as a button: undo the item's last decision, then show the item."""
    got = await review.reverse(await audit.begin(), audit.who, review_id)
    audit.children = got.children()
    return render.done(f"/manage/review/{review_id}", "relinked" if got.linked_child_id else "reversed")


@get("/manage/links/{source_record_id:str}", opt={"action": "link.unlink", "page": True}, include_in_schema=False)
async def unlink_form(request: Request, source_record_id: params.PathId, item: params.QueryId = None) -> Response:
    """The confirmation before a split. It reads nothing (so no audit event): the item's
    page the data manager came from shows the record and its child."""
    return html(request, "review_unlink.html", {"source_record_id": source_record_id, "item": item})


@post("/manage/links/{source_record_id:str}", opt={"action": "link.unlink", "page": True}, status_code=303,
      include_in_schema=False)
async def unlink(source_record_id: params.PathId, audit: Audited) -> Response:
    """POST /source-records/{id}/unlink as a form: end the record's link, then show the
    review item the split opened for it."""
    got = await review.unlink(await audit.begin(), audit.who, source_record_id)
    audit.children = got.children()
    return render.done(f"/manage/review/{got.review_id}", "unlinked")


ROUTES = [queue, item_page, decide, reverse, unlink_form, unlink]
