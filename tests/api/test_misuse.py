"""Misuse detection through the API: each rule triggered by real searches and views,
the auditors' alerts, suspension and reinstatement."""

import uuid

import pytest

from index import misuse, registry
from tests import factories
from tests.api.conftest import bearer

REASON = {"reason": "service_delivery"}


async def children(pool, count, *, owning_la="873", start=1):
    async with pool.acquire() as conn:
        return [await registry.create_child(conn, factories.child(
            forename=f"Child{chr(64 + i)}", owning_la=owning_la, nhs_number=factories.nhs_number(1000 + 10 * i),
            upn=factories.upn(la=owning_la, serial=i))) for i in range(start, start + count)]


async def configure(pool, code, **settings):
    async with pool.acquire() as conn:
        await misuse.set_rule(conn, code, **settings)


async def view(client, token, cid):
    return await client.get(f"/children/{cid}", params=REASON, headers=bearer(token))


async def open_alerts(client, tokens, status="open"):
    r = await client.get("/alerts", params={"status": status}, headers=bearer(tokens["auditor"]))
    assert r.status_code == 200, r.text
    return r.json()["alerts"]


async def suspended(pool, name):
    async with pool.acquire() as conn:
        return await conn.fetchval("SELECT suspended_at IS NOT NULL FROM users WHERE name = $1", name)


async def test_distinct_children_suspends_after_the_request_and_the_denial_is_audited(client, tokens, pool):
    await configure(pool, "distinct_children", threshold=3)
    ids = await children(pool, 5)
    token = tokens["practitioner"]
    for cid in ids[:3]:
        assert (await view(client, token, cid)).status_code == 200
    assert await open_alerts(client, tokens) == []           # 3 is not above the threshold
    assert (await view(client, token, ids[0])).status_code == 200   # the same child again: still 3
    assert await open_alerts(client, tokens) == []

    r = await view(client, token, ids[3])                    # the 4th distinct child: fires, still answered
    assert r.status_code == 200 and r.json()["id"] == str(ids[3])
    [alert] = await open_alerts(client, tokens)
    assert alert["rule_code"] == "distinct_children" and alert["org_code"] == "HV873"
    assert alert["details"] == {"distinct_children": 4, "threshold": 3, "window_minutes": 60, "action": "suspend"}
    assert await suspended(pool, "Test practitioner")

    r = await view(client, token, ids[4])
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "suspended" in r.json()["detail"] and "auditors" in r.json()["detail"]
    assert (await client.get("/me", headers=bearer(token))).status_code == 403
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT outcome, status, action, user_id FROM audit_events WHERE request_id = $1",
            uuid.UUID(r.headers["x-request-id"]))
        user_id = await conn.fetchval("SELECT id FROM users WHERE name = 'Test practitioner'")
    assert (row["outcome"], row["status"], row["action"], row["user_id"]) == ("denied", 403, "child.view", user_id)
    assert len(await open_alerts(client, tokens)) == 1


async def test_closing_with_reinstate_restores_access_and_the_count_restarts(client, tokens, pool):
    await configure(pool, "distinct_children", threshold=2)
    ids = await children(pool, 4)
    token = tokens["practitioner"]
    for cid in ids[:3]:
        assert (await view(client, token, cid)).status_code == 200
    [alert] = await open_alerts(client, tokens)
    assert (await view(client, token, ids[0])).status_code == 403

    r = await client.post(f"/alerts/{alert['id']}/close", json={"outcome": "no_misuse", "reinstate": True},
                          headers=bearer(tokens["auditor"]))
    assert r.status_code == 200, r.text
    closed = r.json()
    assert (closed["status"], closed["outcome"]) == ("closed", "no_misuse") and closed["closed_at"]
    assert not await suspended(pool, "Test practitioner")
    # Back in; the views before the closure no longer count towards the rule.
    for cid in ids[:2]:
        assert (await view(client, token, cid)).status_code == 200
    assert await open_alerts(client, tokens) == []
    assert [a["id"] for a in await open_alerts(client, tokens, "closed")] == [alert["id"]]
    assert (await view(client, token, ids[3])).status_code == 200   # a 3rd distinct child since: fires again
    assert [a["rule_code"] for a in await open_alerts(client, tokens)] == ["distinct_children"]
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT outcome, query FROM audit_events WHERE action = 'alert.close'")
    assert row["outcome"] == "ok" and row["query"] == {"alert_id": alert["id"], "outcome": "no_misuse",
                                                       "reinstate": True}


async def test_closing_without_reinstate_keeps_the_account_suspended(client, tokens, pool):
    await configure(pool, "distinct_children", threshold=0)
    [cid] = await children(pool, 1)
    assert (await view(client, tokens["practitioner"], cid)).status_code == 200
    [alert] = await open_alerts(client, tokens)
    r = await client.post(f"/alerts/{alert['id']}/close", json={"outcome": "misuse"},
                          headers=bearer(tokens["auditor"]))
    assert r.status_code == 200
    assert (await view(client, tokens["practitioner"], cid)).status_code == 403


