"""The visibility rules that exist from the start: shielded records and sensitive services."""

import uuid

from index import registry
from tests import factories
from tests.api.conftest import bearer

REASON = {"reason": "safeguarding_concern"}


async def test_shielded_child_shows_only_name_sex_dob_and_id(client, tokens, pool):
    async with pool.acquire() as conn:
        cid = await registry.create_child(conn, factories.child(shielded=True))
    view = (await client.get(f"/children/{cid}", params=REASON, headers=bearer(tokens["practitioner"]))).json()
    assert view["address"] is None and view["carers"] == [] and view["involvements"] == []
    assert view["identifiers"] == [] and view["notice"]
    assert (view["forename"], view["sex"], view["dob"], view["id"]) == ("Amelia", "female", "2015-03-14", str(cid))
    manager = (await client.get(f"/children/{cid}", params=REASON, headers=bearer(tokens["la_data_manager"]))).json()
    assert manager["address"]["postcode"] == "CB1 2AB"

    by_name = (await client.get("/children/search", headers=bearer(tokens["practitioner"]),
                                params={**REASON, "surname": "Testwood", "dob": "2015-03-14"})).json()["results"]
    assert [r["id"] for r in by_name] == [str(cid)]
    assert by_name[0]["town"] is None and by_name[0]["postcode_district"] is None
    by_postcode = (await client.get("/children/search", headers=bearer(tokens["practitioner"]), params={
        **REASON, "surname": "Testwood", "dob": "2015-03-14", "postcode": "CB1 2AB"})).json()["results"]
    assert by_postcode == []


async def test_sensitive_service_is_hidden_from_other_organisations(client, tokens, pool):
    async with pool.acquire() as conn:
        cid = await registry.create_child(conn, factories.child())
        clinic = await factories.token_for(conn, org="SH873", name="Clinic Nurse")
    r = await client.post(f"/children/{cid}/involvements", json={"start_date": "2024-01-10"}, headers=bearer(clinic))
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "consent_basis", r.text
    r = await client.post(f"/children/{cid}/involvements", json={"start_date": "2024-01-10", "consent_basis": "x"},
                          headers=bearer(clinic))
    assert r.status_code == 400
    r = await client.post(f"/children/{cid}/involvements",
                          json={"start_date": "2024-01-10", "consent_basis": "significant_harm"}, headers=bearer(clinic))
    assert r.status_code == 201
    other = (await client.get(f"/children/{cid}", params=REASON, headers=bearer(tokens["practitioner"]))).json()
    [inv] = other["involvements"]
    assert inv["organisation"] is None and inv["contact"] is None and "sensitive" in inv["notice"]
    own = (await client.get(f"/children/{cid}", params=REASON, headers=bearer(clinic))).json()
    assert own["involvements"][0]["organisation"]["code"] == "SH873"
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT consent_basis, consent_recorded_by IS NOT NULL AS who FROM involvements")
    assert (row["consent_basis"], row["who"]) == ("significant_harm", True)
    r = await client.post(f"/children/{cid}/involvements", json={"start_date": "2024-01-10",
                          "consent_basis": "consent_given"}, headers=bearer(tokens["practitioner"]))
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "consent_basis"


async def test_no_500_for_odd_ids(client, tokens):
    for path in ["/children/%00", "/children/" + "a" * 500, f"/children/{uuid.uuid4()}x"]:
        r = await client.get(path, params=REASON, headers=bearer(tokens["practitioner"]))
        assert r.status_code in (400, 404), (path, r.status_code)
