"""The one-view override of a shielded child's record, as pages: a confirmation form (the
warning, why you are looking, your case reference, an explicit confirmation) and its
POST, which mirrors POST /children/{child_id}/override (api/routes/shielding.py): the
same action, the same work (`override_view`: the shield checked, the owning LA's
investigation opened) and so the same audit event. Its answer is that one view, shown
once; it is never a page that can be opened again."""

from __future__ import annotations

from litestar import Request, Response, get, post

from api import params
from api.audited import Audited
from api.pages import involvements as forms
from api.pages.render import html
from api.routes import shielding as routes
from index import errors, policy

ORDER = ["reason", "case_ref", "confirm"]


@get("/child/{child_id:str}/override", opt={"action": "child.override", "page": True}, include_in_schema=False)
async def confirm_form(request: Request, child_id: params.PathId, reason: params.Text = None,
                       case_ref: params.Text = None) -> Response:
    """The warning and the confirmation form; nothing of the child is read or shown, so
    nothing is audited."""
    values = {"reason": reason or "", "case_ref": case_ref or ""}
    return html(request, "override.html", {"values": values, "action": f"/child/{child_id}/override"})


@post("/child/{child_id:str}/override", opt={"action": "child.override", "page": True, "form": "override.html"},
      status_code=200, include_in_schema=False)
async def override(request: Request, child_id: params.PathId, audit: Audited) -> Response:
    """The one full view of a shielded record, for a user with the child-protection
    capability who has confirmed the warning (index.shielding.check_override decides)."""
    values = await forms.form_of(request)
    problems: list[errors.Invalid] = []
    if not values.get("reason"):
        problems.append(errors.Invalid("Select why you are looking", field="reason"))
    for field, check in (("reason", params.reason), ("case_ref", params.case_ref)):
        try:
            setattr(audit, field, check(values.get(field) or None))
        except errors.Invalid as exc:
            if values.get(field):
                problems.append(exc)
    if values.get("confirm") != "yes":
        # The JSON route's 409 without confirm: true; a form asks for the box to be ticked.
        problems.append(errors.Invalid("Confirm that you understand the override is recorded and investigated",
                                       field="confirm"))
    if problems:
        raise forms.Problems(sorted(problems, key=lambda p: ORDER.index(p.field)))
    record = await routes.override_view(request, audit, child_id, confirm=True)
    return html(request, "child.html", {"child": record, "overridden": True, "override_notice": policy.OVERRIDE_NOTICE,
                                        "values": {}})


ROUTES = [confirm_form, override]
