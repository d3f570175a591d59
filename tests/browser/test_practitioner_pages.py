"""A practitioner's own involvement, the shield override and search by identifier in a
real browser against `isindex serve`: each form works without JavaScript's help, and
every page on the way (the forms, their error summaries, the one view of an override)
passes axe-core (no serious or critical violation)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Site, screenshot, sign_in, sign_out
from tests.browser.test_accessibility import violations


def _child(site: Site) -> str:
    """A demo child that the demo practitioner's organisation is not involved with, born
    before the start date the tests give (1 September 2024)."""
    rows = site.sql("SELECT c.id FROM children c WHERE NOT c.shielded AND c.dob < '2024-09-01' AND NOT EXISTS ("
                    " SELECT 1 FROM involvements v JOIN users u ON u.org_id = v.org_id"
                    " WHERE v.child_id = c.id AND u.id = $1::uuid) ORDER BY c.id LIMIT 1",
                    site.users["practitioner"])
    return str(rows[0]["id"])


def test_register_set_an_indicator_and_end_an_involvement(page: Page, site: Site):
    sign_in(page, site, "practitioner")
    child = _child(site)
    page.goto(f"{site.url}/child/{child}?reason=emergency")
    expect(page.locator("#emergency")).to_be_visible()
    assert violations(page) == []

    page.get_by_role("button", name="Register your involvement").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()   # no start date
    assert violations(page) == []
    page.locator("#start_date-day").fill("1")
    page.locator("#start_date-month").fill("9")
    page.locator("#start_date-year").fill("2024")
    consent = page.locator("#consent_basis")
    if consent.count():   # the demo practitioner's service may be a sensitive one
        consent.check()
    page.get_by_role("button", name="Register your involvement").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your involvement is registered")
    assert "reason=emergency" in page.url
    assert violations(page) == []

    page.get_by_label("Lead professional").check()
    page.get_by_role("button", name="Set indicator").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Indicator set")
    assert violations(page) == []
    screenshot(page, "child-own-involvement")
    page.get_by_role("button", name="Clear Lead professional").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Indicator cleared")

    page.get_by_role("button", name="End your involvement").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()   # no end date
    assert violations(page) == []
    sign_out(page, site)


def test_the_shield_override_and_its_one_view(page: Page, site: Site):
    child = _child(site)
    site.sql("UPDATE children SET shielded = true, shield_reason = 'adoption' WHERE id = $1::uuid", child)
    site.sql("UPDATE users SET capabilities = '{child_protection}' WHERE id = $1::uuid", site.users["practitioner"])
    sign_in(page, site, "practitioner")
    page.goto(f"{site.url}/child/{child}?reason=child_protection_enquiry")
    expect(page.locator("#shielded")).to_be_visible()
    assert violations(page) == []
    page.get_by_role("link", name="override the shield for one view").click()
    assert violations(page) == []
    page.get_by_role("button", name="Override the shield and view the record").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()   # not confirmed
    assert violations(page) == []
    page.locator("#confirm").check()
    page.get_by_role("button", name="Override the shield and view the record").click()
    expect(page.locator("#override")).to_be_visible()
    assert violations(page) == []


def test_search_by_identifier(page: Page, site: Site):
    sign_in(page, site, "practitioner")
    page.goto(f"{site.url}/search")
    page.get_by_role("link", name="search by that number").click()
    assert violations(page) == []
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert violations(page) == []
