"""Shielding routes: shield and unshield (the owning LA's data managers), the one-view
override (the child-protection capability), the investigations it opens, and the
Connexions opt-out. Every request is audited with the child it concerns."""

from __future__ import annotations

from typing import Literal

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath, JSONBody

from api import params
from api.audited import Audited
from index import children, connexions, errors, policy, retention, shielding
from index.records import ChildRecord

ShieldReason = Literal["domestic_abuse", "witness_protection", "adoption", "risk_of_significant_harm"]


class ShieldIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: ShieldReason


class OverrideIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: str = ""                 # one of policy.REASONS (checked as for a view)
    confirm: bool = False
    case_ref: str | None = None


class CloseIn(msgspec.Struct, forbid_unknown_fields=True):
    outcome: Literal["justified", "not_justified", "referred"]


class OptOutIn(msgspec.Struct, forbid_unknown_fields=True):
    requested_by: Literal["parent", "pupil"]


class InvestigationPage(msgspec.Struct):
    items: list[shielding.Investigation]
    count: int


@post("/children/{child_id:str}/shield", opt={"action": "child.shield"}, status_code=200,
      summary="Shield a child of your LA", before_request=params.json_only)
async def shield(child_id: FromPath[str], data: JSONBody[ShieldIn], audit: Audited) -> shielding.Shielding:
    """Only name, sex, date of birth and index id stay visible to others; searches over
    hidden fields stop finding the child. The reason is a code."""
    cid = params.index_id(child_id)
    audit.query, audit.about = {"child_id": str(cid), "shield": True, "shield_reason": data.reason}, cid
    got = await shielding.shield(await audit.begin(), audit.who, cid, reason=data.reason)
    audit.children = [got.child_id]
    return got


@post("/children/{child_id:str}/unshield", opt={"action": "child.shield"}, status_code=200,
      summary="Unshield a child of your LA")
async def unshield(child_id: FromPath[str], audit: Audited) -> shielding.Shielding:
    cid = params.index_id(child_id)
    audit.query, audit.about = {"child_id": str(cid), "shield": False}, cid
    got = await shielding.unshield(await audit.begin(), audit.who, cid)
    audit.children = [got.child_id]
    return got


@post("/children/{child_id:str}/override", opt={"action": "child.override"}, status_code=200,
      summary="Override a shield for one full view", before_request=params.json_only)
async def override(request: Request, child_id: FromPath[str], data: JSONBody[OverrideIn],
                   audit: Audited) -> ChildRecord:
    """For a user with the child-protection capability. Without confirm: true the answer
    is a 409 carrying the warning. With it, this response is the one full view; the
    record stays shielded for everyone, and the owning LA gets an investigation item."""
    cid = params.index_id(child_id)
    audit.reason, audit.case_ref = params.reason(
        {"reason": data.reason} | ({"case_ref": data.case_ref} if data.case_ref else {}))
    audit.query, audit.about = {"child_id": str(cid), "confirm": data.confirm}, cid
    who, rid = audit.who, request.scope["state"]["request_id"]
    conn = await audit.begin()
    record = await children.view(conn, cid)
    if record is None:
        raise errors.NotFound("no child with this index id", field="child_id")
    retention.guard_view(who, record, audit.reason)   # an archived child
    shielding.check_override(who, shielded=record.shielded, owning_la=record.owning_la, confirm=data.confirm)
    await shielding.open_investigation(conn, who, kind="shield_override", child_id=cid,
                                       la_code=record.owning_la, request_id=rid,
                                       due_hours=request.app.state.override_review_hours)
    audit.children = [record.id]
    return policy.visible_child(who, record, override=True)


@get("/investigations", opt={"action": "investigation.read"}, summary="Your LA's investigation items")
async def list_investigations(request: Request, audit: Audited) -> InvestigationPage:
    """Shield overrides and emergency views of your LA's children, soonest due first;
    status open (default) or closed; limit 1-500 (default 100)."""
    given = params.only(request, {"status", "limit"})
    status = given.get("status", "open")
    if status not in ("open", "closed"):
        raise errors.Invalid("must be open or closed", field="status")
    limit = params.whole(given["limit"], "limit", 1, 500) if "limit" in given else 100
    audit.query = given
    conn = await audit.begin()
    la = policy.managed_la(audit.who)
    if la is None:
        raise errors.Forbidden("your account has no local authority")
    items = await shielding.list_investigations(conn, la, open_only=status == "open", limit=limit)
    audit.children = sorted({i.child_id for i in items})
    return InvestigationPage(items=items, count=len(items))


@post("/investigations/{investigation_id:str}/close", opt={"action": "investigation.close"}, status_code=200,
      summary="Close an investigation item with its outcome", before_request=params.json_only)
async def close_investigation(investigation_id: FromPath[str], data: JSONBody[CloseIn],
                              audit: Audited) -> shielding.Investigation:
    iid = params.index_id(investigation_id, "investigation_id")
    audit.query = {"investigation_id": str(iid), "outcome": data.outcome}
    got = await shielding.close_investigation(await audit.begin(), audit.who, iid, outcome=data.outcome)
    audit.children = [got.child_id]
    return got


@post("/children/{child_id:str}/connexions-opt-out", opt={"action": "connexions.opt_out"}, status_code=201,
      summary="Record a Connexions opt-out", before_request=params.json_only)
async def connexions_opt_out(child_id: FromPath[str], data: JSONBody[OptOutIn], audit: Audited) -> connexions.OptOut:
    """A parent's, or a pupil's aged 16 or over, request that Connexions see name and
    address only; recorded by the owning LA or by a school involved with the child."""
    cid = params.index_id(child_id)
    audit.query, audit.about = {"child_id": str(cid), "requested_by": data.requested_by}, cid
    got = await connexions.opt_out(await audit.begin(), audit.who, cid, requested_by=data.requested_by)
    audit.children = [got.child_id]
    return got


ROUTES = [shield, unshield, override, list_investigations, close_investigation, connexions_opt_out]
