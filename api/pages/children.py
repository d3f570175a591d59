"""Practitioner pages: the start page, search and a child's record. Each mirrors its JSON
route in api/routes/children.py: the same action, the same `audit: Audited` event and the
same work (`children.find`, `children.open_record`), so one policy path serves both."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from litestar import Request, Response, get
from litestar.params import Parameter

from api import params
from api.audited import Audited
from api.pages.render import html
from api.routes import children
from index import errors

FORM_ORDER = ["forename", "surname", "dob", "postcode", "reason", "case_ref"]
GRADE_COLOURS = {"certain": "green", "probable": "blue", "possible": "grey"}


def _date_part(part: str):
    """A box of the date of birth's GOV.UK date input: query `dob-day`, `dob-month`, `dob-year`."""
    return Annotated[str | None, Parameter(query=f"dob-{part}", max_length=params.MAX_VALUE)]


class Problems(errors.Invalid):
    """Every problem a form found at once, for the GOV.UK error summary."""

    def __init__(self, found: list[errors.Invalid]) -> None:
        super().__init__(found[0].message, field=found[0].field)
        self.found = found


@get("/", opt={"action": "me.read", "page": True}, include_in_schema=False)
async def start(request: Request) -> Response:
    """Every role's home: a practitioner's start page; for others, the tasks their role
    may do (the navigation's entries)."""
    return html(request, "start.html", {})


@get("/search", opt={"action": "child.search", "page": True}, include_in_schema=False)
async def search_form(request: Request) -> Response:
    """The empty form; it submits to /search/results (no search, so no audit event)."""
    return html(request, "search.html", {})


def _dob(day: str | None, month: str | None, year: str | None) -> str | None:
    parts = [(p or "").strip() for p in (day, month, year)]
    if not any(parts):
        return None
    if not all(parts):
        raise errors.Invalid("Date of birth must include a day, a month and a year", field="dob")
    return f"{parts[2]}-{parts[1].zfill(2)}-{parts[0].zfill(2)}"


def _checked(reason, case_ref, surname, forename, postcode, dob_parts) -> tuple[str, str | None, dict]:
    """The form's values checked by the JSON route's own rules, every problem at once."""
    found: list[errors.Invalid] = []

    def check(fn, *args):
        try:
            return fn(*args)
        except errors.Invalid as exc:
            found.append(exc)
            return None

    dob = check(_dob, *dob_parts)
    if not (surname or "").strip():
        found.append(errors.Invalid("Enter the child's last name", field="surname"))
    if dob is None and not any(f.field == "dob" for f in found):
        found.append(errors.Invalid("Enter the child's date of birth", field="dob"))
    if not found:
        check(children._name_query, surname, dob, forename, postcode)
    if not (reason or "").strip():
        found.append(errors.Invalid("Select why you are looking", field="reason"))
    chosen = check(params.reason, reason) if reason else None
    ref = check(params.case_ref, (case_ref or "").strip() or None)
    if found:   # in the form's order, as the error summary lists them
        raise Problems(sorted(found, key=lambda f: FORM_ORDER.index(f.field) if f.field in FORM_ORDER else 0))
    return chosen, ref, {"surname": surname, "dob": dob, "forename": forename, "postcode": postcode}


@get("/search/results", opt={"action": "child.search", "page": True, "form": "search.html"}, include_in_schema=False)
async def search_results(request: Request, audit: Audited, reason: params.Text = None, case_ref: params.Text = None,
                         surname: params.Text = None, forename: params.Text = None, postcode: params.Text = None,
                         dob_day: _date_part("day") = None, dob_month: _date_part("month") = None,
                         dob_year: _date_part("year") = None) -> Response:
    """The search of GET /children/search by names and date of birth, as a page."""
    audit.reason, audit.case_ref, given = _checked(reason, case_ref, surname, forename, postcode,
                                                   (dob_day, dob_month, dob_year))
    hits = await children.find(request, audit, given)
    link = {"reason": audit.reason, **({"case_ref": audit.case_ref} if audit.case_ref else {})}
    shown = [{"href": f"/child/{h.id}?{urlencode(link)}", "forename": h.forename, "surname": h.surname,
              "dob": h.dob.strftime("%-d %B %Y") if h.dob else None, "town": h.town, "grade": h.grade} for h in hits]
    return html(request, "results.html", {"hits": shown, "grade_colours": GRADE_COLOURS})


@get("/child/{child_id:str}", opt={"action": "child.view", "page": True}, include_in_schema=False)
async def child(request: Request, child_id: params.PathId, audit: Audited, reason: params.Text = None,
                case_ref: params.Text = None) -> Response:
    """GET /children/{child_id} as a page: the record as policy shows it to the caller."""
    audit.reason = params.reason(reason)
    audit.case_ref = params.case_ref((case_ref or "").strip() or None)
    record = await children.open_record(request, audit, child_id)
    return html(request, "child.html", {"child": record})


ROUTES = [start, search_form, search_results, child]
