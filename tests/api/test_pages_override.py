"""The shield override and the emergency view as pages: the child page's warning and
path to the override, the confirmation form and the one view it answers with, and the
emergency notice. Each mirrors its JSON twin's work, audit event and policy."""

import pytest

import uuid

from index import policy
from tests.api.conftest import bearer
from tests.api.test_pages_children import event, html
from tests.api.test_pages_practitioner import BACK, _browser, _child, _child_page, _post, form_of, names, summary


async def test_a_shielded_child_shows_the_warning_and_the_override_path(client, browsers, tokens, pool, conn):
    cid = await _child(pool, shielded=True)
    plain = await _child_page(client, browsers["practitioner"], cid)
    assert "shielded" in plain.by_id("shielded").text and "/override" not in str(plain.links())
    assert plain.by_id("your-involvement") is None and "Example Lane" not in plain.by_id("main-content").text
    protector, token = await _browser(pool, org="HV873", capabilities=("child_protection",))
    page = await _child_page(client, protector, cid)
    link = f"/child/{cid}/override?{BACK}"
    assert link in page.links()

    confirm = html(await client.get(link, headers=protector.headers))
    form = form_of(confirm, f"/child/{cid}/override")
    assert names(form) == {"csrf_token", "reason", "case_ref", "confirm"}
    assert [i.attrs["value"] for i in form.descendants("input") if i.attrs.get("name") == "reason"] == \
        list(policy.REASONS)
    assert [i.attrs for i in form.descendants("input") if "checked" in i.attrs][0]["value"] == \
        "service_delivery"
    assert form.descendants("legend")   # the checkbox and the radios are in fieldsets

    unconfirmed = await _post(client, protector, f"/child/{cid}/override")
    assert summary(html(unconfirmed, 400)) == ["#confirm"]
    assert await conn.fetchval("SELECT count(*) FROM investigations") == 0
    nothing = await _post(client, protector, f"/child/{cid}/override", reason="", case_ref="", confirm="yes")
    assert summary(html(nothing, 400)) == ["#reason"]

    response = await _post(client, protector, f"/child/{cid}/override", confirm="yes")
    page = html(response)
    assert "Example Lane" in page.by_id("main-content").text
    assert " ".join(policy.OVERRIDE_NOTICE.split()[1:4]) in page.by_id("override").text
    assert page.by_id("your-involvement") is None   # the one view only: no forms
    twin = await client.post(f"/children/{cid}/override", headers=bearer(token),
                             json={"reason": "service_delivery", "case_ref": "CP-1/2", "confirm": True})
    assert twin.status_code == 200, twin.text
    for got in (response, twin):
        assert await event(conn, got) == {"action": "child.override", "outcome": "ok", "status": 200,
                                          "reason": "service_delivery", "case_ref": "CP-1/2",
                                          "query": {"child_id": str(cid), "confirm": True}, "child_ids": [cid]}
    assert await conn.fetchval("SELECT count(*) FROM investigations WHERE kind = 'shield_override'") == 2
    after = await _child_page(client, protector, cid)   # the record stays shielded
    assert "Example Lane" not in after.by_id("main-content").text

    refused = await _post(client, browsers["practitioner"], f"/child/{cid}/override", confirm="yes")
    assert html(refused, 403).heading() == "You cannot do this"
    assert (await event(conn, refused))["outcome"] == "denied"


async def test_an_override_of_a_record_not_shielded_or_unknown_is_an_error_page(client, pool, conn):
    cid = await _child(pool)
    protector, _ = await _browser(pool, org="HV873", capabilities=("child_protection",))
    assert (await _child_page(client, protector, cid)).by_id("shielded") is None
    response = await _post(client, protector, f"/child/{cid}/override", confirm="yes")
    assert html(response, 409).heading() == "This cannot be done now"
    assert (await event(conn, response))["outcome"] == "conflict"
    response = await _post(client, protector, f"/child/{uuid.uuid4()}/override", confirm="yes")
    assert html(response, 404).heading() == "Page not found"
    assert (await event(conn, response))["outcome"] == "not_found"


@pytest.mark.parametrize("reason, shown", [("emergency", True), ("service_delivery", False)])
async def test_an_emergency_view_says_it_will_be_reviewed(client, browsers, pool, conn, reason, shown):
    cid = await _child(pool)
    page = await _child_page(client, browsers["practitioner"], cid, reason=reason)
    notice = page.by_id("emergency")
    assert (notice is not None) == shown
    if shown:
        assert "72 hours" in notice.text and "govuk-warning-text" in notice.children[0].classes
        # the forms carry the reason back, so the page after a form says so again
        assert form_of(page, f"/child/{cid}/involvement").descendants("input")[1].attrs["value"] == "emergency"
    assert await conn.fetchval("SELECT count(*) FROM investigations WHERE kind = 'emergency_view'") == int(shown)


async def test_the_owning_las_manager_sees_no_emergency_notice(client, browsers, pool):
    cid = await _child(pool)
    page = await _child_page(client, browsers["la_data_manager"], cid, reason="emergency")
    assert page.by_id("emergency") is None
