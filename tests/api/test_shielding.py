"""Shielding, the one-view override, emergency views and the investigations they open."""

import datetime as dt
import uuid

import pytest

from index import auth, registry
from tests import factories
from tests.api.conftest import bearer

REASON = {"reason": "safeguarding_concern"}
HIDDEN = ("address", "carers", "involvements", "identifiers")


async def _child(pool, **overrides) -> uuid.UUID:
    async with pool.acquire() as conn:
        return await registry.create_child(conn, factories.child(**overrides))


async def _user(pool, *, org: str, role: str, la: str | None = None, capabilities=()) -> str:
    async with pool.acquire() as conn:
        uid = await auth.add_user(conn, name=f"User {org} {role}", org_code=org, role=role, la_code=la,
                                  phone="01632 960300", capabilities=capabilities)
        return (await auth.issue_token(conn, uid, days=1)).token


async def _view(client, token, cid, reason="safeguarding_concern"):
    return await client.get(f"/children/{cid}", params={"reason": reason}, headers=bearer(token))


async def test_shield_and_unshield_by_the_owning_la(client, tokens, pool, conn):
    cid = await _child(pool)
    manager = bearer(tokens["la_data_manager"])
    r = await client.post(f"/children/{cid}/shield", json={"reason": "adoption"}, headers=manager)
    assert r.status_code == 200, r.text
    assert r.json()["shielded"] is True and r.json()["shield_reason"] == "adoption"
    seen = (await _view(client, tokens["practitioner"], cid)).json()
    assert all(not seen[k] for k in HIDDEN) and seen["notice"]
    assert seen.get("shield_reason") is None
    assert (seen["forename"], seen["sex"], seen["dob"]) == ("Amelia", "female", "2015-03-14")
    own = (await _view(client, tokens["la_data_manager"], cid)).json()
    assert own["address"]["postcode"] == "CB1 2AB" and own["shield_reason"] == "adoption"

    again = await client.post(f"/children/{cid}/shield", json={"reason": "adoption"}, headers=manager)
    assert again.status_code == 409
    r = await client.post(f"/children/{cid}/unshield", headers=manager)
    assert r.status_code == 200 and r.json()["shielded"] is False
    assert (await client.post(f"/children/{cid}/unshield", headers=manager)).status_code == 409
    assert (await _view(client, tokens["practitioner"], cid)).json()["address"]["postcode"] == "CB1 2AB"

    events = await conn.fetch("SELECT query, child_ids, outcome FROM audit_events WHERE action = 'child.shield' "
                              "ORDER BY id")
    assert [(e["query"]["shield"], e["outcome"]) for e in events] == [
        (True, "ok"), (True, "conflict"), (False, "ok"), (False, "conflict")]
    assert all(e["child_ids"] == [cid] for e in events)


@pytest.mark.parametrize("body, status, field", [
    ({"reason": "because"}, 400, None),
    ({}, 400, None),
    ({"reason": "adoption", "note": "free text"}, 400, None),
])
async def test_shield_needs_a_reason_code(client, tokens, pool, body, status, field):
    cid = await _child(pool)
    r = await client.post(f"/children/{cid}/shield", json=body, headers=bearer(tokens["la_data_manager"]))
    assert r.status_code == status, r.text


async def test_another_las_manager_may_not_shield(client, pool, norfolk):
    cid = await _child(pool)
    r = await client.post(f"/children/{cid}/shield", json={"reason": "adoption"}, headers=bearer(norfolk))
    assert r.status_code == 403 and "owning local authority" in r.json()["detail"]
    r = await client.post(f"/children/{uuid.uuid4()}/shield", json={"reason": "adoption"}, headers=bearer(norfolk))
    assert r.status_code == 404


async def test_searches_over_hidden_fields_never_find_a_shielded_child(client, tokens, pool):
    cid = await _child(pool, shielded=True)
    practitioner = bearer(tokens["practitioner"])
    by_name = (await client.get("/children/search", headers=practitioner, params={
        **REASON, "surname": "Testwood", "dob": "2015-03-14"})).json()["results"]
    assert [h["id"] for h in by_name] == [str(cid)] and by_name[0]["town"] is None
    for hidden in ({"surname": "Testwood", "dob": "2015-03-14", "postcode": "CB1 2AB"},
                   {"nhs_number": factories.nhs_number(1)}, {"upn": factories.upn(serial=1)}):
        found = (await client.get("/children/search", headers=practitioner, params={**REASON, **hidden})).json()
        assert found["results"] == [], hidden


