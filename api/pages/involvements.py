"""The caller's own organisation's involvement, as forms on the child page: register it,
end it, set an indicator, clear one you set. Each POST mirrors its JSON route in
api/routes/involvements.py: the same action, the body checked by the route's own Struct,
the same work (`register_work`, `end_work`, `set_work`, `clear_work`), so one audit event
serves both; then 303 back to the child page (with its reason and case reference) and a
success banner."""

from __future__ import annotations

import datetime as dt

import msgspec
from litestar import Request, Response, post

from api import params
from api.audited import Audit, Audited
from api.pages import render
from api.routes import involvements as routes
from index import errors, involvements, organisations
from matching import normalise

# Why a sensitive service may record its involvement (index.involvements.CONSENT_BASES).
CONSENT_LABELS = {
    "consent_given": "The child, or someone able to consent for them, has agreed",
    "significant_harm": "We suspect the child is suffering, or is likely to suffer, significant harm",
}
render.GLOBALS.update(consent_bases=[(key, CONSENT_LABELS[key]) for key in involvements.CONSENT_BASES],
                      sensitive_kinds=organisations.SENSITIVE_KINDS)

# A field the route's Struct refused -> what the form says.
MESSAGES = {
    "contact_name": "Enter a name of up to 100 characters, without < > { or }",
    "contact_phone": "Enter a phone number, like 01632 960 001",
    "contact_email": "Enter an email address, like name@example.org",
    "consent_basis": "Select why your service's involvement may be recorded",
    "kind": "Select an indicator to set",
}
REGISTER_ORDER = ["start_date", "contact_name", "contact_phone", "contact_email", "consent_basis"]
# What index.involvements says of a date -> the form's words.
DATE_MESSAGES = {
    "start_date is before the child's date of birth": "The start date must be on or after the child's date of birth",
    "start_date is in the future": "The start date must be today or in the past",
    "end_date is before start_date": "The end date must be on or after the date your involvement started",
    "end_date is in the future": "The end date must be today or in the past",
}


class Problems(errors.Invalid):
    """Every problem a form found at once, for the GOV.UK error summary."""

    def __init__(self, found: list[errors.Invalid]) -> None:
        super().__init__(found[0].message, field=found[0].field)
        self.found = found


async def form_of(request: Request) -> dict[str, str]:
    """The form's typed values, screened as a JSON body's strings are (api.boundary)."""
    values = {k: v.strip() for k, v in (await request.form()).items() if isinstance(v, str) and k != "csrf_token"}
    for key, value in values.items():
        if why := normalise.unsafe_character(value):
            raise errors.Invalid(why, field=key)
    return values


def back_to(values: dict[str, str]) -> dict[str, str | None]:
    """The child page's reason and case reference, carried by the form's hidden fields
    (checked now: the work is not done for a form that could not go back)."""
    return {"reason": params.reason(values.get("reason")), "case_ref": params.case_ref(values.get("case_ref") or None)}


def date_of(values: dict[str, str], name: str, what: str) -> str:
    """A GOV.UK date input's three boxes (`name-day`, ...) as YYYY-MM-DD."""
    day, month, year = (values.get(f"{name}-{part}", "") for part in ("day", "month", "year"))
    if not (day or month or year):
        raise errors.Invalid(f"Enter the date {what}", field=name)
    if not (day and month and year):
        raise errors.Invalid(f"The date {what} must include a day, a month and a year", field=name)
    try:
        if len(year) != 4:
            raise ValueError(year)
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        raise errors.Invalid(f"The date {what} must be a real date", field=name) from None


def checked(fields: dict[str, tuple], problems: list[errors.Invalid], order: list[str]) -> None:
    """Each field by the type the JSON route's Struct gives it, so that every problem is
    found at once and named by its form field; raise them in the form's order."""
    for name, (value, annotation) in fields.items():
        if value is None:
            continue
        try:
            msgspec.convert(value, annotation)
        except msgspec.ValidationError:
            problems.append(errors.Invalid(MESSAGES.get(name, "Enter a valid value"), field=name))
    if problems:
        raise Problems(sorted(problems, key=lambda p: order.index(p.field) if p.field in order else len(order)))


def _nicer(exc: errors.Invalid) -> errors.Invalid:
    return errors.Invalid(DATE_MESSAGES.get(exc.message, exc.message), field=exc.field)


