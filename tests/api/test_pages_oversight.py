"""The auditors' pages mirror GET /audit, GET /alerts and POST /alerts/{id}/close: the
same work, the same audit events, the same policy; errors are GOV.UK pages."""

import datetime as dt
import uuid
import zoneinfo

import pytest

from api.pages import oversight as pages
from tests.api.conftest import bearer
from tests.api.pages import Page, html, event
from tests.api.test_misuse import children, configure, open_alerts, suspended, view

LONDON = zoneinfo.ZoneInfo("Europe/London")


def rows(page: Page) -> list[list[str]]:
    [body] = page.by_class("govuk-table__body")
    return [[c.text for c in row.children if c.tag in ("th", "td")] for row in body.descendants("tr")]


def summary_fields(page: Page) -> list[str]:
    [summary] = page.by_class("govuk-error-summary__list")
    hrefs = [a.attrs["href"] for a in summary.descendants("a")]
    for href in hrefs:
        assert page.by_id(href[1:]) is not None, href   # the link reaches its field
    return hrefs


# --- the audit log ------------------------------------------------------------------

async def test_the_audit_log_searches_by_child_and_time_as_get_audit_does(client, tokens, browsers, pool, conn):
    first, second = await children(pool, 2)
    for cid in (first, second, first):
        assert (await view(client, tokens["practitioner"], cid)).status_code == 200
    today = dt.datetime.now(LONDON).date()
    query = {"child_id": str(first), "since-day": str(today.day), "since-month": str(today.month),
             "since-year": str(today.year)}
    response = await client.get("/oversight/audit", params=query, headers=browsers["auditor"].headers)
    page = html(response)
    assert page.heading() == "Audit log"
    shown = rows(page)
    assert len(shown) == 2 and all(r[1] == "child.view" and r[5] == str(first) for r in shown)
    assert "ok" in shown[0][2] and "Delivering a service to the child" == shown[0][4]
    assert "Test practitioner" not in response.text   # ids, codes and roles only
    assert page.by_id("child_id").attrs["value"] == str(first)   # the form keeps the search
    links = page.links()
    assert any(link.startswith("/oversight/audit?") and f"child_id={first}" in link for link in links)
    # Recorded as GET /audit with the same search would be.
    since = dt.datetime.combine(today, dt.time(), LONDON).astimezone(dt.UTC).isoformat()
    twin = await client.get("/audit", params={"child_id": str(first), "since": since},
                            headers=bearer(tokens["auditor"]))
    assert twin.json()["count"] == len(shown)
    assert await event(conn, response) == await event(conn, twin) == {
        "action": "audit.read", "outcome": "ok", "status": 200, "reason": None,
        "query": {"child_id": str(first), "since": since}, "child_ids": []}


async def test_the_audit_log_pages_with_before_id(client, tokens, browsers, pool, monkeypatch):
    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    [cid] = await children(pool, 1)
    for _ in range(3):
        assert (await view(client, tokens["practitioner"], cid)).status_code == 200
    headers = browsers["auditor"].headers
    page = html(await client.get("/oversight/audit", params={"child_id": str(cid)}, headers=headers))
    assert len(rows(page)) == 2
    ids = [r["id"] for r in (await client.get("/audit", params={"child_id": str(cid)},
                                              headers=bearer(tokens["auditor"]))).json()["events"]]
    [older] = [link for link in page.links() if "before_id=" in link]
    assert older == f"/oversight/audit?child_id={cid}&before_id={ids[1]}"
    last = html(await client.get(older, headers=headers))
    assert len(rows(last)) == 1 and not [link for link in last.links() if "before_id=" in link]
    assert f"/oversight/audit?child_id={cid}" in last.links()   # back to the newest


