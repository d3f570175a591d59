"""The LA data manager's reports: the digest of views of the LA's children by others,
between two dates, and the LA's census feeds with their counts and row errors. Each
mirrors its JSON route (api/routes/access.py, api/routes/feeds.py) through the same
functions, so one policy path and one audit event serve both."""

from __future__ import annotations

import datetime as dt

from litestar import Request, Response, get

from api import params
from api.audited import Audited
from api.pages import render
from api.pages.children import Problems
from api.pages.manage_common import date_given, date_part
from api.routes import access as access_routes, feeds as feeds_routes
from index import access, errors

WINDOW_WORDS = {"until": "The last day must be on or after the first day",
                "since": f"The days may cover at most {access.MAX_WINDOW.days} days"}
FEED_PAGE = 50   # the JSON route's default page
# The boxes of the two GOV.UK date inputs.
SinceDay, SinceMonth, SinceYear = (date_part("since", p) for p in ("day", "month", "year"))
UntilDay, UntilMonth, UntilYear = (date_part("until", p) for p in ("day", "month", "year"))


@get("/manage/access", opt={"action": "access.digest", "page": True, "form": "manage_access.html"},
     include_in_schema=False)
async def digest(request: Request, audit: Audited, since_day: SinceDay = None, since_month: SinceMonth = None,
                 since_year: SinceYear = None, until_day: UntilDay = None, until_month: UntilMonth = None,
                 until_year: UntilYear = None) -> Response:
    """GET /access-notifications as a page. The dates are whole days in UTC, both
    included: since is that day's start, until the start of the day after; without
    them, the JSON route's last 24 hours."""
    problems: list[errors.Invalid] = []
    days = []
    for field, label, parts in (("since", "The first day", (since_day, since_month, since_year)),
                                ("until", "The last day", (until_day, until_month, until_year))):
        try:
            days.append(date_given(field, label, *parts))
        except errors.Invalid as exc:
            problems.append(exc)
    if problems:
        raise Problems(problems)
    first, last = days
    since = dt.datetime.combine(first, dt.time(), dt.UTC) if first else None
    until = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), dt.UTC) if last else None
    try:
        got = await access_routes.digest_of(audit, since, until)
    except errors.Invalid as exc:   # the window's rules (index.access), in the page's words
        raise errors.Invalid(WINDOW_WORDS.get(exc.field, exc.message), field=exc.field) from None
    return render.html(request, "manage_access.html", {
        "digest": got, "last_day": got.until - dt.timedelta(microseconds=1),
        "values": render.form_values(request), "problem_of": {}})


@get("/manage/feeds", opt={"action": "feed.list", "page": True}, include_in_schema=False)
async def list_feeds(request: Request, audit: Audited, before: params.QueryId = None) -> Response:
    """GET /feeds as a page: the LA's feeds (a school's own), newest first, with a link
    to the next page."""
    audit.query = params.given(request)
    found = await feeds_routes.feeds_of(audit, before, FEED_PAGE)
    return render.html(request, "manage_feeds.html", {"feeds": found.feeds, "next": found.next,
                                                      "first_page": before is None})


@get("/manage/feeds/{feed_id:str}", opt={"action": "feed.read", "page": True}, include_in_schema=False)
async def feed(request: Request, feed_id: params.PathId, audit: Audited) -> Response:
    """GET /feeds/{feed_id} as a page: status, counts, row errors and row warnings."""
    found = await feeds_routes.feed_of(audit, feed_id)
    return render.html(request, "manage_feed.html", {"feed": found})




ROUTES = [digest, list_feeds, feed]
