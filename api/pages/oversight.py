"""Auditor pages: the audit log and the misuse alerts. Each mirrors its JSON route
(api/routes/audit.py, api/routes/misuse.py): the same action, the same `audit: Audited`
event and the same work (`audit.events_of`, `misuse.alerts`, `misuse_routes.close`).

The audit search's form takes dates (and optional times, UK time) where GET /audit takes
ISO 8601 date-times; its event records the query as GET /audit would have been asked it
(`child_id`, `user_id`, `since`, `until`, `before_id`), so both read alike in the log."""

from __future__ import annotations

import datetime as dt
import re
import uuid
import zoneinfo
from typing import Literal
from urllib.parse import urlencode

import msgspec
from litestar import Request, Response, get, post

from api import params
from api.audited import Audited
from api.pages import render
from api.pages.children import Problems
from api.pages.render import html
from api.routes import audit as audit_routes
from api.routes import misuse as misuse_routes
from index import errors, misuse

LONDON = zoneinfo.ZoneInfo("Europe/London")
PAGE_SIZE = 50
TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
FORM_ORDER = ["child_id", "user_id", "since", "since-time", "until", "until-time"]
OUTCOME_COLOURS = {"ok": "green", "denied": "red", "unauthenticated": "orange", "not_found": "grey",
                   "invalid": "yellow", "conflict": "purple"}
_MSGSPEC_FIELD = re.compile(r"field `(\w+)`|\$\.(\w+)")


def when(moment: dt.datetime | None) -> str:
    return moment.astimezone(LONDON).strftime("%-d %b %Y, %H:%M:%S") if moment else ""


def _id(value: str | None, field: str, label: str) -> uuid.UUID | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise errors.Invalid(f"Enter the {label} as an index id, like 3f2c6b1e-8d4a-4c3b-9a51-2e7d9c0b4a17",
                             field=field) from None


def _moment(field: str, label: str, day, month, year, time, *, end: bool) -> dt.datetime | None:
    """A date (and optional time) in UK time as a UTC instant. A date alone means its
    whole day: `since` from its start, `until` to its end."""
    parts = [(p or "").strip() for p in (day, month, year)]
    time = (time or "").strip()
    if not any(parts):
        if time:
            raise errors.Invalid(f"{label} must include a date as well as a time", field=field)
        return None
    if not all(parts):
        raise errors.Invalid(f"{label} must include a day, a month and a year", field=field)
    try:
        date = dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        raise errors.Invalid(f"{label} must be a real date", field=field) from None
    if not time:
        start = dt.datetime.combine(date + dt.timedelta(days=1) if end else date, dt.time(), LONDON)
        return start.astimezone(dt.UTC)
    if not (match := TIME.fullmatch(time)):
        raise errors.Invalid(f"{label} time must be a time on the 24-hour clock, like 09:30", field=f"{field}-time")
    return dt.datetime.combine(date, dt.time(int(match[1]), int(match[2])), LONDON).astimezone(dt.UTC)


def _filters(child_id, user_id, since_parts, until_parts) -> dict:
    found: list[errors.Invalid] = []

    def check(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except errors.Invalid as exc:
            found.append(exc)
            return None

    got = {"child_id": check(_id, child_id, "child_id", "child's id"),
           "user_id": check(_id, user_id, "user_id", "user's id"),
           "since": check(_moment, "since", "From", *since_parts, end=False),
           "until": check(_moment, "until", "To", *until_parts, end=True)}
    if got["since"] and got["until"] and got["until"] <= got["since"]:
        found.append(errors.Invalid("To must be after From", field="until"))
    if found:
        raise Problems(sorted(found, key=lambda f: FORM_ORDER.index(f.field)))
    return got


@get("/oversight/audit", opt={"action": "audit.read", "page": True, "form": "oversight_audit.html"},
     include_in_schema=False)
async def audit_log(request: Request, audit: Audited, child_id: params.Text = None, user_id: params.Text = None,
                    since_day: params.named("since-day") = None, since_month: params.named("since-month") = None,
                    since_year: params.named("since-year") = None, since_time: params.named("since-time") = None,
                    until_day: params.named("until-day") = None, until_month: params.named("until-month") = None,
                    until_year: params.named("until-year") = None, until_time: params.named("until-time") = None,
                    before_id: params.BeforeId = None) -> Response:
    """GET /audit as a page: a search by child, user and time, newest first, a page at a time."""
    got = _filters(child_id, user_id, (since_day, since_month, since_year, since_time),
                   (until_day, until_month, until_year, until_time))
    # Recorded as GET /audit's query would be: its own parameter names, the instants as ISO 8601.
    audit.query = {k: (v.isoformat() if isinstance(v, dt.datetime) else str(v))
                   for k, v in {**got, "before_id": before_id}.items() if v is not None}
    page = await audit_routes.events_of(audit, **got, before_id=before_id, limit=PAGE_SIZE)
    form = {k: v for k, v in request.query_params.items() if k != "before_id" and v}

    def link(**change) -> str:
        return "/oversight/audit?" + urlencode({k: v for k, v in {**form, **change}.items() if v})

    return html(request, "oversight_audit.html", {
        "values": dict(request.query_params.items()), "events": page.events, "searched": True, "when": when,
        "link": link, "paged": before_id is not None, "outcome_colours": OUTCOME_COLOURS,
        "next": link(before_id=str(page.next_before_id)) if page.next_before_id else None})


@get("/oversight/alerts", opt={"action": "alert.read", "page": True}, include_in_schema=False)
async def alerts(request: Request, audit: Audited, status: Literal[misuse.STATUSES] = "open",
                 done: Literal["closed", "reinstated"] | None = None) -> Response:
    """GET /alerts as a page, with a form to close each open alert (and reinstate)."""
    audit.query = {k: v for k, v in params.given(request).items() if k != "done"}
    found = await misuse.alerts(await audit.begin(), status=status, limit=100)
    return html(request, "oversight_alerts.html", {"alerts": found, "status": status, "done": done, "when": when})


def _closing(form) -> misuse_routes.CloseIn:
    """The form read by the JSON route's own body type."""
    given = {k: form.get(k) for k in ("outcome", "reinstate") if isinstance(form.get(k), str) and form.get(k)}
    try:
        return msgspec.convert(given, misuse_routes.CloseIn, strict=False)
    except msgspec.ValidationError as exc:
        named = _MSGSPEC_FIELD.search(str(exc))
        field = (named[1] or named[2]) if named else "outcome"
        message = "Select whether to reinstate the account" if field == "reinstate" else "Select the outcome"
        raise errors.Invalid(message, field=field) from None


@post("/oversight/alerts/{alert_id:str}/close",
      opt={"action": "alert.close", "page": True, "form": "oversight_close.html"}, status_code=200,
      include_in_schema=False)   # 200: the audit event records the JSON route's status
async def close(request: Request, alert_id: params.PathId, audit: Audited) -> Response:
    """POST /alerts/{id}/close as a form: the outcome and whether to reinstate."""
    data = _closing(await request.form())
    await misuse_routes.close(audit, alert_id, data)
    return render.done("/oversight/alerts", "reinstated" if data.reinstate else "closed")


ROUTES = [audit_log, alerts, close]