async def test_a_time_range_with_times_and_the_user_filter(client, tokens, browsers, pool, conn):
    [cid] = await children(pool, 1)
    assert (await view(client, tokens["practitioner"], cid)).status_code == 200
    user_id = await conn.fetchval("SELECT id FROM users WHERE role = 'practitioner'")
    now = dt.datetime.now(LONDON)
    later = now + dt.timedelta(days=1)
    window = {"user_id": str(user_id),
              "since-day": str(now.day), "since-month": str(now.month), "since-year": str(now.year),
              "since-time": "00:00", "until-day": str(later.day), "until-month": str(later.month),
              "until-year": str(later.year), "until-time": "23:59"}
    page = html(await client.get("/oversight/audit", params=window, headers=browsers["auditor"].headers))
    assert [r[1] for r in rows(page)] == ["child.view"]
    past = {**window, "until-day": str(now.day), "until-month": str(now.month), "until-year": str(now.year),
            "until-time": "00:01"}
    page = html(await client.get("/oversight/audit", params=past, headers=browsers["auditor"].headers))
    assert not page.by_class("govuk-table__body") and "No events" in page.by_id("main-content").text


@pytest.mark.parametrize("query, fields", [
    ({"child_id": "not-an-id"}, ["#child_id"]),
    ({"user_id": "1234"}, ["#user_id"]),
    ({"since-day": "31", "since-month": "2", "since-year": "2026"}, ["#since-day"]),
    ({"until-day": "1", "until-year": "2026"}, ["#until-day"]),
    ({"since-time": "09:30"}, ["#since-day"]),
    ({"since-day": "1", "since-month": "2", "since-year": "2026", "since-time": "9.30pm"}, ["#since-time"]),
    ({"since-day": "2", "since-month": "2", "since-year": "2026", "until-day": "1", "until-month": "2",
      "until-year": "2026"}, ["#until-day"]),
    ({"child_id": "x", "user_id": "y", "until-day": "40", "until-month": "1", "until-year": "2026"},
     ["#child_id", "#user_id", "#until-day"]),
])
async def test_audit_search_problems_show_the_error_summary(client, browsers, conn, query, fields):
    response = await client.get("/oversight/audit", params=query, headers=browsers["auditor"].headers)
    page = html(response, 400)
    assert summary_fields(page) == fields
    for field in fields:
        name = field[1:].removesuffix("-day")
        assert page.by_id(f"{name}-error") is not None
    assert not page.by_class("govuk-table")
    assert await event(conn, response) is None   # refused before its work, as GET /audit's 400s are


# --- misuse alerts --------------------------------------------------------------------

async def raise_alert(client, tokens, pool, threshold=0):
    """A suspending alert about the practitioner: one view over a threshold of 0."""
    await configure(pool, "distinct_children", threshold=threshold)
    ids = await children(pool, threshold + 1)
    for cid in ids:
        assert (await view(client, tokens["practitioner"], cid)).status_code == 200
    [alert] = await open_alerts(client, tokens)
    return alert


async def test_open_alerts_are_listed_with_a_close_form_each(client, tokens, browsers, pool, conn):
    alert = await raise_alert(client, tokens, pool)
    response = await client.get("/oversight/alerts", headers=browsers["auditor"].headers)
    page = html(response)
    assert page.heading() == "Misuse alerts"
    [card] = page.by_class("govuk-summary-card")
    assert "Many children viewed" in card.text and alert["user_id"] in card.text
    [form] = [f for f in card.descendants("form")]
    assert (form.attrs["action"], form.attrs["method"]) == (f"/oversight/alerts/{alert['id']}/close", "post")
    named = [(i.attrs["name"], i.attrs["value"]) for i in form.descendants("input")]
    assert named == [("csrf_token", browsers["auditor"].csrf_token), ("outcome", "misuse"),
                     ("outcome", "no_misuse"), ("outcome", "referred"), ("reinstate", "false"), ("reinstate", "true")]
    ids = [e.attrs["id"] for e in page.all if e.attrs.get("id")]
    assert len(ids) == len(set(ids))
    twin = await client.get("/alerts", params={"status": "open"}, headers=bearer(tokens["auditor"]))
    mine = await client.get("/oversight/alerts", params={"status": "open"}, headers=browsers["auditor"].headers)
    assert await event(conn, mine) == await event(conn, twin) == {
        "action": "alert.read", "outcome": "ok", "status": 200, "reason": None, "query": {"status": "open"},
        "child_ids": []}
    closed = html(await client.get("/oversight/alerts?status=closed", headers=browsers["auditor"].headers))
    assert not closed.by_class("govuk-summary-card") and "No closed alerts" in closed.by_id("main-content").text
    html(await client.get("/oversight/alerts?status=shut", headers=browsers["auditor"].headers), 400)


