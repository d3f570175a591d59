"""A practitioner in a real browser: sign in (a one-time link, or single sign-on), find a
child by name and date of birth, see the services involved and whom to call, sign out."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import Site, screenshot, sign_in, sign_out

# A demo child of the practitioner's area with open involvements and nothing hidden.
VISIBLE_CHILD = """
SELECT c.id, c.forename, c.surname, c.dob
FROM children c
WHERE NOT c.shielded AND c.address_state = 'known'
  AND EXISTS (SELECT 1 FROM involvements i WHERE i.child_id = c.id AND i.end_date IS NULL AND i.consent_basis IS NULL)
  AND NOT EXISTS (SELECT 1 FROM children o WHERE o.id <> c.id AND o.surname = c.surname AND o.dob = c.dob)
ORDER BY c.id LIMIT 1
"""


def search(page: Page, site: Site, child) -> None:
    page.goto(f"{site.url}/")
    screenshot(page, "start")
    page.get_by_role("button", name="Start now").click()
    page.get_by_label("First name (optional)").fill(child["forename"])
    page.get_by_label("Last name").fill(child["surname"])
    page.get_by_label("Day").fill(str(child["dob"].day))
    page.get_by_label("Month").fill(str(child["dob"].month))
    page.get_by_label("Year").fill(str(child["dob"].year))
    page.get_by_label("Delivering a service to the child").check()
    page.get_by_label("Your case reference (optional)").fill("CP-2026/41")
    screenshot(page, "search")
    page.get_by_role("button", name="Search").click()


def test_a_practitioner_finds_a_child_and_whom_to_call(page: Page, site: Site):
    child = site.sql(VISIBLE_CHILD)[0]
    sign_in(page, site, "practitioner")
    search(page, site, child)
    expect(page.get_by_role("heading", level=1)).to_contain_text("found")
    screenshot(page, "results")
    page.get_by_role("link", name=f"{child['forename']} {child['surname']}").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{child['forename']} {child['surname']}")
    expect(page.get_by_role("heading", name="Services involved")).to_be_visible()
    assert page.locator(".govuk-summary-card").count() >= 1
    screenshot(page, "child")
    views = site.sql("SELECT count(*) AS n FROM audit_events WHERE action = 'child.view' AND $1 = ANY(child_ids) "
                     "AND reason = 'service_delivery' AND case_ref = 'CP-2026/41'", child["id"])
    assert views[0]["n"] == 1
    sign_out(page, site)


def test_a_search_with_problems_shows_the_error_summary(page: Page, site: Site):
    sign_in(page, site, "practitioner")
    page.goto(f"{site.url}/search")
    page.get_by_role("button", name="Search").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link", name="Enter the child's last name")).to_be_visible()
    expect(page).to_have_title(re.compile("^Error: "))
    summary.get_by_role("link", name="Select why you are looking").click()   # the link moves focus to the field
    expect(page.locator("#reason")).to_be_focused()


def test_single_sign_on_signs_the_practitioner_in(page: Page, site: Site):
    site.provider.email = "practitioner@demo.example.org"
    page.goto(f"{site.url}/search")            # no session: to sign in, and back here after
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    screenshot(page, "sign-in")
    page.get_by_role("button", name="Sign in with your organisation's account").click()
    expect(page).to_have_url(f"{site.url}/search")
    expect(page.locator("#signed-in")).to_contain_text("practitioner")
    assert site.sql("SELECT via FROM sessions ORDER BY created_at DESC LIMIT 1")[0]["via"] == "oidc"
    sign_out(page, site)


def test_a_forged_form_is_refused(page: Page, site: Site):
    sign_in(page, site, "practitioner")
    page.locator("form[action='/sign-out'] input[name=csrf_token]").evaluate("e => e.value = 'x'.repeat(43)")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Form expired")
    page.goto(f"{site.url}/")                  # still signed in: the forged sign-out did nothing
    expect(page.locator("#signed-in")).to_be_visible()


def test_an_idle_session_must_sign_in_again(page: Page, site: Site):
    sign_in(page, site, "practitioner")
    site.sql("UPDATE sessions SET last_seen_at = now() - interval '16 minutes' WHERE revoked_at IS NULL")
    page.goto(f"{site.url}/search")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Fsearch"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
