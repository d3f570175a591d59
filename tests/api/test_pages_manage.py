"""The LA data manager's pages (/manage/...) mirror their JSON routes: the same checks,
the same audit event (action, outcome, query, children, reason), the same policy; every
answer is an HTML page, and every POST a 303 to the page that shows its result."""

import datetime as dt
import typing
import uuid

import pytest

from api.pages import manage_common, render
from api.routes import shielding as shielding_routes
from index import auth, registry, sessions
from index.feeds import process
from matching import model as mmodel
from tests import factories
from tests.api.conftest import Browser, bearer
from tests.api.pages import Page
from tests.api.test_feeds import post_feed

MANAGER_NAV = ["/manage/children", "/manage/transfers", "/manage/investigations", "/manage/access", "/manage/feeds"]


@pytest.fixture
async def child(pool):
    async with pool.acquire() as conn:
        return await registry.create_child(conn, factories.child())


@pytest.fixture
async def norfolk_browser(pool, tokens, norfolk) -> Browser:
    """A signed-in data manager of Norfolk (926), the conftest's `norfolk` user."""
    async with pool.acquire() as conn:
        return Browser(await sessions.create(conn, (await auth.authenticate(conn, norfolk)).user_id, via="link"))


def html(response, status: int = 200) -> Page:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    return Page(response.text)


async def event(conn, response) -> dict:
    """The request's audit event, without what differs between a page and its twin (the status)."""
    row = await conn.fetchrow("SELECT action, outcome, reason, case_ref, query, child_ids FROM audit_events "
                              "WHERE request_id = $1", uuid.UUID(response.headers["x-request-id"]))
    return dict(row) if row else None


def redirected(response, location: str) -> None:
    assert response.status_code == 303, response.text
    assert response.headers["location"] == location


def error_links(page: Page) -> list[str]:
    [summary] = page.by_class("govuk-error-summary__list")
    hrefs = [a.attrs["href"] for a in summary.descendants("a")]
    for href in hrefs:
        assert page.by_id(href[1:]) is not None, href   # the link reaches its field
    return hrefs


def radio_values(page: Page, name: str) -> list[str]:
    return [e.attrs["value"] for e in page.all if e.tag == "input" and e.attrs.get("name") == name]


def test_the_radios_offer_what_the_json_bodies_accept():
    assert tuple(manage_common.SHIELD_REASON_LABELS) == typing.get_args(shielding_routes.ShieldReason)
    outcome = typing.get_type_hints(shielding_routes.CloseIn)["outcome"]
    assert tuple(manage_common.OUTCOME_LABELS) == typing.get_args(outcome)


async def test_the_navigation_offers_the_managers_pages(client, browsers):
    page = html(await client.get("/manage/children", headers=browsers["la_data_manager"].headers))
    links = [a.attrs["href"] for a in page.by_id("navigation").descendants("a")]
    assert [link for link in links if link in MANAGER_NAV] == MANAGER_NAV
    assert [item["href"] for item in render.nav_for("school", "/") if item["href"].startswith("/manage")] == [
        "/manage/feeds"]


@pytest.mark.parametrize("given, status, message", [
    (None, 200, None),
    ("", 400, "Enter the child's index id"),
    ("not-an-id", 400, "Enter an index id in the right format"),
])
async def test_the_box_to_open_a_child(client, browsers, given, status, message):
    query = {} if given is None else {"child_id": given}
    page = html(await client.get("/manage/children", params=query, headers=browsers["la_data_manager"].headers),
                status)
    assert page.heading() == "Open a child's record"
    form = next(f for f in page.all if f.tag == "form" and f.attrs.get("action") == "/manage/children")
    assert form.attrs["method"] == "get"
    if message:
        assert error_links(page) == ["#child_id"] and message in page.by_id("child_id-error").text
        assert page.by_id("child_id").attrs["value"] == given


async def test_a_good_id_opens_the_childs_page(client, browsers, child):
    response = await client.get("/manage/children", params={"child_id": f" {child} "},
                                headers=browsers["la_data_manager"].headers, follow_redirects=False)
    redirected(response, f"/manage/children/{child}")


async def test_the_childs_page_is_the_json_view_for_data_quality(client, browsers, tokens, child, conn):
    response = await client.get(f"/manage/children/{child}", headers=browsers["la_data_manager"].headers)
    page = html(response)
    assert page.heading() == "Amelia Testwood"
    assert page.by_id("shield-status").text == "Not shielded"
    assert radio_values(page, "reason") == list(typing.get_args(shielding_routes.ShieldReason))
    actions = [f.attrs.get("action") for f in page.all if f.tag == "form"]
    assert f"/manage/children/{child}/shield" in actions and f"/manage/children/{child}/transfers" in actions
    twin = await client.get(f"/children/{child}", params={"reason": "data_quality"},
                            headers=bearer(tokens["la_data_manager"]))
    assert await event(conn, response) == await event(conn, twin) == {
        "action": "child.view", "outcome": "ok", "reason": "data_quality", "case_ref": None,
        "query": {"child_id": str(child)}, "child_ids": [child]}


