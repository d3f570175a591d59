"""Run a piece of domain work and its audit event in one transaction.

The event commits with the work, before the response is sent. Searches and views are
checked against the misuse rules in the same transaction, just before the event is
written (index.misuse): a rule that suspends the account lets this request finish and
refuses the next. If the work fails
with a domain error, the transaction rolls back and a failure event is written on
its own, then the error goes on to the error map.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
from litestar import Request

from api.errors import status_of
from api.state import pool_of
from index import audit, db, errors, misuse
from index.auth import Principal

T = TypeVar("T")

OUTCOME = {400: "invalid", 403: "denied", 404: "not_found", 409: "conflict"}


def principal_of(request: Request) -> Principal:
    return request.scope["state"]["principal"]


async def run(
    request: Request,
    action: str,
    work: Callable[[asyncpg.Connection], Awaitable[T]],
    children: Callable[[T], list[uuid.UUID]],
    *,
    reason: str | None = None,
    case_ref: str | None = None,
    query: dict | None = None,
    status: int = 200,
    about: uuid.UUID | None = None,
) -> T:
    """`work(conn)` does the reading or writing; `children(result)` names the children it touched.

    `about` is the child the request names (if any), recorded when the work fails.
    """
    who = principal_of(request)
    base = dict(
        request_id=request.scope["state"]["request_id"],
        action=action,
        user_id=who.user_id,
        org_code=who.org_code,
        role=who.role,
        reason=reason,
        case_ref=case_ref,
        query=query or {},
    )
    pool = pool_of(request.app)
    try:
        async with db.transaction(pool) as conn:
            result = await work(conn)
            touched = children(result)
            if action in misuse.WATCHED:
                # Before the audit event: writing the event takes the audit chain's lock
                # until commit, so it comes last (the rules count this request themselves).
                await misuse.check(conn, who, action=action, child_ids=touched, query=base["query"])
            await audit.record(conn, audit.Event(**base, outcome="ok", status=status, child_ids=touched))
        return result
    except errors.DomainError as exc:
        code = status_of(exc)
        if code in OUTCOME:
            failed = audit.Event(
                **base, outcome=OUTCOME[code], status=code, child_ids=[about] if about else []
            )
            async with db.transaction(pool) as conn:
                await audit.record(conn, failed)
        raise
