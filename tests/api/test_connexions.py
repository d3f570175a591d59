"""The Connexions restriction: a recorded opt-out leaves Connexions users name and address."""

import datetime as dt

import pytest

from index import auth, organisations, registry
from tests import factories
from tests.api.conftest import bearer

REASON = {"reason": "service_delivery"}


def _years_ago(years: int, days: int = 0) -> dt.date:
    today = dt.date.today()     # at the test's run, not its collection: a run can cross midnight
    try:
        born = today.replace(year=today.year - years)
    except ValueError:                      # 29 February
        born = today.replace(year=today.year - years, day=28)
    return born - dt.timedelta(days=days)


@pytest.fixture
async def connexions_token(pool, tokens):
    async with pool.acquire() as conn:
        await organisations.add(conn, organisations.NewOrganisation(
            code="CX873", kind="connexions", name="Connexions Cambridgeshire", la_code="873"))
        uid = await auth.add_user(conn, name="Careers Adviser", org_code="CX873", role="practitioner")
        return (await auth.issue_token(conn, uid, days=1)).token


async def _child(pool, dob: dt.date, school_involved: bool = False):
    async with pool.acquire() as conn:
        cid = await registry.create_child(conn, factories.child(dob=dob))
        if school_involved:
            await conn.execute("""INSERT INTO involvements (child_id, org_id, start_date, source)
                                  SELECT $1, id, $2, 'census' FROM organisations WHERE code = '8732001'""",
                               cid, dob + dt.timedelta(days=4 * 365))
        return cid


async def test_opt_out_leaves_connexions_name_and_address(client, tokens, pool, conn, connexions_token):
    cid = await _child(pool, _years_ago(15))
    before = (await client.get(f"/children/{cid}", params=REASON, headers=bearer(connexions_token))).json()
    assert before["dob"] and before["carers"] and before["identifiers"]

    r = await client.post(f"/children/{cid}/connexions-opt-out", json={"requested_by": "parent"},
                          headers=bearer(tokens["la_data_manager"]))
    assert r.status_code == 201, r.text
    assert (r.json()["requested_by"], r.json()["received_via"]) == ("parent", "la")

    seen = (await client.get(f"/children/{cid}", params=REASON, headers=bearer(connexions_token))).json()
    assert (seen["forename"], seen["surname"], seen["address"]["postcode"]) == ("Amelia", "Testwood", "CB1 2AB")
    assert seen["dob"] is None and seen["sex"] is None
    assert seen["carers"] == [] and seen["identifiers"] == [] and seen["involvements"] == []
    assert "Connexions" in seen["notice"]
    hits = (await client.get("/children/search", headers=bearer(connexions_token), params={
        **REASON, "surname": "Testwood", "dob": before["dob"]})).json()["results"]
    assert [(h["id"], h["dob"], h["sex"]) for h in hits] == [(str(cid), None, None)]
    assert {m["field"] for m in hits[0]["match"]} == {"surname"}   # how the date agreed is not shown either

    # Everyone else sees the record as before.
    other = (await client.get(f"/children/{cid}", params=REASON, headers=bearer(tokens["practitioner"]))).json()
    assert other["dob"] == before["dob"] and other["carers"] and other["connexions_opt_out"] is True
    again = await client.post(f"/children/{cid}/connexions-opt-out", json={"requested_by": "parent"},
                              headers=bearer(tokens["la_data_manager"]))
    assert again.status_code == 409


@pytest.mark.parametrize("age_years, age_days, status", [
    (16, 0, 201),        # the 16th birthday
    (15, 364, 409),      # a day short
    (17, 100, 201),
])
async def test_a_pupil_may_ask_from_16(client, tokens, pool, age_years, age_days, status):
    cid = await _child(pool, _years_ago(age_years, age_days))
    r = await client.post(f"/children/{cid}/connexions-opt-out", json={"requested_by": "pupil"},
                          headers=bearer(tokens["la_data_manager"]))
    assert r.status_code == status, r.text
    if status == 409:
        assert r.json()["errors"][0]["field"] == "requested_by"


async def test_a_school_records_it_only_for_its_own_pupil(client, tokens, pool):
    theirs = await _child(pool, _years_ago(14), school_involved=True)
    not_theirs = await _child(pool, _years_ago(14))
    school = bearer(tokens["school"])
    r = await client.post(f"/children/{not_theirs}/connexions-opt-out", json={"requested_by": "parent"}, headers=school)
    assert r.status_code == 403
    r = await client.post(f"/children/{theirs}/connexions-opt-out", json={"requested_by": "parent"}, headers=school)
    assert r.status_code == 201 and r.json()["received_via"] == "school"


async def test_another_las_manager_and_bad_bodies(client, pool, norfolk):
    cid = await _child(pool, _years_ago(14))
    r = await client.post(f"/children/{cid}/connexions-opt-out", json={"requested_by": "parent"},
                          headers=bearer(norfolk))
    assert r.status_code == 403
    for body in ({"requested_by": "aunt"}, {}, {"requested_by": "parent", "why": "x"}):
        r = await client.post(f"/children/{cid}/connexions-opt-out", json=body, headers=bearer(norfolk))
        assert r.status_code == 400, body
