"""Authentication and the deny-by-default guard.

Every route declares `opt={"action": ...}` (checked against index.policy.ALLOWED) or
`opt={"public": True}`. A route with neither is denied to everyone.

A JSON route takes a bearer token only (a cookie is ignored). A page route
(`opt={"page": True}` as well) takes a bearer token as a JSON route does if the request
has one, else the browser's session cookie (api.signin, index.sessions), which yields
the same Principal, so that one policy serves both; with neither it answers 303 to
/sign-in?next=<its path>. Every POST to a page must
carry the form field `csrf_token`, the session's own; templates find it in
`request.scope["state"]["csrf_token"]`. Refusals are audited as for bearer tokens.
"""

from __future__ import annotations

import uuid

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

import secrets

from litestar import Request

from api import signin
from api.state import pool_of
from index import audit, auth, db, errors, policy, sessions

CSRF_FIELD = "csrf_token"


def request_id(connection: ASGIConnection) -> uuid.UUID:
    state = connection.scope.setdefault("state", {})
    rid = state.get("request_id")
    if rid is None:
        rid = uuid.uuid4()
        state["request_id"] = rid
    return rid


def bearer(connection: ASGIConnection) -> str | None:
    header = connection.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


async def authorize(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    rid = request_id(connection)
    if handler.opt.get("public"):
        return
    action = handler.opt.get("action") or "undeclared"
    pool = pool_of(connection.app)
    if handler.opt.get("page") and bearer(connection) is None:
        await _authorize_page(connection, pool, rid, action)
        return
    token = bearer(connection)
    try:
        if token is None:
            raise errors.Unauthenticated("send an Authorization: Bearer token")
        async with db.connection(pool) as conn:   # one statement: no BEGIN/COMMIT round trips
            principal = await auth.authenticate(conn, token)
    except errors.Unauthenticated:
        await record_refusal(pool, rid, action, "unauthenticated", 401, None)
        raise
    except auth.Suspended as exc:
        await record_refusal(pool, rid, action, "denied", 403, exc)
        raise
    if not policy.allowed(action, principal.role):
        await record_refusal(pool, rid, action, "denied", 403, principal)
        raise errors.Forbidden(policy.refusal(action, principal.role))
    connection.scope["state"]["principal"] = principal


async def _authorize_page(connection: ASGIConnection, pool, rid, action: str) -> None:
    cookie = connection.cookies.get(signin.COOKIE)
    try:
        if not cookie:
            raise errors.Unauthenticated("no session")
        async with db.connection(pool) as conn:   # one statement: the look-up touches last_seen_at
            live = await sessions.authenticate(conn, cookie, idle_minutes=connection.app.state.session_idle_minutes)
    except errors.Unauthenticated:
        await record_refusal(pool, rid, action, "unauthenticated", 303, None)
        raise signin.SignInNeeded(signin.sign_in_url(connection)) from None
    except auth.Suspended as exc:
        await record_refusal(pool, rid, action, "denied", 403, exc)
        raise signin.PageRefused(403, "Account suspended", exc.message, clear_cookie=True) from None
    principal = live.principal
    if not policy.allowed(action, principal.role):
        await record_refusal(pool, rid, action, "denied", 403, principal)
        raise signin.PageRefused(403, "Not allowed", policy.refusal(action, principal.role))
    if isinstance(connection, Request) and connection.method not in ("GET", "HEAD", "OPTIONS"):
        form = await connection.form()
        given = form.get(CSRF_FIELD)
        if not isinstance(given, str) or not secrets.compare_digest(given, live.csrf_token):
            await record_refusal(pool, rid, action, "denied", 403, principal)
            raise signin.PageRefused(403, "Form expired", "the form's security token is missing or out of date: "
                                     "go back, reload the page and try again")
        # The typed values (never a file part), for the form shown again with its errors.
        connection.scope["state"]["form"] = {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}
    state = connection.scope["state"]
    state["principal"], state["csrf_token"], state["session_id"] = principal, live.csrf_token, live.session_id


async def record_refusal(pool, rid, action, outcome, status, principal: auth.Principal | auth.Suspended | None) -> None:
    """Audit a request refused before its work began (here, or by api.boundary), in a
    transaction of its own; nothing of the refused input is kept."""
    event = audit.Event(
        request_id=rid,
        action=action,
        outcome=outcome,
        status=status,
        user_id=principal.user_id if principal else None,
        org_code=principal.org_code if principal else None,
        role=principal.role if principal else None,
    )
    async with db.transaction(pool) as conn:
        await audit.record(conn, event)
