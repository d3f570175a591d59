"""Subject access: a data manager of the owning LA exports everything held about a child,
as JSON (the default) or as readable plain text (format=text). Audited as child.sar."""

from __future__ import annotations

from typing import Literal

from litestar import Response, get

from api import openapi, params
from api.audited import Audited
from index import errors, policy, sar

FORMATS = {"json": "application/json", "text": "text/plain"}


@get("/children/{child_id:str}/subject-access", opt={"action": "child.sar"},
     summary="Export everything held about a child (subject access)", operation_class=openapi.SubjectAccessExport)
async def export(child_id: params.PathId, audit: Audited, reason: params.Reason, case_ref: params.CaseRef = None,
                 format: Literal["json", "text"] = "json") -> Response[sar.SubjectAccess]:   # noqa: A002 (the parameter's name)
    """Names, sex and date of birth, address, identifiers, carers, the Connexions opt-out,
    every involvement with its indicators (ended and cleared ones too), every source record
    ever linked with its link history, review items, transfers, investigations and the
    access history. Only a data manager of the child's owning LA may export it. A reason
    is required; format is json (default) or text."""
    fmt = format
    audit.reason, audit.case_ref = reason, params.case_ref(case_ref)
    audit.query["format"] = fmt
    conn = await audit.begin()
    owner = await sar.owning_la(conn, child_id)
    if owner is None:
        raise errors.NotFound("no child with this index id", field="child_id")
    if not policy.manages(audit.who, owner):
        raise errors.Forbidden(
            f"only a data manager of the child's owning LA ({owner}) may export this record; "
            "ask that LA to answer the request", field="child_id")
    result = await sar.export(conn, child_id)
    if result is None:     # deleted in between
        raise errors.NotFound("no child with this index id", field="child_id")
    audit.children = [result.child.id]
    if fmt == "text":
        return Response(sar.render_text(result), media_type=FORMATS["text"])
    return Response(result, media_type=FORMATS["json"])
