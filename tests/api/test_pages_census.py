"""The school's census pages mirror POST /feeds, GET /feeds and GET /feeds/{id}: the
same intake, the same audit events, the same policy; errors are GOV.UK pages."""

import csv
import io
import uuid

import pytest

from api.pages import census as pages
from index import organisations
from index.feeds import process
from matching import model as mmodel
from tests.api import seen
from tests.api.conftest import bearer
from tests.api.pages import Page, html, event
from tests.api.test_feeds import CSV, post_feed
from tests.factories import token_for
from tests.index.feeds.test_ctf import ctf_file, header, pupil

# The school of tests.factories: URN 110001, LAESTAB 8732001.
OWN = header(urn="110001").replace("<LEA>201</LEA><Estab>4001</Estab>", "<LEA>873</LEA><Estab>2001</Estab>")


async def upload(client, browser, body=CSV, name="census.csv", content_type="text/csv", full="false", **extra):
    files = {"census": (name, body, content_type)} if body is not None else None
    data = browser.form(**({"full": full} if full is not None else {}), **extra)
    if files is None:   # no file chosen: browsers send an empty part with no file name
        files = {"census": (None, b"")}
    return await client.post("/census", data=data, files=files, headers=browser.headers, follow_redirects=False)


def summary_fields(page: Page) -> list[str]:
    [summary] = page.by_class("govuk-error-summary__list")
    hrefs = [a.attrs["href"] for a in summary.descendants("a")]
    for href in hrefs:
        assert page.by_id(href[1:]) is not None, href   # the link reaches its field
    return hrefs


async def test_the_census_page_has_the_upload_form_and_no_files_yet(client, browsers, school):
    response = await client.get("/census", headers=browsers["school"].headers)
    page = html(response)
    assert page.heading() == "Census"
    [form] = [f for f in page.all if f.tag == "form" and f.attrs.get("action") == "/census"]
    assert (form.attrs["method"], form.attrs["enctype"]) == ("post", "multipart/form-data")
    inputs = {i.attrs.get("name"): i.attrs for i in form.descendants("input")}
    assert inputs["census"]["type"] == "file" and "govuk-file-upload" in inputs["census"]["class"]
    assert inputs["csrf_token"]["value"] == browsers["school"].csrf_token
    assert [i.attrs["value"] for i in form.descendants("input") if i.attrs.get("name") == "full"] == ["false", "true"]
    assert page.by_class("govuk-label")[0].attrs["for"] == "census"
    assert "No census file has been sent yet." in page.by_id("main-content").text
    assert "/census" in [a.attrs.get("href") for a in page.by_id("navigation").descendants("a")]


async def test_an_upload_is_the_json_submission_and_is_followed_to_its_page(client, browsers, school, conn):
    browser = browsers["school"]
    response = await upload(client, browser)
    assert response.status_code == 303, response.text
    feed_id = (await conn.fetchval("SELECT id FROM feeds"))
    assert response.headers["location"] == f"/census/{feed_id}?done=queued"
    assert await conn.fetchval("SELECT count(*) FROM pgqueuer WHERE entrypoint = 'feed'") == 1
    # The same file again is the same feed, as on the JSON route.
    again = await upload(client, browser)
    assert again.headers["location"] == f"/census/{feed_id}?done=submitted_before"
    twin = await post_feed(client, school)
    assert twin.json()["id"] == str(feed_id)
    expected = {"action": "feed.submit", "outcome": "ok", "status": 202, "reason": None,
                "query": {"full": False, "format": "csv"}, "child_ids": []}
    assert await event(conn, response) == await event(conn, twin) == expected

    page = html(await client.get(f"/census/{feed_id}?done=queued", headers=browser.headers))
    assert "Your file was received" in page.by_class("govuk-notification-banner")[0].text
    progress = page.by_id("progress")
    assert "Waiting" in progress.text and "waiting to be processed" in progress.text
    assert f"/census/{feed_id}" in [a.attrs["href"] for a in progress.descendants("a")]   # Check progress
    assert not [e for e in page.all if e.tag == "meta" and e.attrs.get("http-equiv")]

    await process.run(conn, feed_id, model=mmodel.load(), max_bytes=10 ** 7)
    response = await client.get(f"/census/{feed_id}", headers=browser.headers)
    page = html(response)
    assert "Done" in page.by_id("progress").text and "Check progress" not in page.by_id("progress").text
    shown = {row.descendants("dt")[0].text: row.descendants("dd")[0].text
             for row in page.by_class("govuk-summary-list__row")}
    assert {k: shown[k] for k in ("Rows", "New children", "Rows with errors", "Matched to a child")} == {
        "Rows": "3", "New children": "2", "Rows with errors": "1", "Matched to a child": "0"}
    [table] = [t for t in page.all if t.tag == "table"]
    cells = [[c.text for c in row.children if c.tag in ("th", "td")] for row in table.descendants("tr")]
    assert cells == [["Row", "Column", "Problem"],
                     ["4", "dob", "No such date: expected YYYY-MM-DD or DD/MM/YYYY"]]
    assert f"/census/{feed_id}/errors.csv" in page.links()
    twin = await client.get(f"/feeds/{feed_id}", headers=bearer(school))
    assert await event(conn, response) == await event(conn, twin) == {
        "action": "feed.read", "outcome": "ok", "status": 200, "reason": None,
        "query": {"feed_id": str(feed_id)}, "child_ids": []}

    listing = await client.get("/census", headers=browser.headers)
    rows = html(listing).by_class("govuk-table__body")[0].descendants("tr")
    assert len(rows) == 1 and rows[0].descendants("a")[0].attrs["href"] == f"/census/{feed_id}"
    assert [c.text for c in rows[0].descendants("td")][:2] == ["CSV", "Done"]
    twin = await client.get("/feeds", headers=bearer(school))
    assert await event(conn, listing) == await event(conn, twin) == {
        "action": "feed.list", "outcome": "ok", "status": 200, "reason": None, "query": {}, "child_ids": []}


