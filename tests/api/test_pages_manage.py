"""The LA data manager's pages (/manage/...) mirror their JSON routes: the same checks,
the same audit event (action, outcome, query, children, reason), the same policy; every
answer is an HTML page, and every POST a 303 to the page that shows its result."""

import datetime as dt
import typing
import uuid

import pytest

from api.pages import manage_common
from api.routes import shielding as shielding_routes
from index import auth, registry, sessions
from index.feeds import process
from matching import model as mmodel
from tests import factories
from tests.api.conftest import Browser, bearer
from tests.api.pages import Page, html
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
    ("/manage/children/8f0b2d4f-6a8c-4e0a-b3d5-7f9b1d3f5a6c", 404, "Page not found"),
    ("/manage/children/not-an-id", 400, "There is a problem"),
    ("/manage/feeds/9a1c3e5a-7b9d-4f1b-84e6-8a0c2e4a6b7d", 404, "Page not found"),
])
async def test_missing_records_are_pages(client, browsers, conn, path, status, heading):
    response = await client.get(path, headers=browsers["la_data_manager"].headers)
    assert html(response, status).heading() == heading
    if status == 404:
        assert (await event(conn, response))["outcome"] == "not_found"


async def test_a_role_not_allowed_gets_a_403_page(client, browsers):
    response = await client.get("/manage/transfers", headers=browsers["practitioner"].headers)
    assert response.status_code == 403 and response.headers["content-type"].startswith("text/html")


async def ask(client, browser, child, to_la="926"):
    return await client.post(f"/manage/children/{child}/transfers", headers=browser.headers,
                             data=browser.form(to_la=to_la), follow_redirects=False)


def buttons(page: Page) -> list[str]:
    """The actions of the table's POST forms."""
    return [f.attrs["action"] for f in page.by_id("transfers").descendants("form")]


async def test_a_transfer_requested_decided_and_listed_as_the_json_routes_do(client, browsers, norfolk_browser,
                                                                            norfolk, tokens, child, conn):
    cambs = browsers["la_data_manager"]
    response = await ask(client, cambs, child, " 926 ")
    redirected(response, "/manage/transfers?direction=outgoing&done=requested")
    requested = await event(conn, response)
    transfer_id = await conn.fetchval("SELECT id FROM transfer_requests WHERE child_id = $1", child)
    listing = await client.get("/manage/transfers", params={"direction": "outgoing", "done": "requested"},
                               headers=cambs.headers)
    page = html(listing)
    assert "The transfer has been requested" in page.by_class("govuk-notification-banner")[0].text
    assert buttons(page) == [f"/manage/transfers/{transfer_id}/withdraw"]
    assert f"/manage/children/{child}" in page.links() and "Norfolk (926)" in page.by_id("transfers").text
    twin_listing = await client.get("/transfers", params={"direction": "outgoing"},
                                    headers=bearer(tokens["la_data_manager"]))
    assert await event(conn, listing) == await event(conn, twin_listing) == {
        "action": "transfer.read", "outcome": "ok", "reason": None, "case_ref": None,
        "query": {"direction": "outgoing"}, "child_ids": [child]}

    incoming = html(await client.get("/manage/transfers", headers=norfolk_browser.headers))
    assert buttons(incoming) == [f"/manage/transfers/{transfer_id}/accept", f"/manage/transfers/{transfer_id}/decline"]
    response = await client.post(f"/manage/transfers/{transfer_id}/accept", headers=norfolk_browser.headers,
                                 data=norfolk_browser.form(), follow_redirects=False)
    redirected(response, "/manage/transfers?direction=incoming&done=accepted")
    assert await conn.fetchval("SELECT owning_la FROM children WHERE id = $1", child) == "926"
    accepted = await event(conn, response)
    again = await client.post(f"/manage/transfers/{transfer_id}/accept", headers=norfolk_browser.headers,
                              data=norfolk_browser.form())
    assert html(again, 409).heading() == "This cannot be done now"
    assert buttons(html(await client.get("/manage/transfers", headers=norfolk_browser.headers))) == []

    # The JSON twins, the child sent back: the same events.
    twin = await client.post(f"/children/{child}/transfers", json={"to_la": "873"}, headers=bearer(norfolk))
    twin_accept = await client.post(f"/transfers/{twin.json()['id']}/accept", headers=bearer(tokens["la_data_manager"]))
    twin_request = await client.post(f"/children/{child}/transfers", json={"to_la": "926"},
                                     headers=bearer(tokens["la_data_manager"]))
    assert requested == await event(conn, twin_request) == {
        "action": "transfer.request", "outcome": "ok", "reason": None, "case_ref": None,
        "query": {"child_id": str(child), "to_la": "926"}, "child_ids": [child]}
    assert {**accepted, "query": None} == {**await event(conn, twin_accept), "query": None}
    assert accepted["query"] == {"transfer_id": str(transfer_id), "decision": "accept"}


