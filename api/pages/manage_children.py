"""The LA data manager's pages for one child: open it by index id, see whether it is
shielded, shield or unshield it, and ask another LA to take it over. Each mirrors its
JSON route: the view is GET /children/{id} with the reason data_quality (a data
manager's reason for looking), shielding is api/routes/shielding.py's and the request
api/routes/transfers.py's, through the same functions, so one policy path and one audit
event serve both."""

from __future__ import annotations

import uuid
from typing import Literal

from litestar import Request, Response, get, post
from litestar.response import Redirect

from api import params
from api.audited import Audited
from api.pages import render
from api.pages.manage_common import form_body, in_sentences
from api.routes import children, shielding as shielding_routes, transfers as transfers_routes
from index import errors, policy

# Why a data manager opens a child here: checking and keeping its record (policy.REASONS).
VIEW_REASON = "data_quality"


@get("/manage/children", opt={"action": "child.shield", "page": True, "form": "manage_children.html"},
     include_in_schema=False)
async def open_child(request: Request, child_id: params.Text = None) -> Response:
    """A box to open a child by index id; a good id goes to the child's page (no work
    here, so no audit event: the child's page is the audited view)."""
    if child_id is None:
        return render.html(request, "manage_children.html", {"values": {}})
    try:
        chosen = uuid.UUID(child_id.strip())
    except ValueError:
        message = ("Enter the child's index id" if not child_id.strip()
                   else "Enter an index id in the right format, like 0b9d2f4e-1c3a-4b5d-8e6f-7a8b9c0d1e2f")
        raise errors.Invalid(message, field="child_id") from None
    return Redirect(f"/manage/children/{chosen}", status_code=303)


@get("/manage/children/{child_id:str}", opt={"action": "child.view", "page": True}, include_in_schema=False)
async def child(request: Request, child_id: params.PathId, audit: Audited,
                done: Literal["shielded", "unshielded"] | None = None) -> Response:
    """GET /children/{child_id}?reason=data_quality as a page: the record as policy shows
    it, and for the owning LA's data managers the shield and transfer forms."""
    audit.reason = VIEW_REASON
    record = await children.open_record(request, audit, child_id)
    return render.html(request, "manage_child.html", {
        "child": record, "manages": policy.manages(audit.who, record.owning_la), "done": done,
        "values": {}, "problem_of": {}})


# Every POST page here declares status_code=303 (post/redirect/get), so that its audit
# event records the status the browser got (a POST's default would be 201).
@post("/manage/children/{child_id:str}/shield",
      opt={"action": "child.shield", "page": True, "form": "manage_shield.html"}, include_in_schema=False,
      status_code=303)
async def shield(request: Request, child_id: params.PathId, audit: Audited) -> Redirect:
    """POST /children/{child_id}/shield as a form: the reason a radio of ShieldIn's values."""
    data = await form_body(request, shielding_routes.ShieldIn, "reason", "Select why the record is to be shielded")
    await shielding_routes.shield_child(audit, child_id, data.reason)
    return render.done(f"/manage/children/{child_id}", "shielded")


@post("/manage/children/{child_id:str}/unshield", opt={"action": "child.shield", "page": True},
      include_in_schema=False, status_code=303)
async def unshield(child_id: params.PathId, audit: Audited) -> Redirect:
    """POST /children/{child_id}/unshield as a button."""
    await shielding_routes.unshield_child(audit, child_id)
    return render.done(f"/manage/children/{child_id}", "unshielded")


@post("/manage/children/{child_id:str}/transfers",
      opt={"action": "transfer.request", "page": True, "form": "manage_transfer.html"}, include_in_schema=False,
      status_code=303)
async def request_transfer(request: Request, child_id: params.PathId, audit: Audited) -> Redirect:
    """POST /children/{child_id}/transfers as a form: the receiving LA's code, checked by
    TransferIn and then by index.transfers (an LA that exists, not the owner)."""
    data = await form_body(request, transfers_routes.TransferIn, "to_la",
                           "Enter the receiving local authority's code, 1 to 10 characters, like 926")
    with in_sentences():
        await transfers_routes.ask(audit, child_id, data.to_la)
    return render.done("/manage/transfers", "requested", direction="outgoing")


ROUTES = [open_child, child, shield, unshield, request_transfer]
