"""Route parameters: their types, so that the OpenAPI document shows them, and the checks
Litestar's parsing cannot express, with errors that name the field.

A route declares each query parameter it reads in its signature (`reason: Reason`,
`limit: Annotated[int, params.page(200)] = 50`); Litestar parses and documents them. Before that, `screen_query` (run by
`boundary.screen` on every request) refuses a query parameter the route does not declare,
one given twice, or a value over 200 characters. `errors.explain` turns Litestar's parsing
errors into messages that say what the field must be.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
import uuid
from typing import Annotated, Literal

from litestar import Request
from litestar.constants import RESERVED_KWARGS
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.spec import Example
from litestar.params import BodyKwarg, DependencyKwarg, Parameter, PathParameter

from api.errors import UnsupportedMediaType
from index import errors, policy
from matching import normalise

MAX_VALUE = 200
_CASE_REF = re.compile(policy.CASE_REF)
_PATH_PARAM = re.compile(r"{(\w+)(?::\w+)?}")

Reason = Annotated[Literal[policy.REASONS], Parameter(description="Why you are looking (required for every search and view).",
                                                      examples=[Example(value="service_delivery")])]
CaseRef = Annotated[str | None, Parameter(
    min_length=3, max_length=24,
    description="Your case reference: 3-24 characters of A-Z, 0-9, '/' or '-', including a digit (no free text).")]
# Accepted as ISO 8601 (`2026-12-03T09:00:00Z`); without a zone, UTC.
Timestamp = Annotated[str | None, Parameter(schema_extra={"format": "date-time"}, max_length=40,
                                            description="An ISO 8601 date-time; without a time zone, UTC.")]
DateOfBirth = Annotated[str | None, Parameter(max_length=MAX_VALUE, description="Date of birth: YYYY-MM-DD or DD/MM/YYYY.",
                                              examples=[Example(value="2015-03-14")])]
Surname = Annotated[str | None, Parameter(max_length=MAX_VALUE, description="Surname (at least two letters).",
                                          examples=[Example(value="Testwood")])]
Text = Annotated[str | None, Parameter(max_length=MAX_VALUE)]


def named(query: str):
    """Text under a query name that is not a Python name: a box of a page's GOV.UK date
    input (`dob-day`, `since-time`, ...)."""
    return Annotated[str | None, Parameter(query=query, max_length=MAX_VALUE)]
PathId = Annotated[uuid.UUID, PathParameter(description="An index id (a UUID).")]
QueryId = Annotated[uuid.UUID | None, Parameter(description="An index id (a UUID).")]
After = Annotated[uuid.UUID | None, Parameter(description="The last item's id on the previous page.")]


def page(high: int) -> Parameter:
    """A page size's declaration, 1 to `high`: `limit: Annotated[int, params.page(200)] = 50`."""
    return Parameter(ge=1, le=high, description=f"How many to return, 1-{high}.")


BeforeId = Annotated[int | None, Parameter(ge=1, le=2**62, description="Only entries older than this id (paging).")]


def json_only(request: Request) -> None:
    """A before_request hook for routes with a JSON body: anything else is a 415."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise UnsupportedMediaType("send the body as application/json")


def path_names(handler: BaseRouteHandler) -> set[str]:
    """The names of the values a route's paths carry (`{child_id:str}` -> child_id)."""
    return {name for p in handler.paths for name in _PATH_PARAM.findall(p)}


@functools.cache
def query_names(handler: BaseRouteHandler) -> frozenset[str]:
    """The query parameters a route declares: its signature's parameters that are not
    path values, bodies, dependencies, headers or cookies."""
    path = path_names(handler)
    dependencies = set(handler.resolve_dependencies())
    names = set()
    for name, field in handler.parsed_fn_signature.parameters.items():
        kwarg = field.kwarg_definition
        if name in RESERVED_KWARGS or name in path or name in dependencies:
            continue
        if isinstance(kwarg, (BodyKwarg, DependencyKwarg)):
            continue
        if kwarg is not None and (getattr(kwarg, "header", None) or getattr(kwarg, "cookie", None)):
            continue
        names.add(getattr(kwarg, "query", None) or name)
    return frozenset(names)


def screen_query(request_query: Iterable[tuple[str, str]], handler: BaseRouteHandler) -> dict[str, str]:
    """The query parameters as given, refusing undeclared or repeated names and long values."""
    allowed = query_names(handler)
    out: dict[str, str] = {}
    for key, value in request_query:
        if key not in allowed:
            names = ", ".join(sorted(allowed))
            raise errors.Invalid(f"unknown query parameter (allowed: {names})" if names
                                 else "this route takes no query parameters", field=key)
        if key in out:
            raise errors.Invalid("given more than once", field=key)
        if len(value) > MAX_VALUE:
            raise errors.Invalid(f"longer than {MAX_VALUE} characters", field=key)
        out[key] = value
    return out


def given(request: Request) -> dict[str, str]:
    """The query parameters the caller sent, as sent (what an audit event records)."""
    return dict(request.query_params.items())


def case_ref(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip().upper()
    if not _CASE_REF.match(value):
        raise errors.Invalid("must be 3-24 characters of A-Z, 0-9, '/' or '-', including a digit", field="case_ref")
    return value


def reason(value: str | None) -> str:
    """A reason given in a body (a query's is typed `Reason`)."""
    value = (value or "").strip()
    if not value:
        raise errors.Invalid(f"a reason is required, one of: {', '.join(policy.REASONS)}", field="reason")
    if value not in policy.REASONS:
        raise errors.Invalid(f"must be one of: {', '.join(policy.REASONS)}", field="reason")
    return value


def date(value: str, field: str) -> dt.date:
    try:
        parsed = normalise.parse_date(value)
    except ValueError as exc:
        raise errors.Invalid(str(exc), field=field) from None
    return parsed


def timestamp(value: str | None, field: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise errors.Invalid("not an ISO 8601 date-time", field=field) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
