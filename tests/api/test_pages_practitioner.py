"""A practitioner's pages beyond search: their own involvement's forms on the child page,
the shield override, the emergency notice and search by identifier. Each mirrors its JSON
twin: the same work, the same audit event, the same policy."""

import datetime as dt
import uuid

import pytest

from index import auth, involvements, registry, sessions
from matching import schemes
from tests import factories
from tests.api.conftest import Browser, bearer
from tests.api.pages import Page
from tests.api.test_pages_children import event, html

VIEW = {"reason": "service_delivery", "case_ref": "CP-1/2"}
BACK = "reason=service_delivery&case_ref=CP-1%2F2"
START = {"start_date-day": "1", "start_date-month": "9", "start_date-year": "2024"}


async def _child(pool, **overrides) -> uuid.UUID:
    async with pool.acquire() as conn:
        return await registry.create_child(conn, factories.child(**overrides))


async def _browser(pool, *, org: str, capabilities=(), name="Second User") -> tuple[Browser, str]:
    """A signed-in browser of a new practitioner, and their bearer token (for the JSON twin)."""
    async with pool.acquire() as conn:
        uid = await auth.add_user(conn, name=name, org_code=org, role="practitioner", phone="01632 960300",
                                  capabilities=capabilities)
        token = (await auth.issue_token(conn, uid, days=1)).token
        return Browser(await sessions.create(conn, uid, via="link")), token


def form_of(page: Page, action: str):
    [form] = [f for f in page.all if f.tag == "form" and f.attrs.get("action") == action]
    return form


def names(form) -> set[str]:
    return {i.attrs.get("name") for i in form.descendants("input")}


def summary(page: Page, reached: bool = True) -> list[str]:
    [found] = page.by_class("govuk-error-summary__list")
    hrefs = [a.attrs["href"] for a in found.descendants("a")]
    for href in hrefs if reached else ():
        assert page.by_id(href[1:]) is not None, href   # each link reaches its field
    return hrefs


async def _child_page(client, browser, cid, **query) -> Page:
    return html(await client.get(f"/child/{cid}", params={**VIEW, **query}, headers=browser.headers))


async def _post(client, browser, path, **fields):
    return await client.post(path, data=browser.form(**{**VIEW, **fields}), headers=browser.headers,
                             follow_redirects=False)


def redirected(response, cid, done):
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/child/{cid}?{BACK}&done={done}"
    assert response.headers["cache-control"] == "no-store"


async def test_register_your_involvement_from_the_child_page(client, browsers, tokens, pool, conn):
    cid, twin_child = await _child(pool), await _child(pool, nhs_number=factories.nhs_number(7))
    browser = browsers["practitioner"]
    page = await _child_page(client, browser, cid)
    form = form_of(page, f"/child/{cid}/involvement")
    assert {"csrf_token", "reason", "case_ref", "start_date-day", "start_date-month", "start_date-year",
            "contact_name", "contact_phone", "contact_email"} == names(form)   # no consent basis: not sensitive
    response = await _post(client, browser, f"/child/{cid}/involvement", **START, contact_phone="01632 960555")
    redirected(response, cid, "registered")
    page = html(await client.get(response.headers["location"], headers=browser.headers))
    assert "Your involvement is registered" in page.by_class("govuk-notification-banner")[0].text
    assert "01632 960555" in page.by_class("govuk-summary-card")[0].text
    mine = page.by_id("your-involvement")
    assert "since 1 September 2024" in mine.text
    [own] = (await client.get(f"/children/{cid}", params=VIEW, headers=bearer(tokens["practitioner"]))).json()[
        "involvements"]
    assert f"/child/{cid}/involvement/{own['id']}/end" in {f.attrs.get("action") for f in mine.descendants("form")}
    twin = await client.post(f"/children/{twin_child}/involvements", json={"start_date": "2024-09-01"},
                             headers=bearer(tokens["practitioner"]))
    for got, child_id, status in ((response, cid, 303), (twin, twin_child, 201)):   # the page's: its 303
        assert await event(conn, got) == {"action": "involvement.register", "outcome": "ok", "status": status,
                                          "reason": None, "case_ref": None, "query": {"child_id": str(child_id)},
                                          "child_ids": [child_id]}


