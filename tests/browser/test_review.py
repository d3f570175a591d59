"""The review pages in a browser: a data manager's journey through the queue, an item
with its candidates side by side, a decision, the decided item and an unlinking, each
page checked with axe-core (the crawl of test_accessibility.py finds no review item in
the demo, so this module makes one)."""

from __future__ import annotations

import uuid

import asyncpg
from playwright.sync_api import Page, expect

from tests.browser.conftest import Site, _run, screenshot, sign_in, sign_out
from tests.browser.test_accessibility import violations
from tests.review_data import review_item, source_record


def _an_item(site: Site) -> uuid.UUID:
    """A school-like record of the demo data manager's LA beside one of its children."""
    async def go():
        conn = await asyncpg.connect(site.database_url)
        try:
            la = await conn.fetchval("SELECT la_code FROM users WHERE id = $1", uuid.UUID(site.users["la_data_manager"]))
            child = await conn.fetchrow("SELECT id, forename, surname, dob FROM children WHERE owning_la = $1 "
                                        "AND NOT shielded ORDER BY id LIMIT 1", la)
            sid = await source_record(conn, f"LA{la}", "REVIEW-1", forename=child["forename"][:1] + "x",
                                      surname=child["surname"], dob=child["dob"])
            return await review_item(conn, sid, la, [child["id"]])
        finally:
            await conn.close()
    return _run(go())


def test_a_data_manager_reviews_decides_and_unlinks(page: Page, site: Site):
    item = _an_item(site)
    sign_in(page, site, "la_data_manager")
    page.get_by_role("link", name="Review matches").first.click()
    expect(page.locator("h1")).to_have_text("Review matches")
    assert violations(page) == []
    screenshot(page, "review-queue")
    page.locator(f"a[href='/manage/review/{item}']").click()
    expect(page.locator("h1")).to_have_text("Which child is this record?")
    assert violations(page) == []
    screenshot(page, "review-item")

    # A stale or forged choice: the problem page, with the error summary back to the item.
    page.locator("input[name=child_id]").first.evaluate(f"e => e.value = '{uuid.uuid4()}'")
    page.get_by_role("button", name="Link to candidate 1").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert violations(page) == []
    page.locator(".govuk-error-summary a").click()
    expect(page.locator("h1")).to_have_text("Which child is this record?")

    page.get_by_role("button", name="Link to candidate 1").click()
    expect(page.locator("#done")).to_contain_text("linked")
    assert violations(page) == []
    page.get_by_role("link", name="View this decision or reverse it").click()
    expect(page.locator("h1")).to_have_text("Decided: linked to a child")
    assert violations(page) == []
    page.get_by_role("button", name="Unlink this record from its child").click()
    expect(page.locator("h1")).to_have_text("Unlink this record from its child?")
    assert violations(page) == []
    page.get_by_role("button", name="Unlink the record").click()
    expect(page.locator("#done")).to_contain_text("unlinked")
    assert violations(page) == []
    page.get_by_role("button", name="Link it again to its child").click()
    expect(page.locator("#done")).to_contain_text("linked to its child again")
    page.get_by_role("button", name="Reverse this decision").click()
    expect(page.locator("#done")).to_contain_text("reversed")
    expect(page.locator("h1")).to_have_text("Which child is this record?")
    sign_out(page, site)
