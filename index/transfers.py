"""Transfers between local authorities: a child is owned by one LA (children.owning_la).

The owning LA's data manager requests a transfer to another LA; only a data manager of
the receiving LA may accept or decline it, and the sender may withdraw it while it is
still open. Ownership moves on acceptance only, in the same transaction, with the child
row locked and its owner re-checked. Until then the receiving LA sees the child as any
other LA does.

Every function takes the connection first; the caller owns the transaction and writes
the audit event (each result names its child, so both sides are audited).
"""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec

from index import db, errors, policy, sql
from index.auth import Principal

SQL = sql.queries("transfers")

STATUSES = ("requested", "accepted", "declined", "withdrawn")


class Transfer(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    child_id: uuid.UUID
    from_la: str
    from_la_name: str
    to_la: str
    to_la_name: str
    status: str
    requested_by: uuid.UUID
    requested_at: dt.datetime
    decided_by: uuid.UUID | None
    decided_at: dt.datetime | None


COLUMNS = """
SELECT t.id, t.child_id, t.from_la, f.name AS from_la_name, t.to_la, r.name AS to_la_name, t.status,
       t.requested_by, t.requested_at, t.decided_by, t.decided_at
  FROM transfer_requests t
  JOIN local_authorities f ON f.code = t.from_la
  JOIN local_authorities r ON r.code = t.to_la
"""

ONE = COLUMNS + " WHERE t.id = $1"

_FILTER = """
   AND ($2::text IS NULL OR t.status = $2)
 ORDER BY t.requested_at DESC, t.id
 LIMIT $3
"""
LIST = {
    "incoming": COLUMNS + " WHERE t.to_la = $1" + _FILTER,
    "outgoing": COLUMNS + " WHERE t.from_la = $1" + _FILTER,
}


ALREADY_OPEN = "a transfer of this child is already open: withdraw it or wait for the receiving LA"


def _manager_la(who: Principal) -> str | None:
    """The LA a data manager acts for; None for anyone else."""
    return policy.managed_la(who)


async def child_of(conn: asyncpg.Connection, transfer_id: uuid.UUID) -> uuid.UUID | None:
    """The child a transfer is about (for the audit of a refused decision), if it exists."""
    with db.translate_errors():
        return await conn.fetchval(SQL["child_of"], transfer_id)


async def _one(conn: asyncpg.Connection, transfer_id: uuid.UUID) -> Transfer:
    row = await conn.fetchrow(ONE, transfer_id)
    return Transfer(**dict(row))


async def request(conn: asyncpg.Connection, who: Principal, child_id: uuid.UUID, to_la: str) -> Transfer:
    """Ask the LA `to_la` to take over the child; ownership does not move yet."""
    with db.translate_errors():
        owner = await conn.fetchval(SQL["lock_child"], child_id)
        if owner is None:
            raise errors.NotFound("no child with this index id", field="child_id")
        if _manager_la(who) != owner:
            raise errors.Forbidden("only the owning LA's data managers may transfer this child")
        if to_la == owner:
            raise errors.Invalid("the child is already owned by this LA", field="to_la")
        if not await conn.fetchval(SQL["la_exists"], to_la):
            raise errors.Invalid("no local authority with this code", field="to_la")
        if await conn.fetchval(SQL["open_for_child"], child_id):
            raise errors.Conflict(ALREADY_OPEN)
        try:
            transfer_id = await conn.fetchval(SQL["insert"], child_id, owner, to_la, who.user_id)
        except asyncpg.UniqueViolationError:
            raise errors.Conflict(ALREADY_OPEN) from None
        return await _one(conn, transfer_id)


async def _locked(conn: asyncpg.Connection, transfer_id: uuid.UUID):
    row = await conn.fetchrow(SQL["lock_transfer"], transfer_id)
    if row is None:
        raise errors.NotFound("no transfer with this id", field="transfer_id")
    return row


def _still_open(row) -> None:
    if row["status"] != "requested":
        raise errors.Conflict(f"this transfer was already {row['status']}")


async def accept(conn: asyncpg.Connection, who: Principal, transfer_id: uuid.UUID) -> Transfer:
    """The receiving LA takes the child over: children.owning_la becomes to_la."""
    with db.translate_errors():
        row = await _locked(conn, transfer_id)
        if _manager_la(who) != row["to_la"]:
            raise errors.Forbidden("only the receiving LA's data managers may accept this transfer")
        _still_open(row)
        owner = await conn.fetchval(SQL["lock_child"], row["child_id"])
        if owner != row["from_la"]:
            raise errors.Conflict("the child is no longer owned by the LA that asked for this transfer")
        await conn.execute(SQL["decide"], transfer_id, "accepted", who.user_id)
        await conn.execute(SQL["move_child"], row["child_id"], row["to_la"])
        return await _one(conn, transfer_id)


async def decline(conn: asyncpg.Connection, who: Principal, transfer_id: uuid.UUID) -> Transfer:
    """The receiving LA refuses; the child stays with the sending LA."""
    return await _end(conn, who, transfer_id, "declined", side="to_la",
                      refusal="only the receiving LA's data managers may decline this transfer")


async def withdraw(conn: asyncpg.Connection, who: Principal, transfer_id: uuid.UUID) -> Transfer:
    """The sending LA takes its request back while it is still open."""
    return await _end(conn, who, transfer_id, "withdrawn", side="from_la",
                      refusal="only the sending LA's data managers may withdraw this transfer")


async def _end(conn: asyncpg.Connection, who: Principal, transfer_id: uuid.UUID, status: str, *, side: str,
               refusal: str) -> Transfer:
    """An open request ends without moving the child, by a data manager of its `side`'s LA."""
    with db.translate_errors():
        row = await _locked(conn, transfer_id)
        if _manager_la(who) != row[side]:
            raise errors.Forbidden(refusal)
        _still_open(row)
        await conn.execute(SQL["decide"], transfer_id, status, who.user_id)
        return await _one(conn, transfer_id)


async def list_for(conn: asyncpg.Connection, who: Principal, direction: str, *, status: str | None = None,
                   limit: int = 100) -> list[Transfer]:
    """The transfers to (incoming) or from (outgoing) the data manager's LA, newest first."""
    if direction not in LIST:
        raise errors.Invalid(f"must be one of: {', '.join(LIST)}", field="direction")
    if status is not None and status not in STATUSES:
        raise errors.Invalid(f"must be one of: {', '.join(STATUSES)}", field="status")
    la = _manager_la(who)
    if la is None:
        raise errors.Forbidden("only an LA's data managers may list its transfers")
    with db.translate_errors():
        rows = await conn.fetch(LIST[direction], la, status, limit)
    return [Transfer(**dict(row)) for row in rows]