async def test_a_whole_roll_ctf_is_read_by_its_content(client, browsers, school, conn):
    # A browser's guess at the part's type does not matter: the bytes say CTF.
    response = await upload(client, browsers["school"], ctf_file(pupil(), head=OWN), "pupils.xml",
                            "application/octet-stream", full="true")
    assert response.status_code == 303, response.text
    assert await conn.fetchrow("SELECT format, full_census FROM feeds") == ("ctf", True)


@pytest.mark.parametrize("body, name, full, fields", [
    (None, None, "false", ["#census"]),                          # no file chosen
    (b"", "census.csv", "false", ["#census"]),                    # an empty file
    (b"PK\x03\x04rest of a spreadsheet", "census.xlsx", "false", ["#census"]),
    (b"%PDF-1.7", "census.csv", "false", ["#census"]),            # a PDF, whatever its name
    (CSV, "census.docx", "false", ["#census"]),
    (CSV, "census.csv", None, ["#full"]),
    (CSV, "census.csv", "maybe", ["#full"]),
    (None, None, None, ["#census", "#full"]),                     # every problem at once, in the form's order
])
async def test_form_problems_show_the_error_summary(client, browsers, school, conn, body, name, full, fields):
    response = await upload(client, browsers["school"], body, name, full=full)
    page = html(response, 400)
    assert summary_fields(page) == fields
    for field in fields:
        assert page.by_id(f"{field[1:]}-error") is not None
    assert page.all[[e.tag for e in page.all].index("title")].text.startswith("Error: ")
    assert await conn.fetchval("SELECT count(*) FROM feeds") == 0
    assert await event(conn, response) is None   # refused before its work, as the JSON route's 400s are


async def test_a_file_that_cannot_be_read_is_recorded_and_shown_on_the_form(client, browsers, school, conn):
    bad = b"record_id,forename,surname,dob,sen_need\n1,A,B,2015-01-01,x\n"
    response = await upload(client, browsers["school"], bad)
    page = html(response, 422)
    assert summary_fields(page) == ["#census"]
    assert "unknown column(s) sen_need" in page.by_id("census-error").text
    feed_id = await conn.fetchval("SELECT id FROM feeds WHERE status = 'rejected'")
    assert f"/census/{feed_id}" in page.links()
    twin = await post_feed(client, school, bad)
    assert twin.status_code == 422 and twin.json()["feed_id"] == str(feed_id)
    assert await event(conn, response) == await event(conn, twin) == {
        "action": "feed.submit", "outcome": "ok", "status": 422, "reason": None,
        "query": {"full": False, "format": "csv"}, "child_ids": []}
    shown = html(await client.get(f"/census/{feed_id}", headers=browsers["school"].headers))
    assert "Rejected" in shown.by_id("progress").text and "sen_need" in shown.by_class("govuk-warning-text")[0].text


async def test_a_file_over_the_cap_is_413(client, browsers, school, conn):
    client.app.state.feed_max_bytes = 100
    page = html(await upload(client, browsers["school"], CSV * 3), 413)
    assert "limit of 100 bytes" in page.by_id("main-content").text
    assert await conn.fetchval("SELECT count(*) FROM feeds") == 0


async def test_a_form_declared_over_the_cap_is_413_before_it_is_read(client, browsers, school, conn, monkeypatch):
    from litestar.connection import request

    async def unread(*args, **kwargs):
        raise AssertionError("the form was parsed")

    monkeypatch.setattr(request, "parse_multipart_form", unread)
    client.app.state.feed_max_bytes = 100
    big = CSV + b"".join(f"B{i},,Ann,Lee,2015-01-01,F,PE1 1AA\n".encode() for i in range(3000))
    page = html(await upload(client, browsers["school"], big), 413)
    assert "limit of 100 bytes" in page.by_id("main-content").text
    assert await conn.fetchval("SELECT count(*) FROM feeds") == 0