async def test_a_sensitive_service_gives_its_consent_basis(client, pool, conn):
    cid = await _child(pool)
    browser, _ = await _browser(pool, org="SH873")
    form = form_of(await _child_page(client, browser, cid), f"/child/{cid}/involvement")
    assert [i.attrs["value"] for i in form.descendants("input") if i.attrs.get("name") == "consent_basis"] == \
        list(involvements.CONSENT_BASES)
    refused = await _post(client, browser, f"/child/{cid}/involvement", **START)
    assert summary(html(refused, 400)) == ["#consent_basis"]
    response = await _post(client, browser, f"/child/{cid}/involvement", **START, consent_basis="significant_harm")
    redirected(response, cid, "registered")
    assert (await event(conn, response))["query"] == {"child_id": str(cid), "consent_basis": "significant_harm"}


# (fields, the error summary's links, words of its first message, audited): a problem the
# form finds is refused before the work, unaudited; one index.involvements finds is audited
# as "invalid", as the JSON route's is.
@pytest.mark.parametrize("fields, hrefs, words, audited", [
    ({}, ["#start_date-day"], "Enter the date your involvement started", False),
    ({**START, "start_date-year": ""}, ["#start_date-day"], "must include a day, a month and a year", False),
    ({**START, "start_date-day": "31", "start_date-month": "2"}, ["#start_date-day"], "must be a real date", False),
    ({**START, "start_date-year": "24"}, ["#start_date-day"], "must be a real date", False),
    ({**START, "contact_phone": "call me", "contact_email": "nobody"}, ["#contact_phone", "#contact_email"],
     "Enter a phone number", False),
    ({"contact_email": "x", "start_date-day": "1"}, ["#start_date-day", "#contact_email"], "must include", False),
    ({**START, "start_date-year": "2014"}, ["#start_date-day"], "on or after the child's date of birth", True),
    ({**START, "start_date-year": str(dt.date.today().year + 1)}, ["#start_date-day"], "today or in the past", True),
    ({**START, "consent_basis": "consent_given"}, ["#consent_basis"], "only a sensitive service", True),
])
async def test_register_problems_show_the_form_with_its_error_summary(client, browsers, pool, conn, fields, hrefs,
                                                                      words, audited):
    cid = await _child(pool)
    response = await _post(client, browsers["practitioner"], f"/child/{cid}/involvement", **fields)
    page = html(response, 400)
    # A consent basis from a service that is not sensitive: a crafted form (it shows no such field).
    assert summary(page, reached="consent_basis" not in fields) == hrefs
    assert page.heading() == "Register your involvement"
    assert page.all[[e.tag for e in page.all].index("title")].text.startswith("Error: ")
    assert words in page.by_class("govuk-error-summary")[0].text
    for name, value in fields.items():   # what was typed is kept
        if not name.startswith("consent"):
            assert page.by_id(name).attrs["value"] == value
    hidden = {i.attrs["name"]: i.attrs["value"] for i in page.all if i.attrs.get("type") == "hidden"}
    assert (hidden["reason"], hidden["case_ref"]) == ("service_delivery", "CP-1/2")
    outcome = await conn.fetchval("SELECT outcome FROM audit_events WHERE request_id = $1",
                                  uuid.UUID(response.headers["x-request-id"]))
    assert outcome == ("invalid" if audited else None)
    assert await conn.fetchval("SELECT count(*) FROM involvements") == 0


