"""The LA review pages mirror api/routes/review.py: the same checks, the same audit event,
the same work; the record beside each candidate with the engine's explanation per field;
decisions, reversals and unlinking as POST forms with the session's CSRF token."""

import uuid

import pytest

from tests.api.conftest import bearer
from tests.api.pages import Page, html, event
from tests.review_data import review_item, scene, source_record

MANAGER = "la_data_manager"


@pytest.fixture
async def s(pool, tokens):
    async with pool.acquire() as conn:
        return await scene(conn)


def forms(page: Page, action: str) -> list:
    return [f for f in page.all if f.tag == "form" and f.attrs.get("action") == action]


def fields(form) -> dict:
    return {i.attrs["name"]: i.attrs.get("value") for i in form.descendants("input")}


def but_status(row: dict) -> dict:
    """An event without its status: a form's is 303 (post/redirect/get), the JSON route's 200."""
    assert row["status"] in (200, 303), row
    return {k: v for k, v in row.items() if k != "status"}


async def post(client, browser, path, **values):
    return await client.post(path, data=browser.form(**values), headers=browser.headers, follow_redirects=False)


async def test_the_queue_lists_open_items_and_is_audited_as_the_json_route(client, browsers, tokens, s, conn):
    response = await client.get("/manage/review", headers=browsers[MANAGER].headers)
    page = html(response)
    assert page.heading() == "Review matches"
    [row] = page.by_class("govuk-table__body")[0].descendants("tr")
    assert [c.text for c in row.children] == [row.children[0].text, "Fen Primary", "Could be a twin", "2", "+18.0"]
    assert f"/manage/review/{s.item}" in page.links()
    assert "Testwood" not in response.text and "Ava" not in response.text   # no names in the queue
    twin = await client.get("/review", headers=bearer(tokens[MANAGER]))
    assert await event(conn, response) == await event(conn, twin) == {
        "action": "review.list", "outcome": "ok", "status": 200, "reason": None, "query": {},
        "child_ids": sorted([s.amelia, s.olivia])}
    assert "/manage/review" in [a.attrs["href"] for a in page.by_id("navigation").descendants("a")]


async def test_the_queue_pages_as_the_json_route(client, browsers, s, conn):
    for k in range(2, 4):
        await review_item(conn, await source_record(conn, "8732001", f"S{k}"), "873", [s.amelia])
    headers = browsers[MANAGER].headers
    first = html(await client.get("/manage/review", params={"limit": 2}, headers=headers))
    assert len(first.by_class("govuk-table__body")[0].descendants("tr")) == 2
    [next_href] = [a for a in first.links() if "after=" in a]
    rest = html(await client.get(next_href, headers=headers))
    assert len(rest.by_class("govuk-table__body")[0].descendants("tr")) == 1
    assert "/manage/review?limit=2" in rest.links()
    html(await client.get("/manage/review", params={"limit": 0}, headers=headers), 400)
    html(await client.get("/manage/review", params={"after": str(uuid.uuid4())}, headers=headers), 400)


async def test_an_item_shows_the_record_beside_each_candidate_with_the_explanation(client, browsers, s, conn):
    response = await client.get(f"/manage/review/{s.item}", headers=browsers[MANAGER].headers)
    page = html(response)
    assert page.heading() == "Which child is this record?"
    table = page.by_id("comparison")
    heads = [th.text for th in table.descendants("thead")[0].descendants("th")]
    assert heads[0] == "This record" and heads[1].startswith("Candidate 1 match weight +18.0")
    assert heads[2].startswith("Candidate 2 match weight +17.0")
    rows = {tr.children[0].text: [c.text for c in tr.children[1:]] for tr in table.descendants("tbody")[0].descendants("tr")}
    assert rows["First name"] == ["Ava", "Amelia only the initial agrees \u22123.1",
                                  "Olivia only the initial agrees \u22123.1"]
    assert rows["Last name"] == ["Testwood", "Testwood agrees exactly +5.6", "Testwood agrees exactly +5.6"]
    assert rows["Date of birth"][0] == "14 March 2015" and rows["Date of birth"][1].endswith("agrees exactly +12.5")
    assert rows["Middle names"][0] == "Mae" and rows["Postcode"][0] == "PE1 1AA"
    assert {"Preferred name", "Former last names", "Sex", "Address", "UPN", "NHS number", "ULN"} <= set(rows)
    assert rows["Preferred name"] == ["Not given"] * 3
    decision = f"/manage/review/{s.item}/decision"
    given = [fields(f) for f in forms(page, decision)]
    token = browsers[MANAGER].csrf_token
    assert given == [
        {"csrf_token": token, "action": "link", "child_id": str(s.amelia)},
        {"csrf_token": token, "action": "not_this_child", "child_id": str(s.amelia)},
        {"csrf_token": token, "action": "link", "child_id": str(s.olivia)},
        {"csrf_token": token, "action": "not_this_child", "child_id": str(s.olivia)},
        {"csrf_token": token, "action": "new"},
        {"csrf_token": token, "action": "not_this_child"}]
    assert await event(conn, response) == {
        "action": "review.list", "outcome": "ok", "status": 200, "reason": None,
        "query": {"review_id": str(s.item)}, "child_ids": sorted([s.amelia, s.olivia])}


