"""The one error map: every failure leaves as RFC 9457 problem+json, never a stack trace;
a page route's (opt "page") as an HTML page instead (api/pages/render.py)."""

from __future__ import annotations

import re
import traceback
import typing
from typing import Literal

import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from api.pages import render
from index import errors

log = structlog.get_logger(__name__)

PROBLEM = "application/problem+json"

STATUS = {
    errors.Invalid: 400,
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.Unavailable: 503,
}

TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    500: "Internal error",
    503: "Service unavailable",
}


class UnsupportedMediaType(errors.DomainError):
    """The body is not in a format the route accepts."""


STATUS[UnsupportedMediaType] = 415


class TooLarge(errors.DomainError):
    """The body is over a configured size limit."""


STATUS[TooLarge] = 413
TITLES[422] = "Unprocessable content"


def status_of(exc: errors.DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def problem(request: Request, status: int, detail: str, fields: list[dict] | None = None) -> Response:
    if render.is_page(request):
        return render.error_page(request, status, detail, fields)
    body: dict = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    request_id = request.scope.get("state", {}).get("request_id")
    if request_id:
        body["request_id"] = str(request_id)
    if fields:
        body["errors"] = fields
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return Response(body, status_code=status, media_type=PROBLEM, headers=headers)


def domain_error(request: Request, exc: errors.DomainError) -> Response:
    status = status_of(exc)
    found = getattr(exc, "found", None) or [exc]   # a page's form reports every problem at once
    fields = [{"field": e.field, "message": e.message} for e in found if e.field] or None
    detail = f"{exc.field}: {exc.message}" if exc.field and not exc.message.startswith(exc.field) else exc.message
    return problem(request, status, detail, fields)


_UNKNOWN = re.compile(r"(?:unknown|missing required) field `([^`]+)`")
_AT = re.compile(r"at `\$\.?([^`]*)`")


def _fields_from(request: Request, exc: ValidationException) -> list[dict]:
    out = []
    if missing := _MISSING.search(str(exc.detail or "")):
        return [{"field": missing[1], "message": explain(request, missing[1], "required")}]
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", "invalid value"))
        key = item.get("key")
        if item.get("source") in ("query", "path") and key:
            out.append({"field": key, "message": explain(request, key, message)})
            continue
        if key in (None, "", "body", "data"):
            key = ""
        named = _UNKNOWN.search(message)
        at = _AT.search(message)
        where = at[1] if at and at[1] else key
        if named:
            key = f"{where}.{named[1]}" if where else named[1]
        else:
            key = where or "body"
        message = _AT.sub("", message).strip(" -")
        out.append({"field": key, "message": message})
    return out


# Litestar's parsing errors of query and path values -> what the value must be.
_MISSING = re.compile(r"Missing required (?:\w+ )?parameter '([^']+)'")


def explain(request: Request, field: str, message: str) -> str:
    """A clear message for a query or path value that Litestar could not parse, from the
    route's own declaration of the parameter (its choices and bounds)."""
    handler = request.scope.get("route_handler")
    definition = handler.parsed_fn_signature.parameters.get(field) if handler is not None else None
    choices = _choices(definition.annotation) if definition is not None else ()
    kwarg = getattr(definition, "kwarg_definition", None)
    low, high = getattr(kwarg, "ge", None), getattr(kwarg, "le", None)
    if message == "required":
        return f"required, one of: {', '.join(choices)}" if choices else "required"
    if choices:
        return f"must be one of: {', '.join(choices)}"
    if message.startswith("Invalid UUID"):
        return "not a valid id"
    if message.startswith("Expected `int`"):
        if low is not None and high is not None:
            return f"must be a whole number between {int(low)} and {int(high)}"
        return "not a whole number"
    if message.startswith("Expected `bool`"):
        return "must be true or false"
    if message.startswith("Expected `str` of length"):
        return message.replace("Expected `str` of length", "must be of length")
    return message


def _choices(annotation) -> tuple[str, ...]:
    """The values of a Literal, through Annotated and Optional."""
    if typing.get_origin(annotation) is Literal:
        return tuple(str(a) for a in typing.get_args(annotation))
    for arg in typing.get_args(annotation):
        if found := _choices(arg):
            return found
    return ()


def validation_error(request: Request, exc: ValidationException) -> Response:
    fields = _fields_from(request, exc)
    detail = "; ".join(f"{f['field']}: {f['message']}" for f in fields) or "the request is not valid"
    return problem(request, 400, detail, fields)


def http_error(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    detail = exc.detail if status < 500 else TITLES.get(status, "Error")
    if status == 413:
        detail = "the request body is larger than the service accepts"
    return problem(request, status, detail)


def unexpected_error(request: Request, exc: Exception) -> Response:
    # The audited transaction's rollback, when the database connection was lost mid-request
    # (a failover), raises the driver error translated at the database boundary; Litestar
    # wraps an error a dependency's clean-up raises in an ExceptionGroup. It is that error.
    if isinstance(exc, ExceptionGroup) and len(exc.exceptions) == 1 \
            and isinstance(exc.exceptions[0], errors.DomainError):
        return domain_error(request, exc.exceptions[0])
    # Frames only: an exception's message could carry personal data.
    frames = [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}" for f in traceback.extract_tb(exc.__traceback__)]
    log.error("unhandled_error", error_class=type(exc).__name__, frames=frames[-6:])
    return problem(request, HTTP_500_INTERNAL_SERVER_ERROR, "the service could not complete the request")


HANDLERS = {
    errors.DomainError: domain_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    Exception: unexpected_error,
}