async def test_indicators_set_and_cleared_by_whoever_set_them_then_the_involvement_ends(
        client, browsers, tokens, pool, conn):
    cid = await _child(pool)
    browser = browsers["practitioner"]
    redirected(await _post(client, browser, f"/child/{cid}/involvement", **START), cid, "registered")
    record = (await client.get(f"/children/{cid}", params=VIEW, headers=bearer(tokens["practitioner"]))).json()
    inv = record["involvements"][0]["id"]
    page = await _child_page(client, browser, cid)
    kinds = form_of(page, f"/child/{cid}/involvement/{inv}/indicators")
    assert [i.attrs["value"] for i in kinds.descendants("input") if i.attrs.get("name") == "kind"] == \
        list(involvements.INDICATOR_KINDS)
    assert summary(html(await _post(client, browser, f"/child/{cid}/involvement/{inv}/indicators"), 400)) == ["#kind"]

    response = await _post(client, browser, f"/child/{cid}/involvement/{inv}/indicators", kind="lead_professional")
    redirected(response, cid, "indicator_set")
    twin = await client.post(f"/involvements/{inv}/indicators", json={"kind": "taking_action"},
                             headers=bearer(tokens["practitioner"]))
    for got, kind, status in ((response, "lead_professional", 303), (twin, "taking_action", 201)):
        assert await event(conn, got) == {"action": "indicator.set", "outcome": "ok", "status": status, "reason": None,
                                          "case_ref": None, "query": {"involvement_id": inv, "kind": kind},
                                          "child_ids": [cid]}
    page = await _child_page(client, browser, cid)
    clears = [f for f in page.by_id("your-involvement").descendants("form") if f.attrs["action"].endswith("/clear")]
    assert len(clears) == 2 and "Clear Lead professional" in clears[0].text
    left = form_of(page, f"/child/{cid}/involvement/{inv}/indicators")
    assert [i.attrs["value"] for i in left.descendants("input") if i.attrs.get("name") == "kind"] == [
        "has_information", "assessment_completed"]

    # A colleague in the same organisation sees the indicators but may not clear them.
    colleague, _ = await _browser(pool, org="HV873")
    theirs = (await _child_page(client, colleague, cid)).by_id("your-involvement")
    assert not [f for f in theirs.descendants("form") if f.attrs["action"].endswith("/clear")]
    refused = await _post(client, colleague, clears[0].attrs["action"])
    assert html(refused, 403).heading() == "You cannot do this"

    response = await _post(client, browser, clears[0].attrs["action"])
    redirected(response, cid, "indicator_cleared")
    indicator = clears[0].attrs["action"].split("/")[-2]
    assert await event(conn, response) == {"action": "indicator.clear", "outcome": "ok", "status": 303,
                                           "reason": None, "case_ref": None, "query": {"indicator_id": indicator},
                                           "child_ids": [cid]}

    ending = f"/child/{cid}/involvement/{inv}/end"
    assert summary(html(await _post(client, browser, ending), 400)) == ["#end_date-day"]
    early = await _post(client, browser, ending,
                        **{"end_date-day": "1", "end_date-month": "1", "end_date-year": "2024"})
    assert "on or after the date your involvement started" in html(early, 400).by_class("govuk-error-summary")[0].text
    today = dt.date.today()
    response = await _post(client, browser, ending, **{"end_date-day": str(today.day),
                                                       "end_date-month": str(today.month),
                                                       "end_date-year": str(today.year)})
    redirected(response, cid, "ended")
    assert await event(conn, response) == {"action": "involvement.end", "outcome": "ok", "status": 303,
                                           "reason": None, "case_ref": None, "query": {"involvement_id": inv},
                                           "child_ids": [cid]}
    page = await _child_page(client, browser, cid, done="ended")
    assert "Your involvement has ended" in page.by_class("govuk-notification-banner")[0].text
    form_of(page, f"/child/{cid}/involvement")   # none open: the register form again


@pytest.mark.parametrize("path", ["/child/{cid}/involvement", "/child/{cid}/involvement/{any}/end",
                                  "/child/{cid}/involvement/{any}/indicators", "/child/{cid}/indicators/{any}/clear",
                                  "/child/{cid}/override"])
async def test_a_form_without_its_csrf_token_is_refused(client, browsers, pool, conn, path):
    cid = await _child(pool)
    browser = browsers["practitioner"]
    response = await client.post(path.format(cid=cid, any=uuid.uuid4()), data={**VIEW, **START},
                                 headers=browser.headers, follow_redirects=False)
    assert html(response, 403).heading() == "Form expired"
    assert await conn.fetchval("SELECT count(*) FROM involvements") == 0
    assert (await event(conn, response))["outcome"] == "denied"


