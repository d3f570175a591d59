"""What every page shares (api/pages/render.py, api/templates/base.html): who is signed
in, the navigation their role may use, and the sign-out button with its CSRF token."""

import datetime as dt

import pytest

from api.pages import render
from index import auth, organisations, policy
from tests.api.conftest import bearer
from tests.api.pages import Page


def test_every_role_has_a_label():
    assert set(render.ROLE_LABELS) == set(auth.ROLES)


# role -> the sections its navigation offers, in order.
OFFERED = {
    "practitioner": ["/search"],
    "school": ["/census"],
    "la_data_manager": ["/search", "/manage/review", "/manage/children", "/manage/transfers",
                        "/manage/investigations", "/manage/access", "/manage/feeds"],
    "auditor": ["/oversight/audit", "/oversight/alerts"],
    "admin": [],
}


@pytest.mark.parametrize("role", auth.ROLES)
def test_the_navigation_offers_each_role_its_sections(role):
    shown = [item["href"] for item in render.nav_for(role, "/")]
    assert shown == OFFERED[role]
    allowed = {href: action for href, _, action, *_ in render.NAV}
    assert all(policy.allowed(allowed[href], role) for href in shown)   # never a link to a 403
    assert render.nav_for(None, "/") == []


@pytest.mark.parametrize("path, current", [("/search", "/search"), ("/search/results", "/search"), ("/", None)])
def test_the_current_section_is_marked(path, current):
    marked = [item["href"] for item in render.nav_for("practitioner", path) if item["current"]]
    assert marked == ([current] if current else [])


async def test_a_signed_in_page_shows_who_and_a_sign_out_form(client, browsers):
    response = await client.get("/", headers=browsers["practitioner"].headers)
    assert response.status_code == 200, response.text
    page = Page(response.text)
    assert "Signed in as" in page.by_id("signed-in").text
    forms = [f for f in page.all if f.tag == "form" and f.attrs.get("action") == "/sign-out"]
    assert len(forms) == 1 and forms[0].attrs["method"] == "post"
    hidden = [i.attrs for i in forms[0].descendants("input") if i.attrs.get("name") == "csrf_token"]
    assert hidden == [{"type": "hidden", "name": "csrf_token", "value": browsers["practitioner"].csrf_token}]
    assert "/search" in [a.attrs.get("href") for a in page.by_id("navigation").descendants("a")]


async def test_a_bearer_caller_has_no_sign_out_button(client, tokens):
    page = Page((await client.get("/", headers=bearer(tokens["auditor"]))).text)
    assert page.by_id("signed-in") is not None
    assert not [f for f in page.all if f.tag == "form" and f.attrs.get("action") == "/sign-out"]


@pytest.mark.parametrize("role", ["school", "la_data_manager", "auditor"])
async def test_other_roles_home_lists_their_tasks(client, browsers, role):
    response = await client.get("/", headers=browsers[role].headers)
    assert response.status_code == 200, response.text
    page = Page(response.text)
    assert page.heading() == "What do you want to do?"
    expected = [item["href"] for item in render.nav_for(role, "/")]
    listed = [a.attrs["href"] for a in page.by_id("main-content").descendants("a")]
    assert listed == expected


@pytest.mark.parametrize("accept, media", [("text/html,application/xhtml+xml,*/*;q=0.8", "text/html"),
                                           ("application/json", "application/problem+json"),
                                           (None, "application/problem+json")])
async def test_a_path_no_route_serves_is_a_page_for_a_browser(client, accept, media):
    response = await client.get("/no-such-page", headers={"Accept": accept} if accept else {})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(media)
    if media == "text/html":
        assert Page(response.text).heading() == "Page not found"


@pytest.mark.parametrize("value, shown", [(dt.date(2015, 1, 8), "8 January 2015"),
                                          (dt.datetime(2026, 12, 3, 17, 5), "3 December 2026"), (None, "")])
def test_dates_are_written_as_gov_uk_writes_them(value, shown):
    assert render.long_date(value) == shown


def test_every_kind_of_organisation_has_words():
    assert set(render.ORG_KIND_LABELS) == set(organisations.KINDS)