@pytest.mark.parametrize("reinstate, notice, still_suspended", [
    ("true", "reinstated", False),
    ("false", "closed", True),
])
async def test_closing_an_alert_as_the_json_route_does(client, tokens, browsers, pool, conn, reinstate, notice,
                                                       still_suspended):
    alert = await raise_alert(client, tokens, pool)
    assert await suspended(pool, "Test practitioner")
    auditor = browsers["auditor"]
    response = await client.post(f"/oversight/alerts/{alert['id']}/close", headers=auditor.headers,
                                 data=auditor.form(outcome="no_misuse", reinstate=reinstate), follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/oversight/alerts?done={notice}"
    assert await suspended(pool, "Test practitioner") == still_suspended
    assert await event(conn, response) == {
        "action": "alert.close", "outcome": "ok", "status": 200, "reason": None,
        "query": {"alert_id": alert["id"], "outcome": "no_misuse", "reinstate": reinstate == "true"},
        "child_ids": []}
    page = html(await client.get(response.headers["location"], headers=auditor.headers))
    assert page.by_class("govuk-notification-banner") and not page.by_class("govuk-summary-card")
    closed = html(await client.get("/oversight/alerts?status=closed", headers=auditor.headers))
    [card] = closed.by_class("govuk-summary-card")
    assert "No misuse" in card.text and not card.descendants("form")
    # Closing again is the JSON route's 409, as a page.
    again = await client.post(f"/oversight/alerts/{alert['id']}/close", headers=auditor.headers,
                              data=auditor.form(outcome="misuse"))
    assert html(again, 409).heading() == "This cannot be done now"
    twin = await client.post(f"/alerts/{alert['id']}/close", json={"outcome": "misuse"},
                             headers=bearer(tokens["auditor"]))
    assert twin.status_code == 409
    assert await event(conn, again) == await event(conn, twin)


@pytest.mark.parametrize("form, fields", [
    ({}, ["#outcome"]),
    ({"outcome": "guilty"}, ["#outcome"]),
    ({"outcome": "misuse", "reinstate": "perhaps"}, ["#reinstate"]),
])
async def test_close_problems_show_the_form_again(client, tokens, browsers, pool, conn, form, fields):
    alert = await raise_alert(client, tokens, pool)
    auditor = browsers["auditor"]
    response = await client.post(f"/oversight/alerts/{alert['id']}/close", headers=auditor.headers,
                                 data=auditor.form(**form))
    page = html(response, 400)
    assert summary_fields(page) == fields
    [post] = [f for f in page.all if f.tag == "form" and f.attrs.get("method") == "post" and "action" not in f.attrs]
    assert "csrf_token" in [i.attrs.get("name") for i in post.descendants("input")]
    assert len(await open_alerts(client, tokens)) == 1
    assert await event(conn, response) is None


async def test_close_errors_are_pages(client, tokens, browsers, pool):
    auditor = browsers["auditor"]
    missing = await client.post(f"/oversight/alerts/{uuid.uuid4()}/close", headers=auditor.headers,
                                data=auditor.form(outcome="misuse"))
    assert html(missing, 404).heading() == "Page not found"
    alert = await raise_alert(client, tokens, pool)
    refused = await client.post(f"/oversight/alerts/{alert['id']}/close", headers=auditor.headers,
                                data={"outcome": "misuse"})   # no CSRF token
    html(refused, 403)
    assert len(await open_alerts(client, tokens)) == 1


@pytest.mark.parametrize("role", ["practitioner", "school", "la_data_manager"])
async def test_other_roles_get_a_403_page(client, browsers, role):
    browser = browsers[role]
    for response in (await client.get("/oversight/audit", headers=browser.headers),
                     await client.get("/oversight/alerts", headers=browser.headers),
                     await client.post(f"/oversight/alerts/{uuid.uuid4()}/close", headers=browser.headers,
                                       data=browser.form(outcome="misuse"))):
        html(response, 403)


async def test_the_navigation_offers_the_auditor_both_pages(client, browsers):
    page = html(await client.get("/", headers=browsers["auditor"].headers))
    hrefs = [a.attrs.get("href") for a in page.by_id("navigation").descendants("a")]
    assert hrefs == ["/oversight/audit", "/oversight/alerts"]