@pytest.mark.parametrize("path, status", [
    ("/child/{cid}/involvement/{any}/end", 404), ("/child/{cid}/involvement/{any}/indicators", 404),
    ("/child/{cid}/indicators/{any}/clear", 404), ("/child/{any}/involvement", 404),
])
async def test_unknown_involvements_and_indicators_are_404_pages(client, browsers, pool, conn, path, status):
    cid = await _child(pool)
    today = dt.date.today()
    fields = {**START, "kind": "taking_action", "end_date-day": str(today.day), "end_date-month": str(today.month),
              "end_date-year": str(today.year)}
    response = await _post(client, browsers["practitioner"], path.format(cid=cid, any=uuid.uuid4()), **fields)
    assert html(response, status).heading() == "Page not found"
    assert (await event(conn, response))["outcome"] == "not_found"


@pytest.mark.parametrize("role", ["la_data_manager", "school", "auditor"])
async def test_other_roles_may_not_register_and_see_no_forms(client, browsers, pool, role):
    cid = await _child(pool)
    response = await _post(client, browsers[role], f"/child/{cid}/involvement", **START)
    assert html(response, 403).heading() == "Not allowed"
    if role == "la_data_manager":   # may view, but has no involvement forms
        assert (await _child_page(client, browsers[role], cid)).by_id("your-involvement") is None


async def test_search_by_identifier(client, browsers, tokens, pool, conn):
    cid = await _child(pool)
    browser = browsers["practitioner"]
    search = html(await client.get("/search", headers=browser.headers))
    assert "/search/identifier" in search.links()
    form_page = html(await client.get("/search/identifier", headers=browser.headers))
    assert [e.attrs["value"] for e in form_page.all if e.attrs.get("name") == "scheme"] == list(schemes.NAMES)
    nhs = factories.nhs_number(1)
    query = {"scheme": "nhs_number", "value": f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}", "reason": "service_delivery",
             "case_ref": "CP-1/2"}
    response = await client.get("/search/identifier/results", params=query, headers=browser.headers)
    page = html(response)
    assert [link for link in page.links() if link.startswith("/child/")] == [f"/child/{cid}?{BACK}"]
    twin = await client.get("/children/search", params={"nhs_number": query["value"], **VIEW},
                            headers=bearer(tokens["practitioner"]))
    assert await event(conn, response) == await event(conn, twin) == {
        "action": "child.search", "outcome": "ok", "status": 200, "reason": "service_delivery",
        "case_ref": "CP-1/2", "query": {"nhs_number": nhs}, "child_ids": [cid]}


@pytest.mark.parametrize("change, hrefs", [
    ({"scheme": None}, ["#scheme"]),
    ({"value": ""}, ["#value"]),
    ({"value": "1234567890"}, ["#value"]),   # not a valid NHS number
    ({"scheme": "upn", "value": "nonsense"}, ["#value"]),
    ({"reason": None, "case_ref": "no digits"}, ["#reason", "#case_ref"]),
    ({"scheme": "passport"}, ["#scheme"]),
])
async def test_search_by_identifier_problems(client, browsers, conn, change, hrefs):
    query = {"scheme": "nhs_number", "value": factories.nhs_number(1), "reason": "service_delivery", **change}
    response = await client.get("/search/identifier/results", params={k: v for k, v in query.items() if v is not None},
                                headers=browsers["practitioner"].headers)
    assert summary(html(response, 400)) == hrefs
    assert await conn.fetchval("SELECT count(*) FROM audit_events WHERE request_id = $1",
                               uuid.UUID(response.headers["x-request-id"])) == 0


@pytest.mark.parametrize("path", ["/search/identifier", "/search/identifier/results?scheme=uln&value=1&reason=x",
                                  "/child/1c3e5a7c-9d1f-4b3d-95a7-9b1d3f5b7c8e/override"])
async def test_pages_refuse_roles_not_allowed(client, browsers, path):
    assert html(await client.get(path, headers=browsers["school"].headers), 403).heading() == "Not allowed"
