"""A school and an auditor in a real browser: the census upload (its errors, a rejected
file, the progress of a feed the server's worker processes, the row errors and their
download) and the audit log and misuse alerts, each page checked with axe."""

from __future__ import annotations

import time

from playwright.sync_api import Page, expect

from tests.browser.conftest import Site, screenshot, sign_in, sign_out
from tests.browser.test_accessibility import violations

CENSUS = ("record_id,forename,surname,dob,gender,postcode\n"
          "B1,Ivy,Quill,2015-05-06,F,PE1 1AA\n"
          "B2,Noah,Quill,2015-02-30,M,PE1 1AA\n").encode()


def send(page: Page, name: str, body: bytes, whole_roll: bool = False) -> None:
    page.get_by_label("Census file").set_input_files({"name": name, "mimeType": "text/csv", "buffer": body})
    page.get_by_label("Yes, it is our whole roll" if whole_roll else "No, it is some of our pupils").check()
    page.get_by_role("button", name="Send the file").click()


def test_a_school_sends_its_census_and_follows_it(page: Page, site: Site):
    sign_in(page, site, "school")
    page.goto(f"{site.url}/census")
    assert violations(page) == []
    page.get_by_role("button", name="Send the file").click()   # nothing chosen
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert page.locator(".govuk-error-summary a").all_inner_texts() == [
        "Select a census file", "Select whether the file is your whole roll"]
    assert violations(page) == []

    send(page, "bad.csv", b"record_id,forename,surname,dob,sen_need\n1,A,B,2015-01-01,x\n")
    expect(page.locator("#census-error")).to_contain_text("sen_need")
    assert violations(page) == []

    send(page, "census.csv", CENSUS)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your file was received")
    assert violations(page) == []
    deadline = time.monotonic() + 60
    while page.get_by_role("link", name="Check progress").count():   # the server's worker processes it
        assert time.monotonic() < deadline, page.locator("#progress").inner_text()
        time.sleep(0.5)
        page.get_by_role("link", name="Check progress").click()
    expect(page.locator("#progress")).to_contain_text("Done")
    expect(page.locator("table")).to_contain_text("dob")
    assert violations(page) == []
    screenshot(page, "census-feed")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the row errors (CSV)").click()
    report = open(download.value.path(), encoding="utf-8").read().splitlines()
    assert report[0] == "row,column,message" and report[1].startswith("3,dob,")

    page.get_by_role("link", name="All census files").click()
    expect(page.locator(".govuk-table__body tr")).to_have_count(2)   # the rejected file and this one
    assert violations(page) == []
    screenshot(page, "census")
    sign_out(page, site)


def test_an_auditor_searches_the_log_and_closes_an_alert(page: Page, site: Site):
    site.sql("INSERT INTO misuse_alerts (rule_code, user_id, details) VALUES ('own_surname', $1, "
             "'{\"searches\": 1, \"action\": \"alert\"}')", site.users["practitioner"])
    sign_in(page, site, "auditor")
    page.goto(f"{site.url}/oversight/audit")
    assert violations(page) == []
    page.get_by_label("Child's index id (optional)").fill("not-an-id")
    page.get_by_role("button", name="Search the audit log").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert violations(page) == []
    page.get_by_label("Child's index id (optional)").fill("")
    page.get_by_role("button", name="Search the audit log").click()
    expect(page.locator("table")).to_contain_text("session.sign_in")
    screenshot(page, "audit-log")

    page.goto(f"{site.url}/oversight/alerts")
    card = page.locator(".govuk-summary-card")
    expect(card).to_contain_text("Searched for their own surname")
    assert violations(page) == []
    card.get_by_role("button", name="Close this alert").click()   # no outcome chosen
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the outcome")
    assert violations(page) == []
    page.get_by_label("No misuse: the access was justified").check()
    page.get_by_role("button", name="Close the alert").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The alert is closed")
    assert violations(page) == []
    page.get_by_label("Closed").check()
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".govuk-summary-card")).to_contain_text("No misuse")
    assert violations(page) == []
    screenshot(page, "misuse-alerts")
    sign_out(page, site)
