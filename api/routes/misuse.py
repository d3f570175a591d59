"""Auditor routes: the alerts raised by the misuse rules (index.misuse), and closing
them with an outcome, optionally reinstating a suspended account. Both are audited."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import msgspec
from litestar import Request, get, post
from litestar.params import JSONBody

from api import params
from api.audited import Audited
from index import misuse


class AlertPage(msgspec.Struct):
    alerts: list[misuse.Alert]
    count: int


class CloseIn(msgspec.Struct, forbid_unknown_fields=True):
    outcome: Literal["misuse", "no_misuse", "referred"]
    reinstate: bool = False


@get("/alerts", opt={"action": "alert.read"}, summary="Misuse alerts")
async def list_alerts(request: Request, audit: Audited, status: Literal[misuse.STATUSES] = "open",
                      limit: Annotated[int, params.page(1000)] = 100) -> AlertPage:
    """Alerts raised by the misuse rules, newest first: status open (the default) or
    closed; limit 1-1000 (default 100). Details hold counts, codes and ids only."""
    audit.query = params.given(request)
    found = await misuse.alerts(await audit.begin(), status=status, limit=limit)
    return AlertPage(alerts=found, count=len(found))


@post("/alerts/{alert_id:str}/close", opt={"action": "alert.close"}, status_code=200,
      summary="Close a misuse alert with its outcome", before_request=params.json_only)
async def close_alert(alert_id: params.PathId, data: JSONBody[CloseIn], audit: Audited) -> misuse.Alert:
    """Outcome misuse, no_misuse or referred. With reinstate: true, a suspended account
    is reinstated (refused with 409 while another open alert suspended it)."""
    return await close(audit, alert_id, data)


async def close(audit: Audited, alert_id: uuid.UUID, data: CloseIn) -> misuse.Alert:
    """Close an alert (and reinstate): the work of the route and of the auditors' page."""
    audit.query |= {"outcome": data.outcome, "reinstate": data.reinstate}
    return await misuse.close(await audit.begin(), audit.who, alert_id, outcome=data.outcome, reinstate=data.reinstate)
