"""Screening of every query string and JSON body before a route sees it.

A guard (after `security.authorize`): a query parameter the route does not declare, one
given twice or a value over 200 characters is refused (`params.screen_query`); no
query-string or JSON string (names, values or object keys) may hold a control character
(C0, DEL, C1) or a bidirectional embedding, override or isolate character, and a JSON
body may nest at most `MAX_DEPTH` levels.
A refusal is a 400 naming the field (or `body`), audited like a refused request of the
route (outcome `invalid`, without the offending value), before anything reaches
PostgreSQL or the JSON decoder.
"""

from __future__ import annotations

import re

import msgspec
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from api import params, security
from api.state import pool_of
from index import errors
from matching import normalise

# The service's bodies nest two or three levels; this leaves room and stops a body of a
# thousand brackets before a recursive decoder sees it.
MAX_DEPTH = 16
_BODY_METHODS = {"POST", "PUT", "PATCH"}
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)


async def screen(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    try:
        _query(connection)
        if not handler.opt.get("public"):
            params.screen_query(connection.query_params.multi_items(), handler)
        if isinstance(connection, Request) and connection.method in _BODY_METHODS and _takes_json(connection, handler):
            _body(await connection.body())
    except errors.Invalid as exc:
        state = connection.scope.get("state", {})
        if not handler.opt.get("public") and "principal" in state:
            await security.record_refusal(pool_of(connection.app), state["request_id"], handler.opt["action"],
                                          "invalid", 400, state["principal"])
        raise exc from None


def _query(connection: ASGIConnection) -> None:
    for key, value in connection.query_params.multi_items():
        if why := normalise.unsafe_character(key):
            raise errors.Invalid(f"a query parameter name {why}", field=_printable(key))
        if why := normalise.unsafe_character(value):
            raise errors.Invalid(why, field=key)


def _takes_json(connection: ASGIConnection, handler: BaseRouteHandler) -> bool:
    """A JSON body for a route that decodes one (`data`); a streamed upload is not read here."""
    media = connection.headers.get("content-type", "").split(";")[0].strip().lower()
    return media == "application/json" and "data" in handler.parsed_fn_signature.parameters


def _body(raw: bytes) -> None:
    if not raw:
        return
    if depth(raw) > MAX_DEPTH:
        raise errors.Invalid(f"nested more than {MAX_DEPTH} levels deep", field="body")
    try:
        value = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return   # not JSON: the route's own decoding names the error
    _strings(value, "")


def depth(raw: bytes) -> int:
    """How deeply the arrays and objects of a JSON text nest (strings skipped unread)."""
    deepest = level = 0
    for byte in _STRINGS.sub(b"", raw):
        if byte in b"[{":
            level += 1
            deepest = max(deepest, level)
        elif byte in b"]}":
            level -= 1
    return deepest


def _strings(value, path: str) -> None:
    """Every string of a decoded body, keys too, named by its path (`contact.name`, `ids[2]`)."""
    if isinstance(value, str):
        if why := normalise.unsafe_character(value):
            raise errors.Invalid(why, field=path or "body")
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if why := normalise.unsafe_character(key):
                raise errors.Invalid(f"a field name {why}", field=_printable(where))
            _strings(item, where)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _strings(item, f"{path}[{i}]")


def _printable(name: str) -> str:
    """A field name fit to echo: control and bidirectional characters as '?'."""
    return "".join("?" if normalise.unsafe_character(ch) else ch for ch in name)
