"""Practitioner pages: the start page, search and a child's record. Each mirrors its JSON
route in api/routes/children.py: the same action, the same `audit: Audited` event and the
same work (`children.find`, `children.open_record`), so one policy path serves both."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlencode

from litestar import Request, Response, get

from api import params
from api.audited import Audited
from api.pages import render
from api.pages.render import html
from api.routes import children
from index import errors, organisations, policy
from index.auth import Principal
from index.records import ChildRecord
from matching import schemes

FORM_ORDER = ["forename", "surname", "dob", "postcode", "reason", "case_ref"]
GRADE_COLOURS = {"certain": "green", "probable": "blue", "possible": "grey"}
render.GLOBALS.update(schemes=[(s.name, s.label) for s in schemes.SCHEMES])   # the identifier search's radios


def _date_part(part: str):
    """A box of the date of birth's GOV.UK date input: query `dob-day`, `dob-month`, `dob-year`."""
    return params.named(f"dob-{part}")


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
    return await _results(request, audit, given)


async def _results(request: Request, audit: Audited, given: dict) -> Response:
    """The search's hits as results.html, each linking to the child with the reason and
    case reference (audit.reason and audit.case_ref set)."""
    hits = await children.find(request, audit, given)
    link = {"reason": audit.reason, **({"case_ref": audit.case_ref} if audit.case_ref else {})}
    shown = [{"href": f"/child/{h.id}?{urlencode(link)}", "forename": h.forename, "surname": h.surname,
              "dob": h.dob.strftime("%-d %B %Y") if h.dob else None, "town": h.town, "grade": h.grade} for h in hits]
    return html(request, "results.html", {"hits": shown, "grade_colours": GRADE_COLOURS})


@get("/search/identifier", opt={"action": "child.search", "page": True}, include_in_schema=False)
async def identifier_form(request: Request) -> Response:
    """The empty form; it submits to /search/identifier/results (no search, no audit event)."""
    return html(request, "identifier.html", {})


@get("/search/identifier/results", opt={"action": "child.search", "page": True, "form": "identifier.html"},
     include_in_schema=False)
async def identifier_results(request: Request, audit: Audited, scheme: params.Text = None, value: params.Text = None,
                             reason: params.Text = None, case_ref: params.Text = None) -> Response:
    """The search of GET /children/search by one identifier (upn, former_upn, uln or
    nhs_number), as a page."""
    found: list[errors.Invalid] = []
    if scheme not in children.IDENTIFIER_PARAMS:
        found.append(errors.Invalid("Select which kind of number you have", field="scheme"))
    if not (value or "").strip():
        found.append(errors.Invalid("Enter the number", field="value"))
    elif not found:
        try:   # the JSON route's own check of the value, named by the form's field
            children._identifier_query({scheme: value})
        except errors.Invalid as exc:
            found.append(errors.Invalid(exc.message, field="value"))
    if not (reason or "").strip():
        found.append(errors.Invalid("Select why you are looking", field="reason"))
    for check, given in ((params.reason, reason), (params.case_ref, (case_ref or "").strip() or None)):
        try:
            if given:
                check(given)
        except errors.Invalid as exc:
            found.append(exc)
    if found:
        raise Problems(found)
    audit.reason, audit.case_ref = params.reason(reason), params.case_ref((case_ref or "").strip() or None)
    return await _results(request, audit, {scheme: value})


Done = Literal["registered", "ended", "indicator_set", "indicator_cleared"]
DONE = {
    "registered": "Your involvement is registered",
    "ended": "Your involvement has ended",
    "indicator_set": "Indicator set",
    "indicator_cleared": "Indicator cleared",
}


@get("/child/{child_id:str}", opt={"action": "child.view", "page": True}, include_in_schema=False)
async def child(request: Request, child_id: params.PathId, audit: Audited, reason: params.Text = None,
                case_ref: params.Text = None, done: Done | None = None) -> Response:
    """GET /children/{child_id} as a page: the record as policy shows it to the caller,
    and the caller's own organisation's involvement with its forms."""
    audit.reason = params.reason(reason)
    audit.case_ref = params.case_ref((case_ref or "").strip() or None)
    record = await children.open_record(request, audit, child_id)
    who = audit.who
    context = {"child": record, "done": DONE.get(done or ""),
               "values": {"reason": audit.reason, "case_ref": audit.case_ref or ""},
               "back_query": urlencode({"reason": audit.reason,
                                        **({"case_ref": audit.case_ref} if audit.case_ref else {})}),
               "shielded": record.notice == policy.SHIELDED_NOTICE,
               "may_override": who.can("child_protection") and policy.allowed("child.override", who.role)}
    if audit.reason == "emergency" and not policy.sees_everything(who, record):
        # open_record opened an emergency_view investigation for the owning LA.
        context["emergency_hours"] = request.app.state.emergency_review_hours
    context["reduced"] = record.notice in REDUCED
    if policy.allowed("involvement.register", who.role) and not context["reduced"]:
        context["yours"] = _yours(who, record)
    return html(request, "child.html", context)


# A record policy reduced to names (and a few fields): it shows no involvement, so the
# page cannot tell whether the caller has one, and offers no involvement forms.
REDUCED = (policy.SHIELDED_NOTICE, policy.CONNEXIONS_NOTICE)


def _yours(who: Principal, record: ChildRecord) -> dict:
    """The caller's organisation's open involvement (by organisation code, as policy shows
    a sensitive service's own involvement to it), the indicator kinds it may still set,
    and the indicators the caller set (only they may clear one)."""
    own = next((inv for inv in record.involvements if inv.end_date is None and inv.organisation is not None
                and inv.organisation.code == who.org_code), None)
    if own is None:
        return {"open": None, "sensitive": who.org_kind in organisations.SENSITIVE_KINDS}
    set_kinds = {ind.kind for ind in own.indicators}
    return {"open": own, "unset": [(k, label) for k, label in render.INDICATOR_LABELS.items() if k not in set_kinds],
            "mine": [ind for ind in own.indicators if ind.set_by_id == who.user_id]}


ROUTES = [start, search_form, search_results, identifier_form, identifier_results, child]