@pytest.mark.parametrize("action, pick, done, banner", [
    ("link", "olivia", "linked", "linked to the child you chose"),
    ("new", None, "new", "new child was created"),
    ("not_this_child", None, "not_matched", "None of the candidates"),
    ("not_this_child", "amelia", "ruled_out", "still in review"),
])
async def test_a_decision_and_its_reversal_are_the_json_routes(client, browsers, tokens, s, conn, action, pick,
                                                                done, banner):
    browser = browsers[MANAGER]
    values = {"action": action, **({"child_id": str(getattr(s, pick))} if pick else {})}
    response = await post(client, browser, f"/manage/review/{s.item}/decision", **values)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/manage/review?item={s.item}&done={done}"
    page = html(await client.get(response.headers["location"], headers=browser.headers))
    assert banner in page.by_id("done").text
    assert f"/manage/review/{s.item}" in page.links()
    if done != "ruled_out":   # listed under the queue, to come back to
        assert [a.attrs["href"] for a in page.by_id("decided").descendants("a")] == [f"/manage/review/{s.item}"]
    else:
        assert page.by_id("decided") is None
    decided = await event(conn, response)
    # The JSON twins, on the same item: reverse, then the same decision again.
    twin_reverse = await client.post(f"/review/{s.item}/reverse", headers=bearer(tokens[MANAGER]))
    twin = await client.post(f"/review/{s.item}/decision", json=values, headers=bearer(tokens[MANAGER]))
    assert twin.status_code == 200, twin.text
    assert decided["status"] == 303 and decided["outcome"] == "ok" and decided["child_ids"]
    same = but_status(twin_event := await event(conn, twin))
    if done in ("new", "not_matched"):   # each decision created a child of its own
        assert len(same.pop("child_ids")) == len(decided["child_ids"])
        decided = {k: v for k, v in decided.items() if k != "child_ids"}
    assert but_status(decided) == same
    if done != "ruled_out":   # a decided item's page offers the reversal
        item = html(await client.get(f"/manage/review/{s.item}", headers=browser.headers))
        assert item.heading().startswith("Decided: ")
        assert forms(item, f"/manage/review/{s.item}/reverse")
    reversed_ = await post(client, browser, f"/manage/review/{s.item}/reverse")
    assert (reversed_.status_code, reversed_.headers["location"]) == (303, f"/manage/review/{s.item}?done=reversed")
    # The same event as the JSON reversal's, of the decision it reversed (the twin's).
    assert but_status(await event(conn, reversed_)) == {**but_status(await event(conn, twin_reverse)),
                                                        "child_ids": twin_event["child_ids"]}
    assert await conn.fetchval("SELECT status FROM review_items WHERE id = $1", s.item) == "open"


@pytest.mark.parametrize("values, field", [
    ({"action": "merge"}, "action"),
    ({}, "action"),
    ({"action": "link"}, "child_id"),
    ({"action": "link", "child_id": "nope"}, "child_id"),
    ({"action": "link", "child_id": "ANOTHER"}, "child_id"),
])
async def test_a_bad_decision_shows_the_error_summary(client, browsers, s, conn, values, field):
    if values.get("child_id") == "ANOTHER":
        values = {**values, "child_id": str(uuid.uuid4())}
    response = await post(client, browsers[MANAGER], f"/manage/review/{s.item}/decision", **values)
    page = html(response, 400)
    assert page.heading() == "Your decision was not made"
    [summary] = page.by_class("govuk-error-summary__list")
    assert [a.attrs["href"] for a in summary.descendants("a")] == [f"/manage/review/{s.item}#decide"]
    assert str(s.amelia) not in response.text
    assert await conn.fetchval("SELECT status FROM review_items WHERE id = $1", s.item) == "open"
    if field == "child_id" and "child_id" in values and values["child_id"] != "nope":   # refused by index.review
        assert (await event(conn, response))["outcome"] == "invalid"
    # The item's page has the anchor the summary links to.
    item = html(await client.get(f"/manage/review/{s.item}", headers=browsers[MANAGER].headers))
    assert item.by_id("decide") is not None


