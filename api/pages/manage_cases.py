"""The LA data manager's lists of work: transfers to and from the LA (accept, decline,
withdraw) and the investigation items of shield overrides and emergency views (close
with an outcome). Each mirrors its JSON route in api/routes/transfers.py or
api/routes/shielding.py through the same functions, so one policy path and one audit
event serve both."""

from __future__ import annotations

from typing import Literal

from litestar import Request, Response, get, post
from litestar.response import Redirect

from api import params
from api.audited import Audited
from api.pages import render
from api.pages.manage_common import audited_query, form_body
from api.routes import shielding as shielding_routes, transfers as transfers_routes
from index import errors, transfers

PAGE_SIZE = 100   # the JSON routes' default page


@get("/manage/transfers", opt={"action": "transfer.read", "page": True}, include_in_schema=False)
async def list_transfers(request: Request, audit: Audited, direction: Literal["incoming", "outgoing"] = "incoming",
                         status: params.Text = None,
                         done: Literal["requested", "accepted", "declined", "withdrawn"] | None = None) -> Response:
    """GET /transfers as a page: incoming or outgoing, optionally one status (the filter's
    select sends an empty status for all of them)."""
    if status and status not in transfers.STATUSES:
        raise errors.Invalid(f"must be one of: {', '.join(transfers.STATUSES)}", field="status")
    audit.query = {k: v for k, v in audited_query(request, "direction", "status").items() if v}
    items = await transfers_routes.listing(audit, direction, status or None, PAGE_SIZE)
    return render.html(request, "manage_transfers.html", {
        "direction": direction, "status": status or "", "items": items, "done": done, "limit": PAGE_SIZE})


def _decision(path: str, action: str, decision: str, do, notice: str, direction: str):
    """A POST page for one of the JSON routes' decisions on a transfer."""

    @post(path, opt={"action": action, "page": True}, include_in_schema=False, status_code=303,
          name=f"manage-transfer-{decision}")
    async def decide(transfer_id: params.PathId, audit: Audited) -> Redirect:
        await transfers_routes.decide(audit, transfer_id, decision, do)
        return render.done("/manage/transfers", notice, direction=direction)

    decide.__doc__ = f"POST /transfers/{{transfer_id}}/{decision} as a button."
    return decide


accept = _decision("/manage/transfers/{transfer_id:str}/accept", "transfer.decide", "accept", transfers.accept,
                   "accepted", "incoming")
decline = _decision("/manage/transfers/{transfer_id:str}/decline", "transfer.decide", "decline", transfers.decline,
                    "declined", "incoming")
withdraw = _decision("/manage/transfers/{transfer_id:str}/withdraw", "transfer.withdraw", "withdraw",
                     transfers.withdraw, "withdrawn", "outgoing")


@get("/manage/investigations", opt={"action": "investigation.read", "page": True}, include_in_schema=False)
async def list_investigations(request: Request, audit: Audited, status: Literal["open", "closed"] = "open",
                              done: Literal["closed"] | None = None) -> Response:
    """GET /investigations as a page: open items (soonest due first), each with its close
    form, or closed ones with their outcome."""
    audit.query = audited_query(request, "status")
    items = await shielding_routes.investigations_of(audit, status, PAGE_SIZE)
    return render.html(request, "manage_investigations.html", {
        "status": status, "items": items, "done": done, "limit": PAGE_SIZE, "values": {}, "problem_of": {}})


@post("/manage/investigations/{investigation_id:str}/close",
      opt={"action": "investigation.close", "page": True, "form": "manage_close.html"}, include_in_schema=False,
      status_code=303)
async def close(request: Request, investigation_id: params.PathId, audit: Audited) -> Redirect:
    """POST /investigations/{id}/close as a form: the outcome a radio of CloseIn's values."""
    data = await form_body(request, shielding_routes.CloseIn, "outcome", "Select the outcome of the investigation")
    await shielding_routes.close_item(audit, investigation_id, data.outcome)
    return render.done("/manage/investigations", "closed")


ROUTES = [list_transfers, accept, decline, withdraw, list_investigations, close]
