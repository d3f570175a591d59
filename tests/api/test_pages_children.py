"""The practitioner pages mirror their JSON routes: the same checks, the same audit
event, the same policy; errors are GOV.UK pages, never JSON."""

import uuid

import pytest

from api.pages import children as pages
from api.pages import render
from index import policy, registry
from tests import factories
from tests.api.conftest import bearer
from tests.api.pages import html

FORM = {"forename": "Amelia", "surname": "Testwood", "dob-day": "14", "dob-month": "3", "dob-year": "2015",
        "postcode": "", "reason": "service_delivery", "case_ref": "CP-2024/17"}


@pytest.fixture
async def amelia(pool):
    async with pool.acquire() as conn:
        return await registry.create_child(conn, factories.child())


async def event(conn, response) -> dict:
    return dict(await conn.fetchrow("SELECT action, outcome, status, reason, case_ref, query, child_ids "
                                    "FROM audit_events WHERE request_id = $1",
                                    uuid.UUID(response.headers["x-request-id"])))


def test_every_reason_has_a_label():
    assert tuple(render.REASON_LABELS) == policy.REASONS


async def test_start_page_links_to_search(client, tokens):
    page = html(await client.get("/", headers=bearer(tokens["practitioner"])))
    assert "/search" in page.links()
    assert page.all[0].tag == "html" and page.all[0].attrs["lang"] == "en"
    assert page.by_class("govuk-skip-link")[0].attrs["href"] == "#main-content"
    assert page.by_id("main-content").tag == "main"


async def test_search_form_renders_without_auditing(client, tokens, conn):
    response = await client.get("/search", headers=bearer(tokens["practitioner"]))
    page = html(response)
    assert page.heading() == "Search for a child"
    names = {e.attrs.get("name") for e in page.all if e.tag == "input"}
    assert {"forename", "surname", "dob-day", "dob-month", "dob-year", "postcode", "reason", "case_ref"} <= names
    assert [e.attrs["value"] for e in page.all if e.attrs.get("name") == "reason"] == list(policy.REASONS)
    assert not page.by_class("govuk-error-summary")
    assert await conn.fetchval("SELECT count(*) FROM audit_events WHERE request_id = $1",
                               uuid.UUID(response.headers["x-request-id"])) == 0


@pytest.mark.parametrize("change, fields", [
    ({"surname": ""}, ["surname"]),
    ({"dob-month": ""}, ["dob"]),
    ({"surname": "", "reason": None}, ["surname", "reason"]),
    ({"dob-day": "", "surname": ""}, ["surname", "dob"]),   # in the form's order
    ({"case_ref": "no digits"}, ["case_ref"]),
    ({"postcode": "ZZ"}, ["postcode"]),
    ({"surname": "T"}, ["surname"]),
    ({"dob-day": "31", "dob-month": "2"}, ["dob"]),
])
async def test_search_problems_show_the_error_summary(client, tokens, change, fields):
    query = {k: v for k, v in {**FORM, **change}.items() if v is not None}
    page = html(await client.get("/search/results", params=query, headers=bearer(tokens["practitioner"])), 400)
    [summary] = page.by_class("govuk-error-summary__list")
    hrefs = [a.attrs["href"] for a in summary.descendants("a")]
    assert hrefs == ["#" + ("dob-day" if f == "dob" else f) for f in fields], summary.text
    for href in hrefs:
        assert page.by_id(href[1:]) is not None, href   # the link reaches its field
    for field in fields:
        assert page.by_id(f"{field}-error") is not None
    assert page.by_id("forename").attrs["value"] == FORM["forename"]   # the values given are kept
    assert page.all[[e.tag for e in page.all].index("title")].text.startswith("Error: ")


async def test_a_search_finds_the_child_links_to_it_and_is_audited_as_the_json_route(client, tokens, amelia, conn):
    headers = bearer(tokens["practitioner"])
    response = await client.get("/search/results", params=FORM, headers=headers)
    page = html(response)
    links = [link for link in page.links() if link.startswith("/child/")]
    assert links == [f"/child/{amelia}?reason=service_delivery&case_ref=CP-2024%2F17"]
    assert page.by_class("govuk-tag")[-1].text == "Certain"
    twin = await client.get("/children/search", headers=headers, params={
        "surname": "Testwood", "dob": "2015-03-14", "forename": "Amelia", "reason": "service_delivery",
        "case_ref": "CP-2024/17"})
    assert await event(conn, response) == await event(conn, twin) == {
        "action": "child.search", "outcome": "ok", "status": 200, "reason": "service_delivery",
        "case_ref": "CP-2024/17", "query": {"surname": "Testwood", "dob": "2015-03-14", "forename": "Amelia"},
        "child_ids": [amelia]}