async def test_shield_and_unshield_as_the_json_routes_do(client, browsers, tokens, child, conn):
    manager = browsers["la_data_manager"]
    response = await client.post(f"/manage/children/{child}/shield", headers=manager.headers,
                                 data=manager.form(reason="adoption"), follow_redirects=False)
    redirected(response, f"/manage/children/{child}?done=shielded")
    shielded = await event(conn, response)
    page = html(await client.get(response.headers["location"], headers=manager.headers))
    assert page.by_class("govuk-notification-banner__heading")[0].text == "The record is shielded"
    assert page.by_id("shield-status").text == "Shielded" and "Adoption" in page.by_id("record").text
    assert f"/manage/children/{child}/unshield" in [f.attrs.get("action") for f in page.all if f.tag == "form"]

    again = await client.post(f"/manage/children/{child}/shield", headers=manager.headers,
                              data=manager.form(reason="adoption"))
    assert html(again, 409).heading() == "This cannot be done now"
    response = await client.post(f"/manage/children/{child}/unshield", headers=manager.headers,
                                 data=manager.form(), follow_redirects=False)
    redirected(response, f"/manage/children/{child}?done=unshielded")
    unshielded = await event(conn, response)
    assert html(await client.get(f"/manage/children/{child}", headers=manager.headers)).by_id(
        "shield-status").text == "Not shielded"

    json = bearer(tokens["la_data_manager"])
    twin_shield = await client.post(f"/children/{child}/shield", json={"reason": "adoption"}, headers=json)
    twin_again = await client.post(f"/children/{child}/shield", json={"reason": "adoption"}, headers=json)
    twin_unshield = await client.post(f"/children/{child}/unshield", headers=json)
    assert shielded == await event(conn, twin_shield) == {
        "action": "child.shield", "outcome": "ok", "reason": None, "case_ref": None, "child_ids": [child],
        "query": {"child_id": str(child), "shield": True, "shield_reason": "adoption"}}
    assert await event(conn, again) == await event(conn, twin_again)
    assert unshielded == await event(conn, twin_unshield)


@pytest.mark.parametrize("form", [{}, {"reason": "because"}, {"reason": " "}])
async def test_a_shield_needs_a_reason_code(client, browsers, child, conn, form):
    manager = browsers["la_data_manager"]
    response = await client.post(f"/manage/children/{child}/shield", headers=manager.headers,
                                 data=manager.form(**form))
    page = html(response, 400)
    assert error_links(page) == ["#reason"] and page.by_id("reason-error") is not None
    assert page.all[[e.tag for e in page.all].index("title")].text.startswith("Error: ")
    assert radio_values(page, "reason") == list(manage_common.SHIELD_REASON_LABELS)
    assert not await conn.fetchval("SELECT shielded FROM children WHERE id = $1", child)


async def test_another_las_manager_sees_the_shielded_view_and_may_not_shield(client, norfolk_browser, pool, conn):
    async with pool.acquire() as c:
        shielded = await registry.create_child(c, factories.child(shielded=True))
    page = html(await client.get(f"/manage/children/{shielded}", headers=norfolk_browser.headers))
    assert "shielded" in page.by_class("govuk-inset-text")[0].text and "CB1 2AB" not in page.by_id("main-content").text
    assert not [f for f in page.all if f.tag == "form" and "/manage/children/" in (f.attrs.get("action") or "")]
    response = await client.post(f"/manage/children/{shielded}/unshield", headers=norfolk_browser.headers,
                                 data=norfolk_browser.form())
    assert html(response, 403).heading() == "You cannot do this"
    assert (await event(conn, response))["outcome"] == "denied"


async def test_a_post_without_its_csrf_token_is_refused(client, browsers, child, conn):
    response = await client.post(f"/manage/children/{child}/shield", headers=browsers["la_data_manager"].headers,
                                 data={"reason": "adoption"})
    assert response.status_code == 403 and response.headers["content-type"].startswith("text/html")
    assert not await conn.fetchval("SELECT shielded FROM children WHERE id = $1", child)


@pytest.mark.parametrize("path, status, heading", [
    (f"/manage/children/{uuid.uuid4()}", 404, "Page not found"),
    ("/manage/children/not-an-id", 400, "There is a problem"),
    (f"/manage/feeds/{uuid.uuid4()}", 404, "Page not found"),
])
async def test_missing_records_are_pages(client, browsers, conn, path, status, heading):
    response = await client.get(path, headers=browsers["la_data_manager"].headers)
    assert html(response, status).heading() == heading
    if status == 404:
        assert (await event(conn, response))["outcome"] == "not_found"


async def test_a_role_not_allowed_gets_a_403_page(client, browsers):
    response = await client.get("/manage/transfers", headers=browsers["practitioner"].headers)
    assert response.status_code == 403 and response.headers["content-type"].startswith("text/html")