def _done(child_id, notice: str, values: dict[str, str | None]) -> Response:
    return render.done(f"/child/{child_id}", notice, **values)


# Each POST declares status_code=303 (post/redirect/get), so that its audit event records
# the status the browser got, as the LA's pages do; otherwise the event is its twin's.
@post("/child/{child_id:str}/involvement", opt={"action": "involvement.register", "page": True,
                                                 "form": "involvement_register.html"}, status_code=303,
      include_in_schema=False)
async def register(request: Request, child_id: params.PathId, audit: Audited) -> Response:
    """POST /children/{child_id}/involvements as a form."""
    values = await form_of(request)
    back = back_to(values)
    problems: list[errors.Invalid] = []
    start = None
    try:
        start = dt.date.fromisoformat(date_of(values, "start_date", "your involvement started"))
    except errors.Invalid as exc:
        problems.append(exc)
    sensitive = audit.who.org_kind in organisations.SENSITIVE_KINDS
    consent = values.get("consent_basis") or None
    if sensitive and consent is None:   # the JSON route's 409, asked for before the work
        problems.append(errors.Invalid(MESSAGES["consent_basis"], field="consent_basis"))
    contact = {k: values.get(f"contact_{k}") or None for k in ("name", "phone", "email")}
    checked({"contact_name": (contact["name"], routes.Name), "contact_phone": (contact["phone"], routes.Phone),
             "contact_email": (contact["email"], routes.Email),
             "consent_basis": (consent, routes.ConsentBasis)}, problems, REGISTER_ORDER)
    body = msgspec.convert({"start_date": start, "consent_basis": consent,
                            "contact": {k: v for k, v in contact.items() if v} or None}, routes.RegisterIn)
    try:
        got = await routes.register_work(audit, child_id, body)
    except errors.Invalid as exc:
        raise _nicer(exc) from None
    return _done(got.child_id, "registered", back)


@post("/child/{child_id:str}/involvement/{involvement_id:str}/end",
      opt={"action": "involvement.end", "page": True, "form": "involvement_end.html"}, status_code=303,
      include_in_schema=False)
async def end(request: Request, child_id: params.PathId, involvement_id: params.PathId, audit: Audited) -> Response:
    """POST /involvements/{involvement_id}/end as a form."""
    _as_the_json_route(audit, "involvement_id")
    values = await form_of(request)
    back = back_to(values)
    body = routes.EndIn(end_date=dt.date.fromisoformat(date_of(values, "end_date", "your involvement ended")))
    try:
        got = await routes.end_work(audit, involvement_id, body)
    except errors.Invalid as exc:
        raise _nicer(exc) from None
    return _done(got.child_id, "ended", back)


@post("/child/{child_id:str}/involvement/{involvement_id:str}/indicators",
      opt={"action": "indicator.set", "page": True, "form": "indicator_set.html"}, status_code=303,
      include_in_schema=False)
async def set_indicator(request: Request, child_id: params.PathId, involvement_id: params.PathId,
                        audit: Audited) -> Response:
    """POST /involvements/{involvement_id}/indicators as a form."""
    _as_the_json_route(audit, "involvement_id")
    values = await form_of(request)
    back = back_to(values)
    kind = values.get("kind") or None
    checked({"kind": (kind, routes.IndicatorKind)}, [] if kind else [errors.Invalid(MESSAGES["kind"], field="kind")],
            ["kind"])
    got = await routes.set_work(audit, involvement_id, routes.IndicatorIn(kind=kind))
    return _done(got.child_id, "indicator_set", back)


@post("/child/{child_id:str}/indicators/{indicator_id:str}/clear",
      opt={"action": "indicator.clear", "page": True}, status_code=303, include_in_schema=False)
async def clear_indicator(request: Request, child_id: params.PathId, indicator_id: params.PathId,
                          audit: Audited) -> Response:
    """POST /indicators/{indicator_id}/clear as a button."""
    _as_the_json_route(audit, "indicator_id")
    back = back_to(await form_of(request))
    got = await routes.clear_work(audit, indicator_id)
    return _done(got.child_id, "indicator_cleared", back)


def _as_the_json_route(audit: Audit, name: str) -> None:
    """The event the JSON route records: its path names only the involvement or the
    indicator (the page's child id is where to go back to, not what the work touched)."""
    audit.query = {name: audit.query[name]}
    audit.about = None


ROUTES = [register, end, set_indicator, clear_indicator]
