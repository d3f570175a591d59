"""The links export: every source record with the child it is linked to, if any."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import msgspec

from index import sql


class LinkRow(msgspec.Struct, frozen=True):
    source: str
    record_key: str
    child_id: uuid.UUID | None
    decision: str               # the link's method (auto, new, manual), "review", or "" (neither)
    match_weight: float | None


async def export(conn: asyncpg.Connection) -> AsyncIterator[LinkRow]:
    """Every source record in source and record-key order, read with a cursor (in one
    transaction) so that any number of records streams in constant memory."""
    async with conn.transaction():
        async for r in conn.cursor(sql.load("links_export")):
            decision = r["method"] if r["child_id"] else ("review" if r["in_review"] else "")
            yield LinkRow(r["source"], r["record_key"], r["child_id"], decision, r["match_weight"])
