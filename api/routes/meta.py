"""Service routes: health, and who am I."""

from __future__ import annotations

import msgspec
from litestar import Request, get

from api import audited
from api.state import pool_of
from index import db


class Health(msgspec.Struct):
    status: str
    database: str


class Me(msgspec.Struct):
    user_id: str
    name: str
    role: str
    organisation: str
    la_code: str | None


@get("/health", opt={"public": True}, summary="Liveness and database reachability")
async def health(request: Request) -> Health:
    async with db.transaction(pool_of(request.app)) as conn:
        await conn.fetchval("SELECT 1")
    return Health(status="ok", database="ok")


@get("/me", opt={"action": "me.read"}, summary="The caller's own account")
async def me(request: Request) -> Me:
    who = audited.principal_of(request)
    return Me(user_id=str(who.user_id), name=who.name, role=who.role, organisation=who.org_code, la_code=who.la_code)
