"""Subject access: a data manager of the owning LA exports everything held about a child,
as JSON (the default) or as readable plain text (format=text). Audited as child.sar."""

from __future__ import annotations

from litestar import Request, Response, get
from litestar.params import FromPath

from api import params
from api.audited import Audited
from index import errors, policy, sar

FORMATS = {"json": "application/json", "text": "text/plain"}


@get("/children/{child_id:str}/subject-access", opt={"action": "child.sar"},
     summary="Export everything held about a child (subject access)")
async def export(request: Request, child_id: FromPath[str], audit: Audited) -> Response:
    """Names, sex and date of birth, address, identifiers, carers, the Connexions opt-out,
    every involvement with its indicators (ended and cleared ones too), every source record
    ever linked with its link history, review items, transfers, investigations and the
    access history. Only a data manager of the child's owning LA may export it. A reason
    is required; format is json (default) or text."""
    given = params.only(request, {"reason", "case_ref", "format"})
    fmt = given.get("format", "json").strip() or "json"
    if fmt not in FORMATS:
        raise errors.Invalid(f"must be one of: {', '.join(FORMATS)}", field="format")
    audit.reason, audit.case_ref = params.reason(given)
    cid = params.index_id(child_id)
    audit.query, audit.about = {"child_id": str(cid), "format": fmt}, cid
    conn = await audit.begin()
    owner = await sar.owning_la(conn, cid)
    if owner is None:
        raise errors.NotFound("no child with this index id", field="child_id")
    if not policy.manages(audit.who, owner):
        raise errors.Forbidden(
            f"only a data manager of the child's owning LA ({owner}) may export this record; "
            "ask that LA to answer the request", field="child_id")
    result = await sar.export(conn, cid)
    if result is None:     # deleted in between
        raise errors.NotFound("no child with this index id", field="child_id")
    audit.children = [result.child.id]
    if fmt == "text":
        return Response(sar.render_text(result), media_type=FORMATS["text"])
    return Response(result, media_type=FORMATS["json"])