async def test_a_school_that_is_not_a_feed_source_gets_a_403_page(client, browsers, conn):
    response = await upload(client, browsers["school"])
    page = html(response, 403)
    assert "not registered as a feed source" in page.by_id("main-content").text
    assert (await event(conn, response))["outcome"] == "denied"


async def test_without_the_csrf_token_an_upload_is_refused(client, browsers, school, conn):
    browser = browsers["school"]
    response = await client.post("/census", data={"full": "false"}, files={"census": ("c.csv", CSV, "text/csv")},
                                 headers=browser.headers)
    html(response, 403)
    assert await conn.fetchval("SELECT count(*) FROM feeds") == 0


@pytest.mark.parametrize("role", ["practitioner", "auditor"])
async def test_other_roles_get_a_403_page(client, browsers, role):
    for path in ("/census", f"/census/{uuid.uuid4()}", f"/census/{uuid.uuid4()}/errors.csv"):
        assert html(await client.get(path, headers=browsers[role].headers), 403).heading() == "Not allowed"


async def test_another_schools_feed_and_an_unknown_feed_are_not_found(client, browsers, school, conn):
    await post_feed(client, school)
    feed_id = await conn.fetchval("SELECT id FROM feeds")
    await organisations.add(conn, organisations.NewOrganisation(code="8732002", kind="school", name="Other",
                                                                la_code="873"))
    other = await token_for(conn, org="8732002", role="school")
    for path in (f"/census/{feed_id}", f"/census/{uuid.uuid4()}", f"/census/{feed_id}/errors.csv"):
        response = await client.get(path, headers=bearer(other))
        assert html(response, 404).heading() == "Page not found"
        assert (await event(conn, response))["outcome"] == "not_found"
    assert html(await client.get("/census/not-an-id", headers=browsers["school"].headers), 400)
    # The LA's data managers follow their schools' feeds.
    html(await client.get(f"/census/{feed_id}", headers=browsers["la_data_manager"].headers))


async def get_download(client, path, headers):
    """The CSV download is a page's, not the API's: kept out of the OpenAPI check (tests/api/seen.py)."""
    client.event_hooks["response"].remove(seen.record)
    try:
        return await client.get(path, headers=headers)
    finally:
        client.event_hooks["response"].append(seen.record)


async def test_the_error_report_is_a_safe_csv_download(client, browsers, school, conn):
    body = ("record_id,forename,surname,dob\n"
            "A1,Amelia,Testwood,2015-02-30\n"
            "A2,Noah,Fenwick,=HYPERLINK(\"x\")\n"
            "A3,Ivy,Quill,@SUM(1)\n").encode()
    response = await upload(client, browsers["school"], body)
    feed_id = await conn.fetchval("SELECT id FROM feeds")
    await process.run(conn, feed_id, model=mmodel.load(), max_bytes=10 ** 7)
    response = await get_download(client, f"/census/{feed_id}/errors.csv", browsers["school"].headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == f'attachment; filename="census-{feed_id}-errors.csv"'
    assert response.headers["cache-control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["row", "column", "message"]
    assert [r[:2] for r in rows[1:]] == [["2", "dob"], ["3", "dob"], ["4", "dob"]]
    for r in rows[1:]:
        assert not r[2].startswith(pages.FORMULA), r
    twin = await client.get(f"/feeds/{feed_id}", headers=bearer(school))
    assert await event(conn, response) == await event(conn, twin)


@pytest.mark.parametrize("value, shown", [
    ("=1+2", "'=1+2"), ("+44 1632", "'+44 1632"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("plain", "plain"), (None, ""), (4, "4"),
])
def test_report_cells_are_never_formulas(value, shown):
    assert pages.cell(value) == shown


async def test_the_list_pages_older_feeds(client, browsers, school, monkeypatch):
    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    ids = []
    for i in range(3):
        r = await post_feed(client, school, CSV + f"B{i},,Zed,Yoe,2015-01-0{i + 1},M,PE1 1AA\n".encode())
        ids.append(r.json()["id"])
    page = html(await client.get("/census", headers=browsers["school"].headers))
    listed = [link for link in page.links() if link.startswith("/census/")]
    assert listed == [f"/census/{ids[2]}", f"/census/{ids[1]}"]
    assert f"/census?before={ids[1]}" in page.links()
    older = html(await client.get(f"/census?before={ids[1]}", headers=browsers["school"].headers))
    assert [link for link in older.links() if link.startswith("/census/")] == [f"/census/{ids[0]}"]
    assert "/census" in older.links()   # back to the newest
