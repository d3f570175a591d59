"""What the LA data manager's pages (api/pages/manage_*.py) share: a form's values read
and checked by the JSON route's own body Struct, the query an audit event records, and
the labels of the choices their templates offer (the radios offer exactly what the JSON
bodies accept: tests/api/test_pages_manage.py holds them to ShieldIn and CloseIn)."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import TypeVar

import msgspec
from litestar import Request

from api import params
from api.pages import render
from index import errors

T = TypeVar("T")

SHIELD_REASON_LABELS = {
    "domestic_abuse": "Domestic abuse",
    "witness_protection": "Witness protection",
    "adoption": "Adoption",
    "risk_of_significant_harm": "Risk of significant harm",
}
OUTCOME_LABELS = {
    "justified": "Justified: the view was needed",
    "not_justified": "Not justified",
    "referred": "Referred for further action",
}
KIND_LABELS = {"shield_override": "Shield override", "emergency_view": "Emergency view"}
TRANSFER_STATUS_LABELS = {"requested": "Requested", "accepted": "Accepted", "declined": "Declined",
                          "withdrawn": "Withdrawn"}
TRANSFER_STATUS_COLOURS = {"requested": "blue", "accepted": "green", "declined": "red", "withdrawn": "grey"}
FEED_STATUS_COLOURS = {"queued": "grey", "processing": "blue", "done": "green", "rejected": "red"}

render.GLOBALS.update(
    shield_reasons=list(SHIELD_REASON_LABELS.items()), outcomes=list(OUTCOME_LABELS.items()),
    kind_labels=KIND_LABELS, transfer_status_labels=TRANSFER_STATUS_LABELS,
    transfer_status_colours=TRANSFER_STATUS_COLOURS, feed_status_colours=FEED_STATUS_COLOURS)


async def form_body(request: Request, struct: type[T], field: str, message: str) -> T:
    """The form's `field` checked by the JSON route's body Struct; any problem is a 400
    naming the field, with the page's own words."""
    form = await request.form()
    value = form.get(field)
    body = {field: value} if isinstance(value, str) and value.strip() else {}
    try:
        return msgspec.convert(body, struct, strict=False)
    except msgspec.ValidationError:
        raise errors.Invalid(message, field=field) from None


@contextlib.contextmanager
def in_sentences():
    """index/'s 400s (lower case, for the JSON detail) as sentences for the error summary;
    raised again, so the audit event is the JSON route's."""
    try:
        yield
    except errors.Invalid as exc:
        raise errors.Invalid(exc.message[:1].upper() + exc.message[1:], field=exc.field) from None


def audited_query(request: Request, *names: str) -> dict[str, str]:
    """The query an event records, as the JSON twin's (params.given): the values sent,
    without the page's own (`done`, the success banner's key)."""
    return {k: v for k, v in params.given(request).items() if k in names}


def date_part(field: str, part: str):
    """A box of a GOV.UK date input: query `<field>-day`, `-month`, `-year`."""
    return params.named(f"{field}-{part}")


def date_given(field: str, label: str, day: str | None, month: str | None, year: str | None) -> dt.date | None:
    """A date input's value: None if every box is empty."""
    parts = [(p or "").strip() for p in (day, month, year)]
    if not any(parts):
        return None
    if not all(parts):
        raise errors.Invalid(f"{label} must include a day, a month and a year", field=field)
    try:
        if len(parts[2]) != 4:
            raise ValueError(parts[2])
        return dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        raise errors.Invalid(f"{label} must be a real date", field=field) from None