@pytest.mark.parametrize("decision, by, direction, status", [
    ("decline", "norfolk", "incoming", "declined"), ("withdraw", "cambs", "outgoing", "withdrawn")])
async def test_a_transfer_declined_or_withdrawn(client, browsers, norfolk_browser, child, conn,
                                                decision, by, direction, status):
    redirected(await ask(client, browsers["la_data_manager"], child),
               "/manage/transfers?direction=outgoing&done=requested")
    transfer_id = await conn.fetchval("SELECT id FROM transfer_requests WHERE child_id = $1", child)
    browser = norfolk_browser if by == "norfolk" else browsers["la_data_manager"]
    response = await client.post(f"/manage/transfers/{transfer_id}/{decision}", headers=browser.headers,
                                 data=browser.form(), follow_redirects=False)
    redirected(response, f"/manage/transfers?direction={direction}&done={status}")
    assert await conn.fetchval("SELECT status FROM transfer_requests WHERE id = $1", transfer_id) == status
    assert await conn.fetchval("SELECT owning_la FROM children WHERE id = $1", child) == "873"
    assert (await event(conn, response))["query"] == {"transfer_id": str(transfer_id), "decision": decision}
    filtered = html(await client.get("/manage/transfers", params={"direction": direction, "status": status},
                                     headers=browser.headers))
    assert str(child) in filtered.by_id("transfers").text
    none = html(await client.get("/manage/transfers", params={"direction": direction, "status": "requested"},
                                 headers=browser.headers))
    assert none.by_id("transfers") is None and none.by_id("no-transfers") is not None


async def test_the_sending_la_may_not_accept_its_own_request(client, browsers, child, conn):
    await ask(client, browsers["la_data_manager"], child)
    transfer_id = await conn.fetchval("SELECT id FROM transfer_requests WHERE child_id = $1", child)
    response = await client.post(f"/manage/transfers/{transfer_id}/accept",
                                 headers=browsers["la_data_manager"].headers, data=browsers["la_data_manager"].form())
    assert html(response, 403).heading() == "You cannot do this"
    assert (await event(conn, response))["outcome"] == "denied"


@pytest.mark.parametrize("to_la, message, audited", [
    ("", "Enter the receiving local authority's code", False),
    ("12345678901", "Enter the receiving local authority's code", False),
    ("999", "No local authority with this code", True),
    ("873", "The child is already owned by this LA", True),
])
async def test_a_transfer_request_needs_another_las_code(client, browsers, child, conn, to_la, message, audited):
    response = await ask(client, browsers["la_data_manager"], child, to_la)
    page = html(response, 400)
    assert error_links(page) == ["#to_la"] and message in page.by_id("to_la-error").text
    assert page.by_id("to_la").attrs["value"] == to_la
    got = await event(conn, response)
    assert (got["outcome"] if got else None) == ("invalid" if audited else None)


