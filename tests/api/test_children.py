import datetime as dt
import uuid

import pytest

from index import registry
from tests import factories
from tests.api.conftest import bearer

REASON = {"reason": "safeguarding_concern"}


@pytest.fixture
async def family(pool):
    """Twins, a hyphenated surname, a preferred and a former surname, and a distractor."""
    ids = {}
    async with pool.acquire() as conn:
        ids["amelia"] = await registry.create_child(conn, factories.child())
        ids["twin"] = await registry.create_child(conn, factories.child(
            forename="Olivia", nhs_number=factories.nhs_number(2), upn=factories.upn(serial=2)))
        ids["hyphen"] = await registry.create_child(conn, factories.child(
            forename="Noah", surname="Fenwick-Ashby", sex="male", dob=dt.date(2012, 7, 3),
            nhs_number=factories.nhs_number(3), upn=factories.upn(serial=3), postcode="PE1 1AA"))
        ids["renamed"] = await registry.create_child(conn, factories.child(
            forename="Grace", surname="Holloway", former_surnames=["Brackley"], preferred_surname="Holly",
            dob=dt.date(2016, 11, 5), nhs_number=factories.nhs_number(4), upn=None))
        ids["other"] = await registry.create_child(conn, factories.child(
            forename="Amelia", surname="Testwood", dob=dt.date(2009, 1, 1), nhs_number=factories.nhs_number(5),
            upn=None))
    return ids


async def search(client, tokens, **params):
    response = await client.get("/children/search", params={**REASON, **params}, headers=bearer(tokens["practitioner"]))
    assert response.status_code == 200, response.text
    return response.json()["results"]


@pytest.mark.parametrize("params, expected_first", [
    ({"surname": "Testwood", "dob": "2015-03-14", "forename": "Amelia"}, "amelia"),
    ({"surname": "Testwod", "dob": "2015-03-14", "forename": "Amelia"}, "amelia"),      # misspelt surname
    ({"surname": "Testwood", "dob": "2015-03-14", "forename": "Amilia"}, "amelia"),     # misspelt forename
    ({"surname": "Testwood", "dob": "14/03/2015", "forename": "Amelia"}, "amelia"),     # UK date format
    ({"surname": "Fenwick-Ashby", "dob": "2012-07-03"}, "hyphen"),
    ({"surname": "Ashby", "dob": "2012-07-03"}, "hyphen"),                               # one part
    ({"surname": "Fenwick Ashby", "dob": "2012-03-07"}, "hyphen"),                       # day/month swapped
    ({"surname": "Fenwick", "dob": "2012-07-03", "postcode": "pe11aa"}, "hyphen"),
    ({"surname": "Brackley", "dob": "2016-11-05"}, "renamed"),                           # former surname
    ({"surname": "Holly", "dob": "2016-11-05"}, "renamed"),                              # preferred surname
    ({"surname": "Holoway", "dob": "2016-05-11", "forename": "Grace"}, "renamed"),      # misspelt and swapped
    ({"surname": "Holloway", "dob": "2016-11-15", "forename": "Grace"}, "renamed"),   # mistyped day
    ({"surname": "Holloway", "dob": "2016-01-05", "forename": "Grace"}, "renamed"),   # mistyped month
    ({"surname": "Holloway", "dob": "2017-11-05", "forename": "Grace"}, "renamed"),   # mistyped year
    ({"upn": factories.upn(serial=3)}, "hyphen"),
    ({"nhs_number": "999 000 0018"}, "amelia"),
])
async def test_search_finds(client, tokens, family, params, expected_first):
    results = await search(client, tokens, **params)
    assert results, params
    assert results[0]["id"] == str(family[expected_first])
    assert set(results[0]) == {"id", "score", "forename", "surname", "preferred_forename", "preferred_surname",
                               "sex", "dob", "town", "postcode_district", "shielded", "grade", "weight",
                               "reading", "match"}


async def test_twins_are_both_returned_and_ranked_by_forename(client, tokens, family):
    results = await search(client, tokens, surname="Testwood", dob="2015-03-14", forename="Olivia")
    ids = [r["id"] for r in results]
    assert ids[0] == str(family["twin"]) and str(family["amelia"]) in ids
    assert results[0]["score"] > results[1]["score"]
    assert str(family["other"]) not in ids  # same name, different date of birth


async def test_search_does_not_browse(client, tokens, family):
    assert await search(client, tokens, surname="Zzyzx", dob="2015-03-14") == []


async def test_view_shows_the_record(client, tokens, family):
    response = await client.get(f"/children/{family['renamed']}", params=REASON, headers=bearer(tokens["practitioner"]))
    body = response.json()
    assert response.status_code == 200
    assert body["former_names"] == [{"forename": None, "surname": "Brackley"}]
    assert body["carers"][0]["relationship"] == "PAM"
    assert body["address"]["postcode"] == "CB1 2AB"
    assert {i["scheme"] for i in body["identifiers"]} == {"nhs_number"}


