"""LA data manager routes: transfer a child to another LA. The owning LA asks, the
receiving LA accepts or declines, the owning LA may withdraw while the request is open.
Every request is audited with the child, so both sides appear in its audit trail."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import msgspec
from litestar import Request, get, post
from litestar.params import JSONBody

from api import params
from api.audited import Audit, Audited
from index import transfers

LaCode = Annotated[str, msgspec.Meta(min_length=1, max_length=10, description="DfE LA code, e.g. 926")]


class TransferIn(msgspec.Struct, forbid_unknown_fields=True):
    to_la: LaCode


class TransferPage(msgspec.Struct):
    items: list[transfers.Transfer]
    count: int


@post("/children/{child_id:str}/transfers", opt={"action": "transfer.request"}, status_code=201,
      summary="Ask another LA to take over a child", before_request=params.json_only)
async def request_transfer(child_id: params.PathId, data: JSONBody[TransferIn], audit: Audited) -> transfers.Transfer:
    """The owning LA's data managers only. Ownership moves when the receiving LA accepts."""
    return await ask(audit, child_id, data.to_la)


async def ask(audit: Audit, child_id: uuid.UUID, to_la: str) -> transfers.Transfer:
    """A transfer request's work, for the JSON route and its page alike."""
    to_la = to_la.strip()
    audit.query["to_la"] = to_la
    got = await transfers.request(await audit.begin(), audit.who, child_id, to_la)
    audit.children = [got.child_id]
    return got


@get("/transfers", opt={"action": "transfer.read"}, summary="Transfers to or from your LA")
async def list_transfers(request: Request, audit: Audited, direction: Literal["incoming", "outgoing"] = "incoming",
                         status: Literal[transfers.STATUSES] | None = None,
                         limit: Annotated[int, params.page(200)] = 100) -> TransferPage:
    """direction incoming (to your LA, the default) or outgoing (from it); status requested,
    accepted, declined or withdrawn (default all); newest first, limit 1-200 (default 100)."""
    audit.query = params.given(request)
    items = await listing(audit, direction, status, limit)
    return TransferPage(items=items, count=len(items))


async def listing(audit: Audit, direction: str, status: str | None, limit: int) -> list[transfers.Transfer]:
    """The list's work, for the JSON route and its page alike (audit.query set)."""
    items = await transfers.list_for(await audit.begin(), audit.who, direction, status=status, limit=limit)
    audit.children = sorted({t.child_id for t in items})
    return items


async def decide(audit: Audit, transfer_id: uuid.UUID, decision: str, do) -> transfers.Transfer:
    """A decision's work (accept, decline, withdraw), for the JSON routes and their pages."""
    audit.query["decision"] = decision
    conn = await audit.begin()
    audit.about = await transfers.child_of(conn, transfer_id)   # so that a refusal is in the child's trail
    got = await do(conn, audit.who, transfer_id)
    audit.children = [got.child_id]
    return got


@post("/transfers/{transfer_id:str}/accept", opt={"action": "transfer.decide"}, status_code=200,
      summary="Accept a transfer to your LA (the child becomes yours)")
async def accept(transfer_id: params.PathId, audit: Audited) -> transfers.Transfer:
    return await decide(audit, transfer_id, "accept", transfers.accept)


@post("/transfers/{transfer_id:str}/decline", opt={"action": "transfer.decide"}, status_code=200,
      summary="Decline a transfer to your LA")
async def decline(transfer_id: params.PathId, audit: Audited) -> transfers.Transfer:
    return await decide(audit, transfer_id, "decline", transfers.decline)


@post("/transfers/{transfer_id:str}/withdraw", opt={"action": "transfer.withdraw"}, status_code=200,
      summary="Withdraw your LA's open transfer request")
async def withdraw(transfer_id: params.PathId, audit: Audited) -> transfers.Transfer:
    return await decide(audit, transfer_id, "withdraw", transfers.withdraw)
