"""Authentication and the deny-by-default guard.

Every route declares `opt={"action": ...}` (checked against index.policy.ALLOWED) or
`opt={"public": True}`. A route with neither is denied to everyone.
"""

from __future__ import annotations

import uuid

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from api.state import pool_of
from index import audit, auth, db, errors, policy


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
