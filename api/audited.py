"""Every route's audited transaction, as a dependency: a route declares `audit: Audited`,
checks its parameters, does its work on `await audit.begin()` and sets what the event
records; the event is written when the route returns.

The action is the route's own declaration (`opt={"action": ...}`), never repeated. The
event commits with the work, before the response is sent (Litestar closes a
dependency's generator before it sends). Searches and views are checked against the
misuse rules in the same transaction, just before the event is written (index.misuse):
a rule that suspends the account lets this request finish and refuses the next. If the
work fails with a domain error once it has used the database, the transaction rolls
back and a failure event is written on its own, then the error goes on to the error
map. A request refused before its work began (bad parameters) writes no event here.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncGenerator

import asyncpg
from litestar import Request
from litestar.di import NamedDependency

from api.errors import status_of
from api.state import pool_of
from index import audit, db, errors, misuse
from index.auth import Principal

OUTCOME = {400: "invalid", 403: "denied", 404: "not_found", 409: "conflict"}


def principal_of(request: Request) -> Principal:
    return request.scope["state"]["principal"]


class Audit:
    """One request's audited transaction. The route opens it with `await audit.begin()`
    (after checking its parameters, so that a refused request holds no connection) and
    sets what its event records: `children` (the children the work touched), `query`
    (it starts as the path's values, `{"child_id": "..."}`), `reason`, `case_ref`,
    `about` (the child the request names, recorded if the work fails; by default the
    path's child_id) and `status` (default: the route's status code)."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.who: Principal = principal_of(request)
        self.action: str = request.route_handler.opt["action"]
        self.children: list[uuid.UUID] = []
        # The path's values (index ids) are in every event; the route adds what else it records.
        self.query: dict = {name: _id(value) for name, value in request.path_params.items()}
        self.reason: str | None = None
        self.case_ref: str | None = None
        self.about: uuid.UUID | None = _child_of(self.query)
        self.status: int = request.route_handler.status_code or 200
        self._conn: asyncpg.Connection | None = None
        self._open: contextlib.AsyncExitStack | None = None

    async def begin(self) -> asyncpg.Connection:
        """The transaction's connection, opened on first use."""
        if self._conn is None:
            self._open = contextlib.AsyncExitStack()
            self._conn = await self._open.enter_async_context(db.transaction(pool_of(self.request.app)))
        return self._conn

    def event(self, outcome: str, status: int, children: list[uuid.UUID]) -> audit.Event:
        return audit.Event(
            request_id=self.request.scope["state"]["request_id"], action=self.action, user_id=self.who.user_id,
            org_code=self.who.org_code, role=self.who.role, reason=self.reason, case_ref=self.case_ref,
            query=self.query, outcome=outcome, status=status, child_ids=children)

    async def _finish(self) -> None:
        """The work succeeded: the misuse rules, then the event, then commit."""
        conn = await self.begin()
        if self.action in misuse.WATCHED:
            # Before the audit event: the rules count this request themselves.
            await misuse.check(conn, self.who, action=self.action, child_ids=self.children, query=self.query)
        await audit.record(conn, self.event("ok", self.status, self.children))

    async def _close(self, exc: BaseException | None) -> None:
        if self._open is not None:
            opened, self._open, self._conn = self._open, None, None
            if exc is None:
                await opened.aclose()
            else:
                await opened.__aexit__(type(exc), exc, exc.__traceback__)


def _id(value) -> str:
    """A path value as the event records it: an index id in its canonical form."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return str(value)


def _child_of(query: dict) -> uuid.UUID | None:
    try:
        return uuid.UUID(query["child_id"]) if "child_id" in query else None
    except ValueError:
        return None


async def provide(request: Request) -> AsyncGenerator[Audit, None]:
    """The `audit` dependency (registered on the app)."""
    work = Audit(request)
    try:
        yield work
        await work._finish()
    except BaseException as exc:
        began = work._open is not None
        try:
            await work._close(exc)   # roll back
        except BaseException as translated:   # a driver error, translated at the database boundary
            exc = translated
        code = status_of(exc) if isinstance(exc, errors.DomainError) else None
        if began and code in OUTCOME:
            async with db.transaction(pool_of(request.app)) as conn:
                await audit.record(conn, work.event(OUTCOME[code], code, [work.about] if work.about else []))
        raise exc
    await work._close(None)      # commit


# A route's parameter `audit: Audited` is the dependency above.
Audited = NamedDependency[Audit]