async def test_a_bad_status_filter_is_a_400_page(client, browsers):
    page = html(await client.get("/manage/transfers", params={"status": "lost"},
                                 headers=browsers["la_data_manager"].headers), 400)
    assert page.heading() == "There is a problem"


@pytest.fixture
async def emergency(client, tokens, child, conn):
    """An emergency view of the child by the health visitor: an open item for Cambridgeshire."""
    r = await client.get(f"/children/{child}", params={"reason": "emergency"}, headers=bearer(tokens["practitioner"]))
    assert r.status_code == 200, r.text
    return await conn.fetchval("SELECT id FROM investigations WHERE child_id = $1", child)


async def test_investigations_listed_and_closed_as_the_json_routes_do(client, browsers, tokens, child, emergency,
                                                                      conn):
    manager = browsers["la_data_manager"]
    response = await client.get("/manage/investigations", headers=manager.headers)
    page = html(response)
    card = page.by_id(f"item-{emergency}")
    assert "Emergency view by Test practitioner (HV873)" in card.text
    assert f"/manage/children/{child}" in [a.attrs["href"] for a in card.descendants("a")]
    assert radio_values(page, "outcome") == list(manage_common.OUTCOME_LABELS)
    assert len({e.attrs["id"] for e in page.all if e.tag == "input" and e.attrs.get("name") == "outcome"}) == 3
    twin = await client.get("/investigations", headers=bearer(tokens["la_data_manager"]))
    assert await event(conn, response) == await event(conn, twin) == {
        "action": "investigation.read", "outcome": "ok", "reason": None, "case_ref": None, "query": {},
        "child_ids": [child]}

    missing = await client.post(f"/manage/investigations/{emergency}/close", headers=manager.headers,
                                data=manager.form())
    assert error_links(html(missing, 400)) == ["#outcome"]
    response = await client.post(f"/manage/investigations/{emergency}/close", headers=manager.headers,
                                 data=manager.form(outcome="justified"), follow_redirects=False)
    redirected(response, "/manage/investigations?done=closed")
    closed = html(await client.get("/manage/investigations", params={"status": "closed"}, headers=manager.headers))
    assert "Justified" in closed.by_id(f"item-{emergency}").text
    assert not closed.by_id(f"item-{emergency}").descendants("form")
    again = await client.post(f"/manage/investigations/{emergency}/close", headers=manager.headers,
                              data=manager.form(outcome="justified"))
    assert html(again, 409).heading() == "This cannot be done now"
    twin_again = await client.post(f"/investigations/{emergency}/close", json={"outcome": "justified"},
                                   headers=bearer(tokens["la_data_manager"]))
    assert await event(conn, again) == await event(conn, twin_again)
    assert (await event(conn, response))["query"] == {"investigation_id": str(emergency), "outcome": "justified"}
    unknown = await client.post(f"/manage/investigations/{uuid.uuid4()}/close", headers=manager.headers,
                                data=manager.form(outcome="justified"))
    assert html(unknown, 404).heading() == "Page not found"


def date_form(field: str, day: dt.date) -> dict[str, str]:
    return {f"{field}-day": str(day.day), f"{field}-month": str(day.month), f"{field}-year": str(day.year)}


async def test_the_access_digest_between_two_days_as_the_json_route(client, browsers, tokens, child, emergency, conn):
    today = dt.datetime.now(dt.UTC).date()
    query = {**date_form("since", today), **date_form("until", today)}
    response = await client.get("/manage/access", params=query, headers=browsers["la_data_manager"].headers)
    page = html(response)
    row = page.by_id("views").descendants("tr")[1]
    assert str(child) in row.text and "Health Visiting" in row.text
    assert page.by_id("since-day").attrs["value"] == str(today.day)
    start = dt.datetime.combine(today, dt.time(), dt.UTC)
    twin = await client.get("/access-notifications", headers=bearer(tokens["la_data_manager"]), params={
        "since": start.isoformat(), "until": (start + dt.timedelta(days=1)).isoformat()})
    assert await event(conn, response) == await event(conn, twin)
    assert (await event(conn, response))["child_ids"] == [child]
    default = html(await client.get("/manage/access", headers=browsers["la_data_manager"].headers))
    assert str(child) in default.by_id("views").text   # the last 24 hours


