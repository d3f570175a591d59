"""Shielding routes: shield and unshield (the owning LA's data managers), the one-view
override (the child-protection capability), the investigations it opens, and the
Connexions opt-out. Every request is audited with the child it concerns."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import msgspec
from litestar import Request, get, post
from litestar.params import JSONBody

from api import params
from api.audited import Audit, Audited
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
async def shield(child_id: params.PathId, data: JSONBody[ShieldIn], audit: Audited) -> shielding.Shielding:
    """Only name, sex, date of birth and index id stay visible to others; searches over
    hidden fields stop finding the child. The reason is a code."""
    return await shield_child(audit, child_id, data.reason)


async def shield_child(audit: Audit, child_id: uuid.UUID, reason: str) -> shielding.Shielding:
    """A shield's work, for the JSON route and its page alike."""
    audit.query |= {"shield": True, "shield_reason": reason}
    got = await shielding.shield(await audit.begin(), audit.who, child_id, reason=reason)
    audit.children = [got.child_id]
    return got


@post("/children/{child_id:str}/unshield", opt={"action": "child.shield"}, status_code=200,
      summary="Unshield a child of your LA")
async def unshield(child_id: params.PathId, audit: Audited) -> shielding.Shielding:
    return await unshield_child(audit, child_id)


async def unshield_child(audit: Audit, child_id: uuid.UUID) -> shielding.Shielding:
    """An unshield's work, for the JSON route and its page alike."""
    audit.query["shield"] = False
    got = await shielding.unshield(await audit.begin(), audit.who, child_id)
    audit.children = [got.child_id]
    return got


@post("/children/{child_id:str}/override", opt={"action": "child.override"}, status_code=200,
      summary="Override a shield for one full view", before_request=params.json_only)
async def override(request: Request, child_id: params.PathId, data: JSONBody[OverrideIn],
                   audit: Audited) -> ChildRecord:
    """For a user with the child-protection capability. Without confirm: true the answer
    is a 409 carrying the warning. With it, this response is the one full view; the
    record stays shielded for everyone, and the owning LA gets an investigation item."""
    audit.reason, audit.case_ref = params.reason(data.reason), params.case_ref(data.case_ref or None)
    return await override_view(request, audit, child_id, confirm=data.confirm)


async def override_view(request: Request, audit: Audit, child_id: uuid.UUID, *,
                        confirm: bool) -> ChildRecord:
    """An override's work, for the JSON route and its page alike (audit.reason and
    audit.case_ref set): the shield checked, the owning LA's investigation opened, the one
    full view."""
    audit.query["confirm"] = confirm
    who, rid = audit.who, request.scope["state"]["request_id"]
    conn = await audit.begin()
    record = await children.view(conn, child_id)
    if record is None:
        raise errors.NotFound("no child with this index id", field="child_id")
    retention.guard_view(who, record, audit.reason)   # an archived child
    shielding.check_override(who, shielded=record.shielded, owning_la=record.owning_la, confirm=confirm)
    await shielding.open_investigation(conn, who, kind="shield_override", child_id=child_id,
                                       la_code=record.owning_la, request_id=rid,
                                       due_hours=request.app.state.override_review_hours)
    audit.children = [record.id]
    return policy.visible_child(who, record, override=True)


@get("/investigations", opt={"action": "investigation.read"}, summary="Your LA's investigation items")
async def list_investigations(request: Request, audit: Audited, status: Literal["open", "closed"] = "open",
                              limit: Annotated[int, params.page(500)] = 100) -> InvestigationPage:
    """Shield overrides and emergency views of your LA's children, soonest due first;
    status open (default) or closed; limit 1-500 (default 100)."""
    audit.query = params.given(request)
    items = await investigations_of(audit, status, limit)
    return InvestigationPage(items=items, count=len(items))


async def investigations_of(audit: Audit, status: str, limit: int) -> list[shielding.Investigation]:
    """The list's work, for the JSON route and its page alike (audit.query set)."""
    conn = await audit.begin()
    la = policy.managed_la(audit.who)
    if la is None:
        raise errors.Forbidden("your account has no local authority")
    items = await shielding.list_investigations(conn, la, open_only=status == "open", limit=limit)
    audit.children = sorted({i.child_id for i in items})
    return items


@post("/investigations/{investigation_id:str}/close", opt={"action": "investigation.close"}, status_code=200,
      summary="Close an investigation item with its outcome", before_request=params.json_only)
async def close_investigation(investigation_id: params.PathId, data: JSONBody[CloseIn],
                              audit: Audited) -> shielding.Investigation:
    return await close_item(audit, investigation_id, data.outcome)


async def close_item(audit: Audit, investigation_id: uuid.UUID, outcome: str) -> shielding.Investigation:
    """A close's work, for the JSON route and its page alike."""
    audit.query["outcome"] = outcome
    got = await shielding.close_investigation(await audit.begin(), audit.who, investigation_id, outcome=outcome)
    audit.children = [got.child_id]
    return got


@post("/children/{child_id:str}/connexions-opt-out", opt={"action": "connexions.opt_out"}, status_code=201,
      summary="Record a Connexions opt-out", before_request=params.json_only)
async def connexions_opt_out(child_id: params.PathId, data: JSONBody[OptOutIn], audit: Audited) -> connexions.OptOut:
    """A parent's, or a pupil's aged 16 or over, request that Connexions see name and
    address only; recorded by the owning LA or by a school involved with the child."""
    audit.query["requested_by"] = data.requested_by
    got = await connexions.opt_out(await audit.begin(), audit.who, child_id, requested_by=data.requested_by)
    audit.children = [got.child_id]
    return got


ROUTES = [shield, unshield, override, list_investigations, close_investigation, connexions_opt_out]
