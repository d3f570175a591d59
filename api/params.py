"""Parsing of query strings and path values, with errors that name the field."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from litestar import Request

from api.errors import UnsupportedMediaType
from index import errors, policy
from matching import normalise

_CASE_REF = re.compile(policy.CASE_REF)


def json_only(request: Request) -> None:
    """A before_request hook for routes with a JSON body: anything else is a 415."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise UnsupportedMediaType("send the body as application/json")


def only(request: Request, allowed: set[str]) -> dict[str, str]:
    """The query parameters, rejecting unknown or repeated names."""
    out: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key not in allowed:
            raise errors.Invalid(f"unknown query parameter (allowed: {', '.join(sorted(allowed))})", field=key)
        if key in out:
            raise errors.Invalid("given more than once", field=key)
        if len(value) > 200:
            raise errors.Invalid("longer than 200 characters", field=key)
        out[key] = value
    return out


def reason(params: dict[str, str]) -> tuple[str, str | None]:
    value = params.get("reason", "").strip()
    if not value:
        raise errors.Invalid(f"a reason is required, one of: {', '.join(policy.REASONS)}", field="reason")
    if value not in policy.REASONS:
        raise errors.Invalid(f"must be one of: {', '.join(policy.REASONS)}", field="reason")
    case_ref = params.get("case_ref")
    if case_ref is not None:
        case_ref = case_ref.strip().upper()
        if not _CASE_REF.match(case_ref):
            raise errors.Invalid(
                "must be 3-24 characters of A-Z, 0-9, '/' or '-', including a digit", field="case_ref"
            )
    return value, case_ref


def index_id(value: str, field: str = "child_id") -> uuid.UUID:
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise errors.Invalid("not a valid id", field=field) from None
    return parsed


def date(value: str, field: str) -> dt.date:
    try:
        parsed = normalise.parse_date(value)
    except ValueError as exc:
        raise errors.Invalid(str(exc), field=field) from None
    return parsed


def timestamp(value: str, field: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise errors.Invalid("not an ISO 8601 date-time", field=field) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def whole(value: str, field: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise errors.Invalid("not a whole number", field=field) from None
    if not low <= number <= high:
        raise errors.Invalid(f"must be between {low} and {high}", field=field)
    return number