@pytest.mark.parametrize("params, field", [
    ({"surname": "Testwood", "dob": "2015-03-14"}, "reason"),
    ({"surname": "Testwood", "dob": "2015-03-14", "reason": "curiosity"}, "reason"),
    ({"surname": "Testwood", "dob": "2015-03-14", "reason": "data_quality", "case_ref": "my notes"}, "case_ref"),
    ({"surname": "Testwood", "dob": "2015-03-14", "reason": "data_quality", "case_ref": "ABCDEF"}, "case_ref"),
    ({"surname": "Testwood", "reason": "data_quality"}, "dob"),
    ({"dob": "2015-03-14", "reason": "data_quality"}, "surname"),
    ({"forename": "Amelia", "reason": "data_quality"}, "surname"),
    ({"surname": "Testwood", "dob": "2015-02-30", "reason": "data_quality"}, "dob"),
    ({"surname": "Testwood", "dob": "yesterday", "reason": "data_quality"}, "dob"),
    ({"surname": "Testwood", "dob": "2015-03-14", "postcode": "NOT A CODE", "reason": "data_quality"}, "postcode"),
    ({"surname": "Testwood", "dob": "2015-03-14", "colour": "red", "reason": "data_quality"}, "colour"),
    ({"upn": "A801200005001", "reason": "data_quality"}, "upn"),
    ({"nhs_number": "9434765918", "reason": "data_quality"}, "nhs_number"),
    ({"uln": "123", "reason": "data_quality"}, "uln"),
    ({"upn": "B801200005001", "nhs_number": "9990000018", "reason": "data_quality"}, "nhs_number"),
    ({"upn": "B801200005001", "surname": "Testwood", "reason": "data_quality"}, "surname"),
])
async def test_search_validation_errors_name_the_field(client, tokens, params, field):
    response = await client.get("/children/search", params=params, headers=bearer(tokens["practitioner"]))
    assert response.status_code == 400, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["errors"][0]["field"] == field
    assert problem["status"] == 400 and problem["detail"]


@pytest.mark.parametrize("path, params, status, field", [
    ("/children/not-an-id", REASON, 400, "child_id"),
    ("/children/2e8f4a6c-1b3d-4c5e-8f70-9a1b2c3d4e5f", {}, 400, "reason"),     # ids no row has
    ("/children/7a9c1e3f-5b7d-4f91-a2c4-e6f8a0b2c4d6", REASON, 404, "child_id"),
])
async def test_view_errors(client, tokens, path, params, status, field):
    response = await client.get(path, params=params, headers=bearer(tokens["practitioner"]))
    assert response.status_code == status
    assert response.json()["errors"][0]["field"] == field


async def test_every_read_is_audited_with_its_query_and_results(client, tokens, family, conn):
    headers = bearer(tokens["practitioner"])
    response = await client.get("/children/search", headers=headers, params={
        "surname": "Testwood", "dob": "2015-03-14", "forename": "Amelia", "reason": "service_delivery",
        "case_ref": "CP-2024/17"})
    rid = uuid.UUID(response.headers["x-request-id"])
    row = await conn.fetchrow("SELECT * FROM audit_events WHERE request_id = $1", rid)
    assert row["action"] == "child.search" and row["outcome"] == "ok" and row["role"] == "practitioner"
    assert row["reason"] == "service_delivery" and row["case_ref"] == "CP-2024/17"
    assert row["query"] == {"surname": "Testwood", "dob": "2015-03-14", "forename": "Amelia"}
    assert set(row["child_ids"]) == {uuid.UUID(r["id"]) for r in response.json()["results"]}
    assert row["org_code"] == "HV873" and row["user_id"] is not None

    missing = uuid.uuid4()
    response = await client.get(f"/children/{missing}", params=REASON, headers=headers)
    row = await conn.fetchrow("SELECT * FROM audit_events WHERE request_id = $1",
                              uuid.UUID(response.headers["x-request-id"]))
    assert (row["outcome"], row["status"], row["child_ids"]) == ("not_found", 404, [missing])


async def test_auditor_queries_by_child_user_and_time(client, tokens, family):
    headers = bearer(tokens["practitioner"])
    for _ in range(2):
        await client.get(f"/children/{family['amelia']}", params=REASON, headers=headers)
    await client.get(f"/children/{family['twin']}", params=REASON, headers=headers)
    auditor = bearer(tokens["auditor"])
    by_child = (await client.get("/audit", params={"child_id": str(family["amelia"])}, headers=auditor)).json()
    assert by_child["count"] == 2 and all(e["action"] == "child.view" for e in by_child["events"])
    user_id = by_child["events"][0]["user_id"]
    by_user = (await client.get("/audit", params={"user_id": user_id, "limit": "2"}, headers=auditor)).json()
    assert by_user["count"] == 2 and by_user["next_before_id"] is not None
    rest = (await client.get("/audit", params={"user_id": user_id, "before_id": by_user["next_before_id"]},
                             headers=auditor)).json()
    assert rest["count"] == 1
    future = (await client.get("/audit", params={"since": "2999-01-01T00:00:00"}, headers=auditor)).json()
    assert future["count"] == 0
    bad = await client.get("/audit", params={"since": "last week"}, headers=auditor)
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "since"