async def test_unlink_confirms_then_splits_and_can_be_undone(client, browsers, s, conn):
    browser = browsers[MANAGER]
    linked = await post(client, browser, f"/manage/review/{s.item}/decision", action="link", child_id=str(s.olivia))
    assert linked.status_code == 303
    item = html(await client.get(f"/manage/review/{s.item}", headers=browser.headers))
    confirm_href = f"/manage/links/{s.incoming}?item={s.item}"
    assert confirm_href in item.links()
    response = await client.get(confirm_href, headers=browser.headers)
    confirm = html(response)
    assert confirm.heading() == "Unlink this record from its child?"
    assert await event(conn, response) is None   # reads nothing, so records nothing
    [form] = forms(confirm, f"/manage/links/{s.incoming}")
    assert fields(form) == {"csrf_token": browser.csrf_token}
    response = await post(client, browser, f"/manage/links/{s.incoming}")
    assert response.status_code == 303, response.text
    split_id = await conn.fetchval("SELECT id FROM review_items WHERE source_record_id = $1 AND status = 'open'",
                                   s.incoming)
    assert response.headers["location"] == f"/manage/review/{split_id}?done=unlinked"
    assert await event(conn, response) == {"action": "link.unlink", "outcome": "ok", "status": 303, "reason": None,
                                           "query": {"source_record_id": str(s.incoming)}, "child_ids": [s.olivia]}
    split = html(await client.get(response.headers["location"], headers=browser.headers))
    assert "unlinked" in split.by_id("done").text and "Unlinked from its child" in split.by_id("about").text
    html(await post(client, browser, f"/manage/links/{s.incoming}"), 409)   # no longer linked
    html(await post(client, browser, f"/manage/review/{s.item}/reverse"), 409)   # the split's item decides now
    undo = await post(client, browser, f"/manage/review/{split_id}/reverse")
    assert undo.headers["location"] == f"/manage/review/{split_id}?done=relinked"
    assert await conn.fetchval("SELECT child_id FROM links WHERE source_record_id = $1 AND unlinked_at IS NULL",
                               s.incoming) == s.olivia


@pytest.mark.parametrize("method, path, status", [
    ("GET", "/manage/review/{other}", 404),
    ("GET", "/manage/review/xyz", 400),
    ("POST", "/manage/review/{other}/reverse", 404),
    ("POST", "/manage/links/{other}", 404),
    ("POST", "/manage/review/{item}/reverse", 409),   # open, nothing to reverse
])
async def test_errors_are_pages(client, browsers, s, conn, method, path, status):
    browser = browsers[MANAGER]
    path = path.format(other=uuid.uuid4(), item=s.item)
    if method == "GET":
        response = await client.get(path, headers=browser.headers)
    else:
        response = await post(client, browser, path)
    html(response, status)
    if status in (404, 409):
        assert (await event(conn, response))["outcome"] == {404: "not_found", 409: "conflict"}[status]


async def test_another_las_manager_cannot_see_or_decide_the_item(client, norfolk, s):
    html(await client.get(f"/manage/review/{s.item}", headers=bearer(norfolk)), 404)
    page = html(await client.get("/manage/review", headers=bearer(norfolk)))
    assert page.by_id("empty") is not None


@pytest.mark.parametrize("path", ["/manage/review/{item}/decision", "/manage/review/{item}/reverse",
                                  "/manage/links/{incoming}"])
async def test_a_post_without_the_csrf_token_is_refused(client, browsers, s, conn, path):
    path = path.format(item=s.item, incoming=s.incoming)
    response = await client.post(path, data={"action": "new"}, headers=browsers[MANAGER].headers)
    html(response, 403)
    assert (await event(conn, response))["outcome"] == "denied"
    assert await conn.fetchval("SELECT status FROM review_items WHERE id = $1", s.item) == "open"


@pytest.mark.parametrize("role", ["practitioner", "school", "auditor"])
async def test_other_roles_are_refused_with_a_page(client, browsers, s, role):
    page = html(await client.get("/manage/review", headers=browsers[role].headers), 403)
    assert page.heading() == "Not allowed" or page.heading() == "You cannot do this"


async def test_a_shielded_candidate_of_another_la_shows_what_the_json_list_shows(client, browsers, tokens, s, conn):
    from tests.review_data import known_child
    hidden, _ = await known_child(conn, "LA926", "N1", la="926", shielded=True, serial=5, forename="Nora")
    sid = await source_record(conn, "8732001", "S9", forename="Norah", postcode="NR1 1AA")
    item = await review_item(conn, sid, "873", [hidden], shielded=True)
    [shown] = [i for i in (await client.get("/review", headers=bearer(tokens[MANAGER]))).json()["items"]
               if i["id"] == str(item)]
    assert shown["candidates"][0]["postcode"] is None and shown["candidates"][0]["notice"]
    page = html(await client.get(f"/manage/review/{item}", headers=browsers[MANAGER].headers))
    rows = {tr.children[0].text: [c.text for c in tr.children[1:]]
            for tr in page.by_id("comparison").descendants("tbody")[0].descendants("tr")}
    assert rows["Postcode"] == ["NR1 1AA", "Not shown (shielded)"]
    assert rows["Address"][1] == "Not shown (shielded)" and rows["NHS number"][1] == "Not shown (shielded)"
    assert rows["First name"][1].startswith("Nora ")
    assert "shielded" in page.by_id("comparison").descendants("thead")[0].text