async def test_own_surname_alerts_only(client, tokens, pool):
    async with pool.acquire() as conn:
        jo = await factories.token_for(conn, org="HV873", name="Jo Testwood")
    [cid] = await children(pool, 1)
    search = {**REASON, "surname": "Testwood", "dob": "2015-03-14"}

    r = await client.get("/children/search", params={**search, "surname": "Smith"}, headers=bearer(jo))
    assert r.status_code == 200
    r = await client.get("/children/search", params=search, headers=bearer(tokens["practitioner"]))
    assert r.status_code == 200                      # "Test practitioner" is not a Testwood
    assert await open_alerts(client, tokens) == []

    r = await client.get("/children/search", params={**search, "surname": "TESTWOOD"}, headers=bearer(jo))
    assert r.status_code == 200 and [h["id"] for h in r.json()["results"]] == [str(cid)]
    [alert] = await open_alerts(client, tokens)
    assert alert["rule_code"] == "own_surname"
    assert alert["details"] == {"searches": 1, "child_ids": [str(cid)], "action": "alert"}
    assert "Testwood" not in str(alert) and "testwood" not in str(alert)
    # Alert only: Jo carries on; searching again raises no second alert.
    r = await client.get("/children/search", params=search, headers=bearer(jo))
    assert r.status_code == 200
    assert len(await open_alerts(client, tokens)) == 1
    assert not await suspended(pool, "Jo Testwood")


async def test_out_of_area_counts_views_of_other_las_children(client, tokens, pool):
    await configure(pool, "out_of_area", threshold=2)
    home = await children(pool, 3)
    [away] = await children(pool, 1, owning_la="926", start=10)
    token = tokens["practitioner"]
    for cid in home:
        assert (await view(client, token, cid)).status_code == 200
    for _ in range(2):
        assert (await view(client, token, away)).status_code == 200
    assert await open_alerts(client, tokens) == []          # 2 views out of area: not above 2
    for _ in range(3):                                       # a flood: one open alert
        assert (await view(client, token, away)).status_code == 200
    [alert] = await open_alerts(client, tokens)
    assert alert["rule_code"] == "out_of_area"
    assert alert["details"] == {"out_of_area_views": 3, "user_la": "873", "threshold": 2, "window_minutes": 60,
                                "action": "alert"}
    assert not await suspended(pool, "Test practitioner")


async def test_out_of_area_set_to_suspend_suspends(client, tokens, pool):
    await configure(pool, "out_of_area", threshold=0, action="suspend")
    [away] = await children(pool, 1, owning_la="926")
    assert (await view(client, tokens["practitioner"], away)).status_code == 200
    assert (await view(client, tokens["practitioner"], away)).status_code == 403
    assert [a["rule_code"] for a in await open_alerts(client, tokens)] == ["out_of_area"]


async def test_a_disabled_rule_does_not_fire(client, tokens, pool):
    await configure(pool, "distinct_children", threshold=0, enabled=False)
    await configure(pool, "out_of_area", threshold=0, enabled=False)
    [away] = await children(pool, 1, owning_la="926")
    for _ in range(3):
        assert (await view(client, tokens["practitioner"], away)).status_code == 200
    assert await open_alerts(client, tokens) == []


@pytest.mark.parametrize("alert_id, body, status, field", [
    ("known", {"outcome": "no_misuse"}, 409, "alert_id"),        # closed already, below
    ("known", {"outcome": "guilty"}, 400, "outcome"),
    ("known", {"outcome": "misuse", "note": "x"}, 400, "note"),  # no free text
    ("3d5f7a9b-1c2e-4a6b-8d0f-2e4a6c8e0b1d", {"outcome": "no_misuse"}, 404, "alert_id"),   # no such alert
    ("not-an-id", {"outcome": "no_misuse"}, 400, "alert_id"),
])
async def test_close_errors(client, tokens, pool, alert_id, body, status, field):
    await configure(pool, "distinct_children", threshold=0, action="alert")
    [cid] = await children(pool, 1)
    assert (await view(client, tokens["practitioner"], cid)).status_code == 200
    [alert] = await open_alerts(client, tokens)
    if status == 409:
        r = await client.post(f"/alerts/{alert['id']}/close", json=body, headers=bearer(tokens["auditor"]))
        assert r.status_code == 200
    target = alert["id"] if alert_id == "known" else alert_id
    r = await client.post(f"/alerts/{target}/close", json=body, headers=bearer(tokens["auditor"]))
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == field


@pytest.mark.parametrize("query, field", [({"status": "pending"}, "status"), ({"limit": "0"}, "limit"),
                                          ({"user": "x"}, "user")])
async def test_list_errors(client, tokens, query, field):
    r = await client.get("/alerts", params=query, headers=bearer(tokens["auditor"]))
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == field
