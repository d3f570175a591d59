import uuid

import pytest

from index import organisations
from index.feeds import process
from matching import model as mmodel
from tests.api.conftest import bearer
from tests.factories import token_for, upn

CSV = ("record_id,upn,forename,surname,dob,gender,postcode\n"
       f"A1,{upn(serial=1)},Amelia,Testwood,2015-03-14,F,PE1 1AA\n"
       f"A2,{upn(serial=2)},Noah,Fenwick,2012-07-03,M,CB2 1AA\n"
       "A3,,Olivia,Testwood,2015-02-30,F,PE1 1AA\n").encode()


async def post_feed(client, token, body=CSV, content_type="text/csv", query=""):
    return await client.post(f"/feeds{query}", content=body,
                             headers={**bearer(token), "Content-Type": content_type})


async def test_a_school_submits_its_census_and_follows_it(client, conn, school, tokens):
    response = await post_feed(client, school)
    assert response.status_code == 202, response.text
    feed_id = response.json()["id"]
    assert response.json()["status"] == "queued"
    again = await post_feed(client, school)
    assert again.json() == {**response.json(), "status": "submitted_before"}
    queued = await client.get(f"/feeds/{feed_id}", headers=bearer(school))
    assert queued.json()["status"] == "queued"
    assert await conn.fetchval("SELECT count(*) FROM pgqueuer WHERE entrypoint = 'feed'") == 1
    await process.run(conn, uuid.UUID(feed_id), model=mmodel.load(), max_bytes=10 ** 7)
    done = (await client.get(f"/feeds/{feed_id}", headers=bearer(school))).json()
    assert (done["status"], done["rows"], done["new"], done["rejected"]) == ("done", 3, 2, 1)
    assert done["errors"] == [{"row": 4, "column": "dob", "message": "no such date: expected YYYY-MM-DD or DD/MM/YYYY"}]
    # The LA's data manager may follow it too; another school may not see it exists.
    assert (await client.get(f"/feeds/{feed_id}", headers=bearer(tokens["la_data_manager"]))).status_code == 200
    await organisations.add(conn, organisations.NewOrganisation(code="8732002", kind="school", name="Other",
                                                                la_code="873"))
    other = await token_for(conn, org="8732002", role="school")
    assert (await client.get(f"/feeds/{feed_id}", headers=bearer(other))).status_code == 404
    row = await conn.fetchrow("SELECT outcome, status FROM audit_events WHERE action = 'feed.submit' ORDER BY id LIMIT 1")
    assert (row["outcome"], row["status"]) == ("ok", 202)


@pytest.mark.parametrize("body, content_type, query, status, field", [
    (CSV, "application/json", "", 415, None),
    (CSV, "text/csv", "?fulll=true", 400, "fulll"),
    (CSV, "text/csv", "?full=maybe", 400, "full"),
    (b"", "text/csv", "", 400, "body"),
])
async def test_bad_submissions_are_refused_clearly(client, school, body, content_type, query, status, field):
    response = await post_feed(client, school, body, content_type, query)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if field:
        assert field in response.text


async def test_a_school_that_is_not_a_feed_source_is_refused(client, tokens):
    response = await post_feed(client, tokens["school"])
    assert response.status_code == 403
    assert "not registered as a feed source" in response.json()["detail"]


async def test_a_bad_file_is_rejected_whole_at_submission_and_recorded(client, conn, school):
    response = await post_feed(client, school, b"record_id,forename,surname,dob,sen_need\n1,A,B,2015-01-01,x\n")
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "unknown column(s) sen_need" in response.json()["detail"]
    feed_id = uuid.UUID(response.json()["feed_id"])
    got = (await client.get(f"/feeds/{feed_id}", headers=bearer(school))).json()
    assert got["status"] == "rejected" and "unknown column(s) sen_need" in got["error"]
    assert await conn.fetchval("SELECT count(*) FROM feed_files") == 0
    assert await conn.fetchval("SELECT count(*) FROM pgqueuer") == 0


async def test_the_feed_id_is_checked(client, school):
    response = await client.get("/feeds/not-an-id", headers=bearer(school))
    assert response.status_code == 400 and "feed_id" in response.text