async def test_override_gives_one_full_view_and_opens_an_investigation(client, tokens, pool, conn):
    cid = await _child(pool, shielded=True)
    cp = await _user(pool, org="HV873", role="practitioner", capabilities=("child_protection",))
    body = {"reason": "child_protection_enquiry", "case_ref": "CP/2026/1"}

    warned = await client.post(f"/children/{cid}/override", json=body, headers=bearer(cp))
    assert warned.status_code == 409 and "confirm" in warned.json()["detail"]
    assert await conn.fetchval("SELECT count(*) FROM investigations") == 0

    full = await client.post(f"/children/{cid}/override", json={**body, "confirm": True}, headers=bearer(cp))
    assert full.status_code == 200, full.text
    seen = full.json()
    assert seen["address"]["postcode"] == "CB1 2AB" and seen["carers"] and seen["identifiers"]
    assert "override" in seen["notice"]

    # One view only: the next ordinary view is shielded again, for them and for everyone else.
    for token in (cp, tokens["practitioner"]):
        assert (await _view(client, token, cid)).json()["address"] is None

    item = await conn.fetchrow("SELECT kind, child_id, la_code, closed_at FROM investigations")
    assert (item["kind"], item["child_id"], item["la_code"], item["closed_at"]) == ("shield_override", cid, "873", None)
    event = await conn.fetchrow("SELECT reason, case_ref, outcome FROM audit_events WHERE action = 'child.override' "
                                "AND outcome = 'ok'")
    assert (event["reason"], event["case_ref"]) == ("child_protection_enquiry", "CP/2026/1")

    listed = (await client.get("/investigations", headers=bearer(tokens["la_data_manager"]))).json()
    assert [i["kind"] for i in listed["items"]] == ["shield_override"]
    assert listed["items"][0]["user_name"] == "User HV873 practitioner"


@pytest.mark.parametrize("case", ["no_capability", "not_shielded", "owning_manager"])
async def test_override_refusals(client, tokens, pool, conn, case):
    cid = await _child(pool, shielded=case != "not_shielded")
    token = {
        "no_capability": tokens["practitioner"],
        "not_shielded": await _user(pool, org="HV873", role="practitioner", capabilities=("child_protection",)),
        "owning_manager": await _user(pool, org="LA873", role="la_data_manager", la="873",
                                      capabilities=("child_protection",)),
    }[case]
    r = await client.post(f"/children/{cid}/override", json={"reason": "child_protection_enquiry", "confirm": True},
                          headers=bearer(token))
    assert r.status_code == (403 if case == "no_capability" else 409), r.text
    assert await conn.fetchval("SELECT count(*) FROM investigations") == 0


async def test_emergency_view_succeeds_and_is_flagged_for_the_owning_la(client, tokens, pool, conn, norfolk):
    cid = await _child(pool, owning_la="926")
    r = await _view(client, tokens["practitioner"], cid, reason="emergency")
    assert r.status_code == 200 and r.json()["address"]["postcode"] == "CB1 2AB"
    item = await conn.fetchrow("SELECT kind, la_code, due_at - opened_at AS window FROM investigations")
    assert (item["kind"], item["la_code"], item["window"]) == ("emergency_view", "926", dt.timedelta(hours=72))
    # An ordinary view opens nothing; the owning LA's manager sees it, not Cambridgeshire's.
    await _view(client, tokens["practitioner"], cid)
    assert await conn.fetchval("SELECT count(*) FROM investigations") == 1
    assert (await client.get("/investigations", headers=bearer(tokens["la_data_manager"]))).json()["count"] == 0
    [item] = (await client.get("/investigations", headers=bearer(norfolk))).json()["items"]
    assert item["kind"] == "emergency_view" and item["overdue"] is False

    close = f"/investigations/{item['id']}/close"
    assert (await client.post(close, json={"outcome": "justified"}, headers=bearer(tokens["la_data_manager"]))
            ).status_code == 404
    assert (await client.post(close, json={"outcome": "fine"}, headers=bearer(norfolk))).status_code == 400
    done = await client.post(close, json={"outcome": "justified"}, headers=bearer(norfolk))
    assert done.status_code == 200 and done.json()["outcome"] == "justified"
    assert (await client.post(close, json={"outcome": "justified"}, headers=bearer(norfolk))).status_code == 409
    assert (await client.get("/investigations", params={"status": "closed"}, headers=bearer(norfolk))
            ).json()["count"] == 1
    assert (await client.get("/investigations", params={"status": "all"}, headers=bearer(norfolk))
            ).status_code == 400
