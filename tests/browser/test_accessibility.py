"""axe-core on every page each role can reach: signed in as the role, every same-site
link from the home page is followed (breadth first, as a user clicking through the
navigation and lists would) and each HTML page is checked, plus the pages only a form
reaches (a search's results, a form with its error summary). No serious or critical
violation of WCAG 2.2 A/AA or axe's best practices is allowed."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from api.pages import render
from tests.browser.conftest import Site, sign_in

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = {"serious", "critical"}
MAX_PAGES = 40          # per role: enough for every kind of page, not every row of every list
SKIP = ("/sign-in", "/sign-out", "/assets/", "/schema")

AXE = Axe()
ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def violations(page: Page) -> list[str]:
    found = AXE.run(page, options={"runOnly": {"type": "tag", "values": TAGS}}).response["violations"]
    return [f"{v['impact']} {v['id']}: {v['help']} ({', '.join(str(n['target']) for n in v['nodes'][:3])})"
            for v in found if v["impact"] in BLOCKING]


def same_site_links(page: Page, site: Site) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    out = []
    for href in hrefs:
        url = urljoin(page.url, href)
        parts = urlsplit(url)
        if url.startswith(site.url) and not parts.path.startswith(SKIP) and not href.startswith("#"):
            out.append(url.split("#")[0])
    return out


def crawl(page: Page, site: Site) -> dict[str, list[str]]:
    """path -> its blocking violations, for every page reached from the home page."""
    seen_kinds: dict[str, int] = {}
    queue, done, found = [f"{site.url}/"], set(), {}
    while queue and len(found) < MAX_PAGES:
        url = queue.pop(0)
        kind = ID.sub("{id}", urlsplit(url).path)   # pages of one kind (a child's, a feed's): a few suffice
        if url in done or seen_kinds.get(kind, 0) >= 3:
            continue
        done.add(url)
        response = page.goto(url)
        if response is None or not (response.headers.get("content-type") or "").startswith("text/html"):
            continue
        seen_kinds[kind] = seen_kinds.get(kind, 0) + 1
        found[urlsplit(url).path + ("?" + urlsplit(url).query if urlsplit(url).query else "")] = violations(page)
        queue += [link for link in same_site_links(page, site) if link not in done]
    return found


@pytest.mark.parametrize("role", ["practitioner", "school", "la_data_manager", "auditor"])
def test_every_page_a_role_reaches_passes_axe(page: Page, site: Site, role: str):
    sign_in(page, site, role)
    checked = crawl(page, site)
    assert {item["href"] for item in render.nav_for(role, "/")} <= set(checked), checked   # each section reached
    print(f"\naxe: {role}: {len(checked)} pages: {sorted(checked)}")
    bad = {path: v for path, v in checked.items() if v}
    assert not bad, bad


def test_forms_with_their_errors_and_results_pass_axe(page: Page, site: Site):
    sign_in(page, site, "practitioner")
    child = site.sql("SELECT surname, dob FROM children ORDER BY id LIMIT 1")[0]
    page.goto(f"{site.url}/search/results?surname=&reason=")
    assert page.locator(".govuk-error-summary").is_visible()
    assert violations(page) == []
    page.goto(f"{site.url}/search/results?surname={child['surname']}&dob-day={child['dob'].day}"
              f"&dob-month={child['dob'].month}&dob-year={child['dob'].year}&reason=service_delivery")
    assert violations(page) == []
    page.goto(f"{site.url}/no-such-page")
    assert violations(page) == []


def test_the_sign_in_and_refusal_pages_pass_axe(page: Page, site: Site):
    page.goto(f"{site.url}/sign-in")
    assert violations(page) == []
    page.goto(f"{site.url}/sign-in/link/not-a-real-token")
    assert violations(page) == []
