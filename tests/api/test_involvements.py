import datetime as dt
import uuid

import pytest

from index import registry
from tests import factories
from tests.api.conftest import bearer

REASON = {"reason": "service_delivery"}


@pytest.fixture
async def child_id(pool):
    async with pool.acquire() as conn:
        return await registry.create_child(conn, factories.child())


async def register(client, token, child_id, body=None):
    return await client.post(f"/children/{child_id}/involvements", json=body if body is not None else {"start_date": "2024-09-01"},
                             headers=bearer(token))


async def test_register_set_indicator_view_clear_end(client, tokens, child_id, conn):
    practitioner = tokens["practitioner"]
    r = await register(client, practitioner, child_id,
                       {"start_date": "2024-09-01", "contact": {"phone": "01632 960555"}})
    assert r.status_code == 201, r.text
    inv = r.json()["id"]
    r = await client.post(f"/involvements/{inv}/indicators", json={"kind": "lead_professional"},
                          headers=bearer(practitioner))
    assert r.status_code == 201
    indicator = r.json()["id"]
    view = (await client.get(f"/children/{child_id}", params=REASON, headers=bearer(practitioner))).json()
    [involvement] = view["involvements"]
    assert involvement["organisation"]["code"] == "HV873"
    assert involvement["contact"] == {"name": "Test practitioner", "phone": "01632 960555",
                                      "email": "practitioner@example.org"}
    assert involvement["indicators"][0]["kind"] == "lead_professional"
    assert involvement["indicators"][0]["set_by"]["phone"] == "01632 960100"

    again = await client.post(f"/involvements/{inv}/indicators", json={"kind": "lead_professional"},
                              headers=bearer(practitioner))
    assert again.status_code == 409
    assert (await register(client, practitioner, child_id)).status_code == 409

    r = await client.post(f"/indicators/{indicator}/clear", headers=bearer(practitioner))
    assert r.status_code == 200
    assert (await client.post(f"/indicators/{indicator}/clear", headers=bearer(practitioner))).status_code == 409
    r = await client.post(f"/involvements/{inv}/end", json={"end_date": dt.date.today().isoformat()},
                          headers=bearer(practitioner))
    assert r.status_code == 200
    assert (await client.post(f"/involvements/{inv}/end", json={"end_date": "2024-09-02"},
                              headers=bearer(practitioner))).status_code == 409
    actions = [r["action"] for r in await conn.fetch(
        "SELECT action FROM audit_events WHERE outcome = 'ok' AND $1 = ANY(child_ids) ORDER BY id", child_id)]
    assert actions == ["involvement.register", "indicator.set", "child.view", "indicator.clear", "involvement.end"]


async def test_only_your_own_organisation_and_indicators(client, tokens, child_id, conn):
    inv = (await register(client, tokens["practitioner"], child_id)).json()["id"]
    indicator = (await client.post(f"/involvements/{inv}/indicators", json={"kind": "taking_action"},
                                   headers=bearer(tokens["practitioner"]))).json()["id"]
    colleague = await factories.token_for(conn, org="HV873", name="Colleague")
    outsider = await factories.token_for(conn, org="D81001", name="Outsider")
    assert (await client.post(f"/indicators/{indicator}/clear", headers=bearer(colleague))).status_code == 403
    for token in (outsider,):
        r = await client.post(f"/involvements/{inv}/end", json={"end_date": "2024-09-02"}, headers=bearer(token))
        assert r.status_code == 403
        r = await client.post(f"/involvements/{inv}/indicators", json={"kind": "has_information"},
                              headers=bearer(token))
        assert r.status_code == 403
    denied = await conn.fetchval("SELECT count(*) FROM audit_events WHERE outcome = 'denied'")
    assert denied == 3


@pytest.mark.parametrize("body, status, field", [
    ({"start_date": "2024-09-01", "colour": "red"}, 400, "colour"),
    ({"start_date": "2024-02-30"}, 400, "start_date"),
    ({}, 400, "start_date"),
    ({"start_date": "2099-01-01"}, 400, "start_date"),
    ({"start_date": "2001-01-01"}, 400, "start_date"),
    ({"start_date": "2024-09-01", "contact": {"phone": "call me"}}, 400, "contact.phone"),
    ({"start_date": "2024-09-01", "contact": {"note": "x"}}, 400, "contact.note"),
])
async def test_register_bad_bodies(client, tokens, child_id, body, status, field):
    r = await register(client, tokens["practitioner"], child_id, body)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == field


async def test_register_wrong_content_type_and_oversized_and_malformed(client, tokens, child_id):
    headers = bearer(tokens["practitioner"])
    r = await client.post(f"/children/{child_id}/involvements", content=b"start_date=2024-09-01",
                          headers={**headers, "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415 and r.json()["status"] == 415
    r = await client.post(f"/children/{child_id}/involvements", content=b'{"start_date": "' + b"x" * 10_000 + b'"}',
                          headers={**headers, "Content-Type": "application/json"})
    assert r.status_code == 413 and r.headers["content-type"].startswith("application/problem+json")
    r = await client.post(f"/children/{child_id}/involvements", content=b"{not json",
                          headers={**headers, "Content-Type": "application/json"})
    assert r.status_code == 400
    r = await register(client, tokens["practitioner"], uuid.uuid4())
    assert r.status_code == 404
    r = await client.post("/involvements/xyz/end", json={"end_date": "2024-01-01"}, headers=headers)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "involvement_id"
    r = await client.post("/involvements/x/indicators", json={"kind": "worried"}, headers=headers)
    assert r.status_code == 400


async def test_unknown_route_and_method_are_problems(client, tokens):
    r = await client.get("/nowhere", headers=bearer(tokens["practitioner"]))
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    r = await client.delete("/me", headers=bearer(tokens["practitioner"]))
    assert r.status_code == 405