@pytest.mark.parametrize("query, links, words", [
    ({"since-day": "1", "since-month": "2"}, ["#since-day"], "must include a day, a month and a year"),
    ({**date_form("since", dt.date(2026, 1, 1)), "until-day": "31", "until-month": "2", "until-year": "2026"},
     ["#until-day"], "must be a real date"),
    ({"since-day": "x", "since-month": "1", "since-year": "2026", "until-year": "2026", "until-month": "1",
      "until-day": ""}, ["#since-day", "#until-day"], "must include"),
    ({**date_form("since", dt.date(2026, 2, 1)), **date_form("until", dt.date(2026, 1, 1))}, ["#until-day"],
     "on or after the first day"),
    ({**date_form("since", dt.date(2026, 1, 1)), **date_form("until", dt.date(2026, 3, 1))}, ["#since-day"],
     "at most 31 days"),
])
async def test_bad_dates_show_the_error_summary(client, browsers, query, links, words):
    page = html(await client.get("/manage/access", params=query, headers=browsers["la_data_manager"].headers), 400)
    assert error_links(page) == links and words in page.by_class("govuk-error-summary")[0].text


async def test_the_las_feeds_with_counts_and_row_errors(client, browsers, tokens, school, norfolk_browser, conn):
    submitted = await post_feed(client, school)
    feed_id = uuid.UUID(submitted.json()["id"])
    await process.run(conn, feed_id, model=mmodel.load(), max_bytes=10 ** 7)
    manager = browsers["la_data_manager"]
    listing = await client.get("/manage/feeds", headers=manager.headers)
    page = html(listing)
    assert f"/manage/feeds/{feed_id}" in page.links() and "Done" in page.by_id("feeds").text
    response = await client.get(f"/manage/feeds/{feed_id}", headers=manager.headers)
    page = html(response)
    counts = page.by_id("counts").text
    assert "Rows 3" in counts and "New children 2" in counts and "Rejected rows 1" in counts
    [_, error] = page.by_id("row-errors").descendants("tr")
    assert error.text.startswith("4 dob No such date")
    twin = await client.get(f"/feeds/{feed_id}", headers=bearer(tokens["la_data_manager"]))
    assert await event(conn, response) == await event(conn, twin)
    twin_list = await client.get("/feeds", headers=bearer(tokens["la_data_manager"]))
    assert await event(conn, listing) == await event(conn, twin_list)
    other = await client.get(f"/manage/feeds/{feed_id}", headers=norfolk_browser.headers)
    assert html(other, 404).heading() == "Page not found"
    assert html(await client.get("/manage/feeds", headers=norfolk_browser.headers)).by_id("feeds") is None


async def test_the_feeds_page_links_to_older_feeds(client, browsers, school, monkeypatch):
    from api.pages import manage_reports

    monkeypatch.setattr(manage_reports, "FEED_PAGE", 1)
    first = (await post_feed(client, school)).json()["id"]
    second = (await post_feed(client, school, body=b"record_id,upn,forename,surname,dob\n")).json()["id"]
    manager = browsers["la_data_manager"]
    page = html(await client.get("/manage/feeds", headers=manager.headers))
    assert f"/manage/feeds/{second}" in page.links() and f"/manage/feeds/{first}" not in page.links()
    older = f"/manage/feeds?before={second}"
    assert older in page.links()
    page = html(await client.get(older, headers=manager.headers))
    assert f"/manage/feeds/{first}" in page.links() and not [link for link in page.links() if "before=" in link]