async def test_the_child_page_shows_services_and_is_audited_as_the_json_route(client, tokens, amelia, conn):
    headers = bearer(tokens["practitioner"])
    r = await client.post(f"/children/{amelia}/involvements", headers=headers,
                          json={"start_date": "2024-09-01", "contact": {"phone": "01632 960555"}})
    assert r.status_code == 201, r.text
    await client.post(f"/involvements/{r.json()['id']}/indicators", json={"kind": "lead_professional"},
                      headers=headers)
    response = await client.get(f"/child/{amelia}", params={"reason": "service_delivery"}, headers=headers)
    page = html(response)
    assert page.heading() == "Amelia Testwood"
    [card] = page.by_class("govuk-summary-card")
    assert "Health Visiting" in card.text and "01632 960555" in card.text and "Lead professional" in card.text
    assert "1 Example Lane" in page.by_class("govuk-summary-list")[0].text
    twin = await client.get(f"/children/{amelia}", params={"reason": "service_delivery"}, headers=headers)
    assert await event(conn, response) == await event(conn, twin) == {
        "action": "child.view", "outcome": "ok", "status": 200, "reason": "service_delivery", "case_ref": None,
        "query": {"child_id": str(amelia)}, "child_ids": [amelia]}


async def test_another_kind_of_practitioner_sees_what_the_json_route_shows(client, tokens, amelia, pool):
    async with pool.acquire() as conn:
        sexual_health = await factories.token_for(conn, org="SH873")
    r = await client.post(f"/children/{amelia}/involvements", headers=bearer(sexual_health),
                          json={"start_date": "2024-09-01", "consent_basis": "consent_given",
                                "contact": {"phone": "01632 960777"}})
    assert r.status_code == 201, r.text
    headers = bearer(tokens["practitioner"])
    record = (await client.get(f"/children/{amelia}", params={"reason": "service_delivery"}, headers=headers)).json()
    [shown] = record["involvements"]
    page = html(await client.get(f"/child/{amelia}", params={"reason": "service_delivery"}, headers=headers))
    [card] = page.by_class("govuk-summary-card")
    assert "01632 960777" not in card.text and "01632 960777" not in str(shown)
    assert shown["notice"] and " ".join(shown["notice"].split()) in card.text


@pytest.mark.parametrize("path, params, status, heading", [
    ("/child/4b6d8f0a-2c4e-4f6a-9b1d-3f5a7c9e1b2d", {"reason": "service_delivery"}, 404, "Page not found"),
    ("/child/not-an-id", {"reason": "service_delivery"}, 400, "There is a problem"),
    ("/child/6e8a0c2e-4f6b-4d8f-a1c3-5e7a9c1e3f4b", {}, 400, "There is a problem"),
])
async def test_child_page_errors_are_pages(client, tokens, conn, path, params, status, heading):
    response = await client.get(path, params=params, headers=bearer(tokens["practitioner"]))
    page = html(response, status)
    assert page.heading() == heading
    if status == 404:   # audited as the JSON route's unknown child is
        assert (await event(conn, response))["outcome"] == "not_found"


@pytest.mark.parametrize("role", ["school", "auditor"])
async def test_refusals_are_pages(client, tokens, role):
    page = html(await client.get("/search", headers=bearer(tokens[role])), 403)
    assert page.heading() == "You cannot do this"


async def test_a_page_without_credentials_sends_the_browser_to_sign_in(client):
    response = await client.get("/search", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/sign-in?next=%2Fsearch")


async def test_an_unexpected_error_is_a_plain_500_page(client, tokens, monkeypatch):
    async def broken(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(pages.children, "open_record", broken)
    response = await client.get(f"/child/{uuid.uuid4()}", params={"reason": "service_delivery"},
                                headers=bearer(tokens["practitioner"]))
    page = html(response, 500)
    assert page.heading() == "Sorry, there is a problem with the service"
    assert "secret detail" not in response.text and "Traceback" not in response.text
